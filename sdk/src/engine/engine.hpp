// SPDX-License-Identifier: GPL-3.0-or-later
// The sans-IO device engine: relay frames and time in; frames to send, store writes and
// application events out. No sockets, no threads, no clock: the caller passes `now` and
// moves bytes. parley::Client drives it over a WebSocket; tests can drive it directly.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <span>

#include "cells/cell_book.hpp"
#include "engine/beacons.hpp"
#include "engine/charters.hpp"
#include "engine/delivery_reports.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/options.hpp"
#include "engine/epoch_watch.hpp"
#include "engine/hotline_book.hpp"
#include "engine/hotline_tracking.hpp"
#include "engine/identities.hpp"
#include "engine/joining.hpp"
#include "engine/proposals.hpp"
#include "engine/recovery_throttle.hpp"
#include "engine/relay_link.hpp"
#include "engine/relay_session.hpp"
#include "engine/supervisor_beacons.hpp"
#include "engine/timer_table.hpp"
#include "charter/seed_template.hpp"
#include "hotline/ack_tracker.hpp"
#include "hotline/deconfliction.hpp"
#include "hotline/incidents.hpp"
#include "parley/cells.hpp"
#include "parley/events.hpp"
#include "parley/joining.hpp"
#include "pairwise/sender_keys.hpp"
#include "pairwise/sessions.hpp"
#include "store/device_store.hpp"
#include "wire/frames.hpp"

namespace parley::cells {
struct Welcome;
}

namespace parley::engine {

class Engine {
 public:
  // `store` must already hold a device identity (pairwise::create_device_identity) and
  // must outlive the engine.
  static Result<std::unique_ptr<Engine>> create(store::DeviceStore& store, EngineOptions options = {});
  ~Engine();  // removes the outbox rows of acknowledged sends still waiting for a transaction

  const Address& address() const { return core_.self; }
  bool ready() const { return core_.link.ready(); }

  // --- transport lifecycle ---
  void on_open(TimeMs now);                          // the relay's Challenge comes next
  void on_close(const Error& reason, TimeMs now);   // emits Disconnected
  // One binary frame from the relay. An error means the connection is unusable: close it.
  Status on_frame(ByteView frame, TimeMs now);

  // --- commands ---
  // Queues `text` for `to` durably (outbox, or pending until a session exists) and returns
  // its id. Delivery progress arrives as MessageSent / SendFailed events.
  Result<MessageId> send_text(const Address& to, std::string_view text, TimeMs now);

  // --- cells (charters.cpp; rules in docs/protocol.md "Cells" and "Channels") ---
  // Creates a cell from the standard template with this device as the supervisor device and
  // genesis author (options.cell_id, supervisor, supervisor_key and time_ms are filled in
  // here) and sends a Welcome to every other device it names. Returns the new cell id.
  Result<CellId> create_cell(charter::SeedCellOptions options, TimeMs now);
  // Signs and applies a commit with `operations` (this device must be a supervisor device of
  // the cell: charter_not_authorized), then sends it to every device of the cell before and
  // after it, and a Welcome to each device it adds. Errors of charter::apply otherwise.
  Status commit(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now);
  // Posts `text` on `channel`: cell_unknown; cell_permission_denied without POST. Rekeys
  // when a device its key went to is no longer a reader, distributes the key to readers
  // that lack it, then uploads ONE envelope addressed to every other reader. MessageSent
  // comes once the relay holds the envelope and those distributions (at once if no other
  // device reads the channel); docs/protocol.md "Channels", "Sent".
  Result<MessageId> post(const CellId& cell, std::string_view channel, std::string_view text, TimeMs now,
                         Precedence precedence = Precedence::routine);

  // --- hotline (engine_hotline.cpp; docs/hotline.md) ---
  // Acknowledges `target` on an ack_required channel for this device's party (a channel post
  // of the hotline kind). cell_unknown, cell_permission_denied, hotline_unknown_message,
  // hotline_party_not_required (this device's party is not asked).
  Result<MessageId> acknowledge(const CellId& cell, std::string_view channel, const hotline::MessageRef& target,
                                TimeMs now);
  // Per required party; empty if the message is not tracked (not on an ack_required channel).
  std::map<std::string, AckState> ack_status(const CellId& cell, std::string_view channel,
                                             const hotline::MessageRef& target, TimeMs now);
  // A self-contained transcript ("PLF1") of the channel's attested posts sent in [from, to]
  // (to == 0: up to now): cell_unknown, hotline_not_attested, limit_exceeded.
  Result<Bytes> export_transcript(const CellId& cell, std::string_view channel, TimeMs from, TimeMs to);
  // Incidents (engine_incidents.cpp): each operation is a hotline post on `channel`, checked
  // here against the same fold every receiver runs, so what they would ignore is refused:
  // invalid_argument (unknown respondent party or incident or proposal, already resolved,
  // a field over its limit), cell_permission_denied (this party may not do that), and the
  // errors of post. incidents(): every incident this device holds on the channel, by opening.
  Result<IncidentId> open_incident(const CellId& cell, std::string_view channel, IncidentOpen open,
                                   Precedence precedence, TimeMs now);
  Result<MessageId> update_incident(const CellId& cell, std::string_view channel, const IncidentId& id,
                                    IncidentAction action, TimeMs now);
  Result<std::vector<Incident>> incidents(const CellId& cell, std::string_view channel);
  // Deconfliction notices (engine_notices.cpp): only on ack_required channels
  // (invalid_argument otherwise); hotline_invalid_area for a bad area or window.
  Result<MessageId> post_notice(const CellId& cell, std::string_view channel, DeconflictionNotice notice,
                                Precedence precedence, TimeMs now);
  Result<std::vector<NoticeEntry>> notices(const CellId& cell, std::string_view channel);

