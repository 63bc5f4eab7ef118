// SPDX-License-Identifier: GPL-3.0-or-later
// parley::Client: one device. Owns its encrypted store and its connection to the relay,
// runs the protocol engine on a network thread, reconnects with backoff, and resends
// unacknowledged messages with the same ids until the relay has them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "parley/cells.hpp"
#include "parley/error.hpp"
#include "parley/events.hpp"
#include "parley/hotline_types.hpp"
#include "parley/store_key.hpp"
#include "parley/types.hpp"

namespace parley {

struct ClientOptions {
  Address address;                               // this device: user + device number
  std::string store_path;                        // SQLCipher file, created on first open
  StoreKey store_key = StoreKey::none();         // raw 256-bit key or passphrase; none is refused
  std::string relay_host = "127.0.0.1";
  std::uint16_t relay_port = 0;
  // wss:// instead of ws://. The relay's certificate must chain to a root in relay_ca_file
  // (PEM; empty: the system's trusted roots) and name relay_host (DNS name or IP address).
  bool relay_tls = false;
  std::string relay_ca_file;
  // Optional pin, on top of that check: the SHA-256 of the relay's certificate (DER) as 64 hex
  // digits, colons allowed (`openssl x509 -noout -fingerprint -sha256`). Any other certificate
  // is refused; the client keeps retrying and reports each refusal as Disconnected.
  std::string relay_cert_sha256;
  // For a relay that admits new devices by invite: the token its operator minted
  // (`parley-relay admin mint-invite`). Used only when this device registers; a relay that
  // refuses it reports a ProtocolError event with invite_required or invite_invalid and closes.
  std::string invite_token;
  std::chrono::milliseconds reconnect_initial{200};  // first retry delay, doubled per failure...
  std::chrono::milliseconds reconnect_max{5000};     // ...up to this, with random jitter
  std::uint32_t initial_prekeys = 100;               // one-time prekeys made on first run
  // The engine arms one timer for its next deadline; this is the longest the client sleeps
  // before asking again (a wall clock that jumped is noticed within it).
  std::chrono::milliseconds deadline_tick{60000};
};

class Client {
 public:
  using EventHandler = std::function<void(const Event&)>;

  // Opens the store (creating the device identity on first use). Errors: invalid_argument
  // (bad address, no store key), store_wrong_key, store_io, store_corrupt.
  static Result<std::unique_ptr<Client>> open(ClientOptions options);
  ~Client();  // stop()s
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Called on the client's network thread, one event at a time. Set before start().
  // The handler may call send_text().
  void set_event_handler(EventHandler handler);

  // Starts the network thread: connect, register or authenticate, then keep the connection
  // up (reconnecting with backoff) until stop(). Errc::invalid_argument if already started.
  Status start();
  void stop();

  // Thread-safe. Returns once the message is durable in the local store (outbox, or pending
  // until a session exists); delivery progress arrives as events.
  Result<MessageId> send_text(const Address& to, std::string text);

  const Address& address() const;
  // This device's 33-byte identity public key, for a supervisor to put in the charter.
  Result<Bytes> identity_key() const;

  // --- joining (parley/joining.hpp; docs/protocol.md "Joining") ---
  // A Welcome joins this device to a cell only if it matches an anchor given here: a cell's
  // genesis (Client::join_anchor on any member, typically the supervisor) or the key of the
  // supervisor device that created it (its Client::supervisor_anchor). Pending invitations the
  // anchor matches join at once. Other Welcomes raise InvitationReceived and wait.
  Status add_join_anchor(const JoinAnchor& anchor);
  // An invitation by its genesis hash: store_not_found if there is none; untrusted_identity
  // if the kept Welcome no longer passes the checks (it is dropped).
  Status accept_invitation(const Digest& genesis);
  Status decline_invitation(const Digest& genesis);
  Result<std::vector<Invitation>> invitations() const;
  // cell_unknown if this device is not in `cell`.
  Result<JoinAnchor> join_anchor(const CellId& cell) const;
  Result<JoinAnchor> supervisor_anchor() const;

