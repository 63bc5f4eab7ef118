// SPDX-License-Identifier: GPL-3.0-or-later
// What the app is told about each message it sent: MessageSent once the relay holds it (a
// post: once it also holds the key distributions the post triggered), SendFailed once per
// (message, recipient) that will not get it. Control traffic (kept quiet) is never reported
// on its own: a key distribution that fails is reported against its post. Memory only: after
// a restart a post is reported on its own SendAck (docs/protocol.md "Sent").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "parley/events.hpp"
#include "wire/frames.hpp"

namespace parley::engine {

class DeliveryReports {
 public:
  explicit DeliveryReports(std::function<void(Event)> emit) : emit_(std::move(emit)) {}

  // A Send went to the relay on this connection, for `recipients`.
  void transmitted(const MessageId& id, const std::vector<Address>& recipients);
  // Control traffic: no MessageSent of its own.
  void mark_quiet(const MessageId& id) { quiet_.insert(id); }
  // `post`'s MessageSent waits for these key distributions (pairwise message ids).
  void await_keys(const MessageId& post, const std::vector<MessageId>& distributions);
  // The connection closed: nothing is in flight on it any more (the outbox sends again).
  void disconnected() { in_flight_.clear(); }

  // The relay stored the Send for every recipient but `refused`.
  void acknowledged(const MessageId& id, const std::vector<wire::Refused>& refused);
  // The relay stored nothing and asks to come back later: the Send is no longer in flight.
  void paused(const MessageId& id) { in_flight_.erase(id); }
  // The relay refused the Send for good (`refused`: its reason per recipient, where given).
  void failed(const MessageId& id, const Error& error, const std::vector<wire::Refused>& refused);
  // A message that never reached the relay (no session could be built for `peer`) failed.
  void never_sent(const MessageId& id, const Address& peer, const Error& error);

  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  struct PostAwaitingKeys {
    std::set<MessageId> distributions;
    std::optional<Address> acked_for;  // the post's own SendAck arrived (its first accepted recipient)
    std::set<Address> failed;          // readers SendFailed was raised for
  };

  // A key distribution reached the relay (failure == nullptr) or will not be delivered.
  // Returns false if `id` is no distribution of a post.
  bool settle_distribution(const MessageId& id, const Address& recipient, const Error* failure);
  // SendFailed{id, recipient, error}, once per (post, reader) while the post awaits keys.
  void report_send_failed(const MessageId& id, const Address& recipient, const Error& error);

  std::function<void(Event)> emit_;
  std::map<MessageId, std::vector<Address>> in_flight_;  // recipients, for MessageSent / SendFailed
  std::set<MessageId> quiet_;
  // Kept until both the distributions and the post's own answer are in, so that a reader
  // whose key and post both fail (an unknown device) gets one SendFailed, not two.
  std::map<MessageId, PostAwaitingKeys> posts_awaiting_keys_;
  std::map<MessageId, MessageId> distribution_post_;  // distribution id -> post id
};

}  // namespace parley::engine