  // --- time (engine_timers.cpp, timer_table.hpp) ---
  // When handle_timeout next has something to do (nullopt: nothing is timed). A driver arms
  // one timer for it after every call into the engine.
  std::optional<TimeMs> poll_timeout();
  // Runs what is due at `now`: MessageOverdue for every (message, party) whose deadline
  // passed, once, and escalation of this device's own overdue messages to the supervisor
  // devices; SecurityAlert(cell_commits_withheld); sends and bundle fetches the relay refused
  // for now. Calling it early or often is harmless.
  void handle_timeout(TimeMs now);

  // Party-admin proposals (proposals.cpp). propose: signs `operations` and sends them to
  // the cell's supervisor devices after checking them against this device's charter
  // (validate_proposal's errors). accept_proposal: validates the stored proposal again and
  // commits it (supervisor devices; store_not_found for an unknown id). reject: forgets it.
  Result<ProposalId> propose(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now);
  Status accept_proposal(const CellId& cell, const ProposalId& id, TimeMs now);
  Status reject_proposal(const CellId& cell, const ProposalId& id);

  // Joining (joining.cpp; docs/protocol.md "Joining"). A Welcome joins only if its
  // genesis matches an anchor added here (now or later: pending invitations it matches join
  // at once); otherwise it is kept as an invitation (InvitationReceived) that the app accepts
  // or declines by its genesis hash (store_not_found for none; untrusted_identity when the
  // kept Welcome no longer passes its checks, and it is dropped).
  Status add_join_anchor(const JoinAnchor& anchor, TimeMs now);
  Status accept_invitation(const Digest& genesis, TimeMs now);
  Status decline_invitation(const Digest& genesis);
  Result<std::vector<Invitation>> invitations() const;
  // The genesis anchor of a cell this device is in (what its supervisor hands to members).
  Result<JoinAnchor> join_anchor(const CellId& cell) const;
  // The supervisor anchor of this device's own key (what members of its cells are given).
  Result<JoinAnchor> supervisor_anchor() const;

  std::vector<CellId> cells() const { return core_.book.ids(); }
  // A view of a cell (engine_cell_view.cpp; parley::CellView): cell_unknown, store errors.
  Result<CellView> cell_view(const CellId& cell) const;
  Result<std::vector<CellView>> cell_views() const;  // in the order of cells()
  const charter::CharterLog* charter(const CellId& cell) const { return core_.book.find(cell); }
  // Accepted messages of the channel (own posts included) in the order this device saw them.
  Result<std::vector<store::HistoryRecord>> history(const CellId& cell, std::string_view channel) const;
  // The channel key generation this device posts with (0: it never posted there).
  Result<std::uint32_t> send_generation(const CellId& cell, std::string_view channel) const;

  // --- outputs ---
  std::optional<Bytes> poll_transmit();
  std::optional<Event> poll_event();

 private:
  Engine(store::DeviceStore& store, std::unique_ptr<pairwise::SignalStoreAdapter> adapter, Address self,
         EngineOptions options, cells::CellBook book);