  // --- cells (thread-safe; each returns once the change is durable in the local store) ---
  // Creates a cell from the template with this device as its supervisor device and sends
  // a welcome to every member. Errors: invalid_argument / charter_invalid_operation for a
  // template the charter rules refuse (duplicate device or key, bad names).
  Result<CellId> create_cell(CellTemplate cell_template);
  // Supervisor devices only (charter_not_authorized otherwise); cell_unknown.
  Status add_member(const CellId& cell, CellMember member);
  Status remove_member(const CellId& cell, const Address& device);
  Status set_role(const CellId& cell, std::string user, CellRole role);
  Status create_channel(const CellId& cell, std::string channel, std::string display_name);
  Status archive_channel(const CellId& cell, std::string channel);
  // A new display name for an existing channel (its id and everything else stay).
  Status rename_channel(const CellId& cell, std::string channel, std::string display_name);
  Status set_channel_policy(const CellId& cell, std::string channel, ChannelPolicySpec policy);
  // Party-admin devices: signs the changes and sends them to the cell's supervisor devices,
  // which see a ProposalReceived event. Checked here first against this device's charter:
  // charter_not_authorized (not a party admin, or a change outside its own party),
  // charter_invalid_operation (a change that does not apply), cell_unknown.
  Result<ProposalId> propose(const CellId& cell, CellProposal changes);
  // Supervisor devices: commits a received proposal's changes (validated again against the
  // current charter: it may have moved on), or forgets it. cell_unknown, store_not_found (no such pending proposal).
  Status accept_proposal(const CellId& cell, const ProposalId& id);
  Status reject_proposal(const CellId& cell, const ProposalId& id);
  // Posts on a channel: cell_unknown, cell_permission_denied (no POST at the current epoch).
  // On an ack_required channel the precedence shortens the acknowledgement deadline.
  // MessageSent{id} follows once the relay holds the post and the channel key for every
  // reader that lacked it (at once, with this device as recipient, if no other device
  // reads the channel); SendFailed{id, reader} if a reader's key cannot be delivered.
  Result<MessageId> post(const CellId& cell, std::string channel, std::string text,
                         Precedence precedence = Precedence::routine);
  // Acknowledges (sender, id) for this device's party — never automatic; delivery receipts
  // are. cell_unknown, hotline_unknown_message (not awaiting acknowledgement here),
  // hotline_party_not_required, cell_permission_denied (this device may not post there).
  Result<MessageId> acknowledge(const CellId& cell, std::string channel, const Address& sender, const MessageId& id);
  // The attested posts of an `attested` channel sent in [from, to] (ms since the epoch; to 0
  // means now), with the charter needed to check every signer, as one file that
  // `parley-verify` checks offline. cell_unknown, hotline_not_attested, limit_exceeded.
  Result<Bytes> export_transcript(const CellId& cell, std::string channel, TimeMs from = 0, TimeMs to = 0) const;
  // Each required party's state for that message; empty if it is not tracked.
  std::map<std::string, AckState> ack_status(const CellId& cell, std::string channel, const Address& sender,
                                             const MessageId& id) const;
  // --- incidents and deconfliction notices (docs/hotline.md) ---
  // Opens an incident (dispute) between this device's party and `incident.respondent_party`
  // on any channel it may post on; returns the new incident's id. update_incident adds an
  // acknowledgement, comment, proposal or resolution. Each is checked here against the rule
  // every device applies, so what they would ignore is refused: invalid_argument (unknown
  // respondent, incident or proposal; already resolved; a field over its limit),
  // cell_permission_denied (this party may not do that), and the errors of post().
  Result<IncidentId> open_incident(const CellId& cell, std::string channel, IncidentOpen incident,
                                   Precedence precedence = Precedence::routine);
  Result<MessageId> update_incident(const CellId& cell, std::string channel, const IncidentId& incident,
                                    IncidentAction action);
  // Every incident on the channel as this device computes it (the same on every device that
  // holds the same operations), in the order they were opened.
  Result<std::vector<Incident>> incidents(const CellId& cell, std::string channel) const;
  // Announces planned activity on an ack_required channel (invalid_argument elsewhere); the
  // other parties acknowledge it with acknowledge(). hotline_invalid_area for an area or
  // window the rules refuse. Overlaps with other parties' notices raise NoticesConflict.
  Result<MessageId> post_notice(const CellId& cell, std::string channel, DeconflictionNotice notice,
                                Precedence precedence = Precedence::routine);
  Result<std::vector<NoticeEntry>> notices(const CellId& cell, std::string channel) const;
  // Text posts only (acknowledgements, incidents and notices have their own calls above).
  Result<std::vector<ChannelHistoryEntry>> history(const CellId& cell, std::string channel) const;
  // Cells this device is a member of (or was: a removed device keeps its history).
  std::vector<CellId> cells() const;
  // A view of one cell as this device's charter says now (parley/cells.hpp, CellView): its
  // genesis and supervisor fingerprint, members, channels with this device's READ/POST, and
  // (on supervisor devices) pending proposals. cell_unknown; store errors.
  Result<CellView> cell(const CellId& cell) const;
  // The view of every cell of cells(), in that order.
  Result<std::vector<CellView>> cell_views() const;

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley
