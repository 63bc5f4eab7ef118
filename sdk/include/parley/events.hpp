// SPDX-License-Identifier: GPL-3.0-or-later
// What a Parley device tells the application.
#pragma once

#include <array>
#include <string>
#include <variant>

#include "parley/cell_types.hpp"
#include "parley/error.hpp"
#include "parley/hotline_types.hpp"
#include "parley/joining.hpp"
#include "parley/types.hpp"

namespace parley {

// The relay accepted this device's authentication (after registering it on first connect).
struct Connected {
  std::uint32_t prekeys_remaining = 0;
};

// The connection to the relay ended, or an attempt failed before it opened (a refused
// certificate, an unreachable relay: reported once per reason, not at every retry); the
// client reconnects by itself.
struct Disconnected {
  Error reason;
};

// A message decrypted and recorded as received. Each (sender, id) is reported once.
struct MessageReceived {
  Address sender;
  MessageId id;
  TimeMs sent_at = 0;
  std::string text;
};

// The relay stored this message durably for all its recipients.
struct MessageSent {
  MessageId id;
  Address recipient;
};

// The message will not be delivered (e.g. unknown recipient, mailbox full, bad bundle).
struct SendFailed {
  MessageId id;
  Address recipient;
  Error error;
};

// A delivery could not be decrypted (tampered, wrong session, changed identity...).
// It is acknowledged at the relay so it does not block the mailbox. (A delivery this device's
// own store could not keep, e.g. a full disk, is not reported here and not acknowledged: the
// connection is closed and the relay delivers it again after the reconnect.)
struct DecryptFailed {
  Address sender;
  Error error;
};

// The relay reported this device low on one-time prekeys; `count` new ones were uploaded.
struct PreKeysReplenished {
  std::uint32_t count = 0;
};

// The relay rejected a frame of this device, or sent one that does not parse.
struct ProtocolError {
  Error error;
};

// A channel message accepted under the cell's charter: decrypted with the sender's channel
// key, its (epoch, head) matched this device's charter, and the sender may POST on the
// channel both at that epoch and now. Each (sender, id) is reported once.
struct ChannelMessageReceived {
  CellId cell{};
  std::string channel;
  Address sender;
  MessageId id;
  std::uint64_t epoch = 0;  // the charter epoch the sender posted under
  TimeMs sent_at = 0;
  std::string text;
  Precedence precedence = Precedence::routine;
};

// This device's charter of `cell` advanced to `epoch` (joined = it was just welcomed in).
struct CharterChanged {
  CellId cell{};
  std::uint64_t epoch = 0;
  bool joined = false;
};

// A channel message was refused because its sender may not POST on the channel (at the
// epoch it names, or now). Nothing from it reaches the application.
struct PermissionDenied {
  CellId cell{};
  std::string channel;
  Address sender;
  Error error;
};

// Something in a cell that only an attacker or a misbehaving supervisor produces: a charter
// commit that fails validation (error says which rule), a channel message naming a head
// this device did not apply (cell_equivocation), or two validly signed commits for one epoch
// (cell_equivocation; `applied` and `conflicting` then hold both commits, PLS1 bytes, as
// proof that a third party can check).
struct SecurityAlert {
  CellId cell{};
  Address sender;  // the device whose delivery revealed it
  std::uint64_t epoch = 0;
  Error error;
  Bytes applied;
  Bytes conflicting;
};

// On a supervisor device: a party admin's signed proposal that passed validation against
// this device's charter. It waits in the store until accept_proposal or reject_proposal.
struct ProposalReceived {
  CellId cell{};
  ProposalId id{};
  Address proposer;
  std::uint64_t base_epoch = 0;  // the epoch the proposer saw
  CellProposal changes;
};

// A required party acknowledged a message in an ack_required channel (`by` is the device
// that did it for its party). Raised on every device that tracks the message.
struct AcknowledgementReceived {
  CellId cell{};
  std::string channel;
  Address sender;  // of the acknowledged message
  MessageId id;
  std::string party;
  Address by;
};

// A required party did not acknowledge a message by its deadline (raised once per message
// and party on every device that reads the channel, on the engine's clock).
struct MessageOverdue {
  CellId cell{};
  std::string channel;
  Address sender;
  MessageId id;
  std::string party;
  TimeMs deadline = 0;
};

// On a supervisor device: the sender of a message reports that `party` let it go overdue.
struct EscalationReceived {
  CellId cell{};
  std::string channel;
  Address from;  // the device that escalated (the message's sender)
  MessageId id;
  std::string party;
  TimeMs deadline = 0;
};

// An incident operation (open, acknowledge, comment, propose, resolve) was accepted on
// `channel`, this device's own included. Incident state is a fold over every operation held,
// so read Client::incidents again: an operation that arrived late can change the outcome.
struct IncidentUpdated {
  CellId cell{};
  std::string channel;
  IncidentId incident{};
  Address by;  // the device whose operation it was
  MessageId id;
};

// Another device's deconfliction notice was accepted (on an ack_required channel it waits
// for acknowledgements like any message: Client::acknowledge, MessageOverdue).
struct NoticeReceived {
  CellId cell{};
  std::string channel;
  Address sender;
  MessageId id;
  std::string party;  // the sender's party
  TimeMs sent_at = 0;
  Precedence precedence = Precedence::routine;
  DeconflictionNotice notice;
};

// Two deconfliction notices of different parties overlap in area and time window. Raised
// once per pair on every device that holds both, whichever arrived first (`first` < `second`).
struct NoticesConflict {
  CellId cell{};
  std::string channel;
  MessageRef first;
  MessageRef second;
  std::string first_party;
  std::string second_party;
};

// A Welcome that matched none of this device's join anchors: it did NOT join. Compare the
// genesis or the supervisor fingerprint with what you were told out of band, then
// Client::accept_invitation or decline_invitation (parley/joining.hpp).
struct InvitationReceived {
  Invitation invitation;
};

using Event = std::variant<Connected, Disconnected, MessageReceived, MessageSent, SendFailed, DecryptFailed,
                           PreKeysReplenished, ProtocolError, ChannelMessageReceived, CharterChanged, PermissionDenied,
                           SecurityAlert, ProposalReceived, AcknowledgementReceived, MessageOverdue,
                           EscalationReceived, IncidentUpdated, NoticeReceived, NoticesConflict, InvitationReceived>;

}  // namespace parley