  // Not parts yet (docs/architecture.md "The engine's parts"): channels, recovery, the hotline's
  // commands, freshness and the timers' routing still run on the Engine.
  // --- freshness (engine_freshness.cpp) ---
  // Whether a post naming `epoch` (< the current one) is still within the window.
  Result<bool> epoch_fresh(const CellId& cell, std::uint64_t epoch, std::uint64_t current, TimeMs now) const;
  void check_withheld_commits(TimeMs now);
  void check_ack_deadlines(TimeMs now);
  // Asks again for lost posts and keys whose answer did not come (engine_recovery.cpp).
  void retry_recovery(TimeMs now);
  // Drops held envelopes older than held_expiry_ms (DecryptFailed, timeout).
  void expire_held(TimeMs now);
  // When the oldest held envelope arrived, read from the store after held envelopes changed.
  std::optional<TimeMs> held_oldest();
  // Sets every slot of timers_ from the state it depends on.
  void rearm_timers();
  // Sends the posts queued while their cell was behind, for cells that caught up.
  void flush_queued_posts(TimeMs now);
  // Control contents (kinds other than text), inside the delivery's transaction.
  Status on_control(const Address& sender, const envelope::Content& content, TimeMs now, Effects& after);
  Status on_distribution(const Address& sender, ByteView body, Effects& after);
  // A sender-key envelope. Returns true if it must be held (key or epoch not there yet).
  Result<bool> on_channel_envelope(const Address& sender, const envelope::Envelope& envelope, TimeMs now,
                                   Effects& after);
  // A channel post of any kind (text or a hotline body); attested when the policy says so.
  // `preset`: the message id to use (an incident opening derives its incident id from it).
  Result<MessageId> post_message(const CellId& cell, std::string_view channel, cells::ChannelMessageKind kind,
                                 ByteView body, Precedence precedence, TimeMs now,
                                 std::optional<MessageId> preset = std::nullopt);
  Result<MessageId> send_incident_operation(const CellId& cell, std::string_view channel,
                                            hotline::IncidentOperation operation, Precedence precedence, TimeMs now,
                                            std::optional<MessageId> preset = std::nullopt);
  Result<MessageId> post_hotline_body(const CellId& cell, std::string_view channel, const hotline::Body& body,
                                      Precedence precedence, TimeMs now,
                                      std::optional<MessageId> preset = std::nullopt);
  void send_receipts(TimeMs now);
  Status on_escalation(const Address& sender, ByteView body, TimeMs now, Effects& after);

  // The checks every channel message passes, however it arrived (sender key or resend):
  // charter epoch known, head matches, POST then and now; then history, cursor, event.
  // Runs inside the caller's transaction; `delivered` gets the event to emit after commit.
  enum class Acceptance { accepted, duplicate, refused, later };
  Result<Acceptance> accept_channel_message(const Address& sender, const cells::ChannelMessage& message, TimeMs now,
                                            Effects& after, std::optional<Event>& delivered);

  // --- recovery of lost channel traffic (engine_recovery.cpp) ---
  // Records post `post` of `sender` as accounted for and asks the sender for any gap below it.
  Status note_post(const cells::CellId& cell, const std::string& channel, const Address& sender, std::uint64_t post,
                   TimeMs now, Effects& after);
  Status advance_cursor(const cells::CellId& cell, const std::string& channel, const Address& sender,
                        std::uint64_t next_post);
  Status on_posts_request(const Address& sender, ByteView body, TimeMs now, Effects& after);
  Status on_posts_resend(const Address& sender, ByteView body, TimeMs now, Effects& after);
  // The last number from `from` on that a resend accounts for: each number up to `through` is
  // answered, already held here, or a skip this device checked it could not read (else
  // SecurityAlert{cell_posts_withheld}). `waiting`: a skip names an epoch not here yet.
  Result<std::uint64_t> accounted_through(const Address& sender, const cells::PostsResend& resend,
                                          const std::set<std::uint64_t>& answered, std::uint64_t from,
                                          std::uint64_t through, bool& waiting, Effects& after);
  enum class SkipCheck { proven, later, unproven };
  Result<SkipCheck> check_skip(const Address& sender, const cells::PostsResend& resend, const cells::SkippedPost& skip,
                               std::string& why);
  Status on_key_request(const Address& sender, ByteView body, TimeMs now, Effects& after);
  // Asks `sender` again for the key of a held envelope (throttled).
  Status request_key(const Address& sender, const envelope::KeyTag& tag, TimeMs now, Effects& after);
  void retry_held(TimeMs now);
  void retry_held_passes(TimeMs now);

  Status on_deliver(const wire::Deliver& deliver, TimeMs now);

  // The parts, in dependency order (docs/architecture.md "The engine's parts"): each holds
  // Core& and references to the parts above it, never to one below.
  // Shared by every part (engine_core.hpp): store, sessions, keys, cell book, relay link,
  // delivery reports, epochs, beacon times, transactions, frames and events for the driver.
  Core core_;
  RelaySession relay_;        // the handshake, prekeys, bundles, acknowledgements and failures
  Identities identities_;     // the identity rule; control traffic over bound sessions only
  Charters charters_;         // charter logs: commits made, received, resynced, re-based
  Proposals proposals_;       // party-admin proposals: sent, received, accepted, rejected
  Beacons beacons_;           // supervisor beacons: sent, heard, silence reported
  Joining joining_;           // Welcomes, invitations, join anchors
  // Ack trackers, incident operations and notices per channel, receipts owed (hotline_book.hpp).
  HotlineBook hotline_;
  HotlineTracking tracking_;  // accepted posts into hotline_: acks, receipts, incidents, notices
  // Which lost posts and keys were asked for, and when to ask again (recovery_throttle.hpp).
  RecoveryThrottle recovery_;
  // Held envelopes: the store's oldest, re-read only after a change (core_.held_changed).
  std::optional<TimeMs> held_oldest_;
  bool posts_queued_ = true;  // queued_posts may hold something (checked once after start)
  TimerTable timers_;
};

}  // namespace parley::engine
