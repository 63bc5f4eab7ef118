// SPDX-License-Identifier: GPL-3.0-or-later
// AckTracker: per channel, which required party acknowledged which message, which devices
// reported delivery, and which (message, party) pairs went overdue. Pure and sans-IO: the
// engine passes the charter state and the time; poll_overdue(now) hands out each newly
// overdue pair exactly once (the engine raises the event and sends the escalation notice).
//
// A value type: copy it, apply changes to the copy, persist and swap on success. Persist
// messages() (every field of TrackedMessage, overdue_reported included, so a restart does
// not raise the same overdue event twice) and rebuild with restore().
//
// Bounded by time and per sender, never switched off by volume: each sender keeps at most
// kMaxPerSender entries on a channel. A new message from a sender at its cap first forgets
// that sender's own settled entries (oldest first), then its own expired ones (more than
// kForgetAfterDeadlineMs past their deadline). Only if all of them are still pending is that
// sender's new message refused (limit_exceeded, naming the sender): one member's flood costs
// that member its own tracking, never another member's pending deadlines.
//
// Order independence: each party's acknowledgement is the earliest by (time, device), and
// each device's receipt the earliest time, so every device computes the same status from the
// same set of acknowledgements whatever order they arrived in.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "charter/state.hpp"
#include "hotline/bodies.hpp"
#include "hotline/precedence.hpp"

namespace parley::hotline {

struct PartyAck {
  Address device;  // the acknowledging device
  TimeMs at = 0;   // the acknowledgement's sent_at (its sender's clock)
  bool operator==(const PartyAck&) const = default;
};

struct TrackedMessage {
  MessageRef ref;
  std::string sender_party;
  std::uint64_t epoch = 0;                  // the epoch the message names
  Precedence precedence = Precedence::routine;
  TimeMs sent_at = 0;
  TimeMs deadline = 0;                      // overdue when now > deadline
  std::set<std::string> required;           // required_ack_parties() at `epoch`
  std::map<std::string, PartyAck> acks;     // party -> its earliest acknowledgement
  std::map<Address, TimeMs> receipts;       // device -> earliest delivery receipt
  std::set<std::string> overdue_reported;   // parties poll_overdue already returned
  bool operator==(const TrackedMessage&) const = default;
};

enum class PartyStatus {
  pending,       // not acknowledged, deadline not passed
  acknowledged,  // acknowledged at or before the deadline
  late,          // acknowledged after the deadline
  overdue,       // not acknowledged and the deadline has passed
};
std::string_view party_status_name(PartyStatus status);

struct Overdue {
  MessageRef message;
  std::string party;
  TimeMs deadline = 0;
  bool operator==(const Overdue&) const = default;
};

enum class TrackOutcome { tracked, duplicate, not_required };
enum class AckOutcome { recorded, already_acknowledged };

class AckTracker {
 public:
  // Entries per sender and channel (pending, settled and expired together). 4,096 messages
  // that all still await acknowledgement is far beyond what people can answer; the bound
  // keeps a channel's tracker to a few MB per member whatever one member sends.
  static constexpr std::size_t kMaxPerSender = 4096;
  // An entry stays this long after its deadline so that a late acknowledgement is still
  // shown as `late` (and poll_overdue has long reported it); after that it may be forgotten
  // (forget_expired, or to make room for its sender's next message).
  static constexpr TimeMs kForgetAfterDeadlineMs = 24 * 3600 * 1000;

  explicit AckTracker(std::string channel) : channel_(std::move(channel)) {}
  static AckTracker restore(std::string channel, std::vector<TrackedMessage> messages);

  // A message accepted on this channel. `state` is the charter state at the epoch the
  // message names (its sender's party and the required parties are read from it). Returns
  // not_required if the channel's policy at that epoch has no ack_required or nobody is
  // required; duplicate if `ref` is already tracked (the first record stays). `now` (the
  // receiver's clock) decides which of the sender's entries have expired when it is at
  // kMaxPerSender; the overload without it uses `sent_at`, which is the sender's word, but
  // only the sender's own entries can be forgotten by it.
  // Errors: hotline_not_reader (the sender is not a device of the cell at that state),
  // limit_exceeded (this sender already has kMaxPerSender entries still pending).
  Result<TrackOutcome> record_message(const charter::CellState& state, const MessageRef& ref, TimeMs sent_at,
                                      Precedence precedence, TimeMs now);
  Result<TrackOutcome> record_message(const charter::CellState& state, const MessageRef& ref, TimeMs sent_at,
                                      Precedence precedence) {
    return record_message(state, ref, sent_at, precedence, sent_at);
  }

  // An acknowledgement of `target` by `device`, carried by a message sent at `at`. `state`
  // is the charter state at the epoch the acknowledgement names: the device's party comes
  // from it, never from the body. Errors (typed reasons, nothing changes):
  //   hotline_unknown_message     target is not tracked (hold the ack until it is);
  //   hotline_not_reader          the device is not in the cell or may not READ the channel;
  //   hotline_party_not_required  its party is not asked (the sender's own party, the
  //                               supervisor's, or a party without READ at the message's epoch).
  Result<AckOutcome> record_ack(const charter::CellState& state, const MessageRef& target, const Address& device, TimeMs at);

  // A delivery receipt. Same `state` rule; a receipt by a non-reader or by the sender itself
  // is refused (hotline_not_reader / invalid_argument).
  Status record_receipt(const charter::CellState& state, const MessageRef& target, const Address& device, TimeMs at);

  // Every (message, party) that is unacknowledged with deadline < now and was not returned
  // before, sorted by (deadline, message, party). Marks them reported.
  std::vector<Overdue> poll_overdue(TimeMs now);

  // The earliest deadline still able to produce an overdue pair (for the engine's timer).
  std::optional<TimeMs> next_deadline() const;

  // Per required party. Empty if `ref` is not tracked.
  std::map<std::string, PartyStatus> status(const MessageRef& ref, TimeMs now) const;

  const TrackedMessage* find(const MessageRef& ref) const;
  const std::map<MessageRef, TrackedMessage>& messages() const { return messages_; }
  const std::string& channel() const { return channel_; }

  // Drop messages every required party acknowledged; returns how many.
  std::size_t forget_settled();
  // Drop messages sent before `time` (retention); returns how many.
  std::size_t forget_before(TimeMs time);
  // Drop messages more than kForgetAfterDeadlineMs past their deadline; returns how many.
  std::size_t forget_expired(TimeMs now);
  // How many entries `sender` has on this channel.
  std::size_t tracked_from(const Address& sender) const;

 private:
  using Key = std::pair<TimeMs, MessageId>;
  // Per sender, so that making room never looks at (or evicts) another sender's entries.
  struct SenderIndex {
    std::set<Key> by_deadline;  // every entry: (deadline, id)
    std::set<Key> settled;      // entries every required party acknowledged: (sent_at, id)
  };

  Status make_room(const Address& sender, TimeMs now);
  void forget(const MessageRef& ref);
  void index(const TrackedMessage& m);
  void reindex();

  std::string channel_;
  std::map<MessageRef, TrackedMessage> messages_;
  std::map<Address, SenderIndex> senders_;
};

}  // namespace parley::hotline
