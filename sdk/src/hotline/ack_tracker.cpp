// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/ack_tracker.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "charter/policy.hpp"
#include "hotline/ack_rule.hpp"

namespace parley::hotline {

namespace {

bool settled(const TrackedMessage& m) { return m.acks.size() == m.required.size(); }

// deadline + kForgetAfterDeadlineMs < now, without overflow for any (hostile) deadline.
bool expired(TimeMs deadline, TimeMs now) {
  constexpr TimeMs margin = AckTracker::kForgetAfterDeadlineMs;
  return now > std::numeric_limits<TimeMs>::min() + margin && deadline < now - margin;
}

}  // namespace

std::string_view party_status_name(PartyStatus status) {
  switch (status) {
    case PartyStatus::pending: return "pending";
    case PartyStatus::acknowledged: return "acknowledged";
    case PartyStatus::late: return "late";
    case PartyStatus::overdue: return "overdue";
  }
  return "unknown";
}

AckTracker AckTracker::restore(std::string channel, std::vector<TrackedMessage> messages) {
  AckTracker tracker(std::move(channel));
  for (auto& m : messages) {
    MessageRef key = m.ref;
    tracker.messages_.emplace(std::move(key), std::move(m));
  }
  tracker.reindex();
  return tracker;
}

void AckTracker::index(const TrackedMessage& m) {
  SenderIndex& index = senders_[m.ref.sender];
  index.by_deadline.insert({m.deadline, m.ref.id});
  if (settled(m)) index.settled.insert({m.sent_at, m.ref.id});
}

void AckTracker::reindex() {
  senders_.clear();
  for (const auto& entry : messages_) index(entry.second);
}

void AckTracker::forget(const MessageRef& ref) {
  auto it = messages_.find(ref);
  if (it == messages_.end()) return;
  auto sender = senders_.find(ref.sender);
  if (sender != senders_.end()) {
    sender->second.by_deadline.erase({it->second.deadline, ref.id});
    sender->second.settled.erase({it->second.sent_at, ref.id});
    if (sender->second.by_deadline.empty()) senders_.erase(sender);
  }
  messages_.erase(it);
}

std::size_t AckTracker::tracked_from(const Address& sender) const {
  auto it = senders_.find(sender);
  return it == senders_.end() ? 0 : it->second.by_deadline.size();
}

// One entry of `sender`'s own makes room: its oldest settled one, else its earliest expired.
Status AckTracker::make_room(const Address& sender, TimeMs now) {
  auto it = senders_.find(sender);
  if (it == senders_.end() || it->second.by_deadline.size() < kMaxPerSender) return {};
  const SenderIndex& index = it->second;
  if (!index.settled.empty()) {
    forget({sender, index.settled.begin()->second});
    return {};
  }
  const Key& earliest = *index.by_deadline.begin();
  if (expired(earliest.first, now)) {
    forget({sender, earliest.second});
    return {};
  }
  return make_error(Errc::limit_exceeded,
                    sender.to_string() + " already has " + std::to_string(kMaxPerSender) + " messages awaiting " +
                        "acknowledgement on channel " + channel_ + " (the earliest due at " +
                        std::to_string(earliest.first) + " ms); its new message is not tracked until some are " +
                        "acknowledged or expire. Other senders are not affected");
}

Result<TrackOutcome> AckTracker::record_message(const charter::CellState& state, const MessageRef& ref, TimeMs sent_at,
                                                Precedence precedence, TimeMs now) {
  if (messages_.contains(ref)) return TrackOutcome::duplicate;
  const auto* sender = state.user_of(ref.sender);
  if (!sender)
    return make_error(Errc::hotline_not_reader, ref.sender.to_string() + " is not a device of the cell at epoch " +
                                                    std::to_string(state.epoch));
  const auto channel = state.channels.find(channel_);
  if (channel == state.channels.end() || !channel->second.policy.ack_required) return TrackOutcome::not_required;
  auto required = required_ack_parties(state, channel_, ref.sender);
  if (required.empty()) return TrackOutcome::not_required;
  PARLEY_TRY(make_room(ref.sender, now));
  TrackedMessage m;
  m.ref = ref;
  m.sender_party = sender->party;
  m.epoch = state.epoch;
  m.precedence = precedence;
  m.sent_at = sent_at;
  m.deadline = *ack_deadline(channel->second.policy, precedence, sent_at);
  m.required = std::move(required);
  index(m);
  messages_.emplace(ref, std::move(m));
  return TrackOutcome::tracked;
}

Result<AckOutcome> AckTracker::record_ack(const charter::CellState& state, const MessageRef& target,
                                          const Address& device, TimeMs at) {
  auto it = messages_.find(target);
  if (it == messages_.end())
    return make_error(Errc::hotline_unknown_message, "acknowledged message " + target.id.to_hex() + " of " +
                                                         target.sender.to_string() + " is not tracked");
  const auto* user = state.user_of(device);
  if (!user || !charter::may_read(state, channel_, device))
    return make_error(Errc::hotline_not_reader, device.to_string() + " may not read " + channel_ + " at epoch " +
                                                    std::to_string(state.epoch));
  TrackedMessage& m = it->second;
  if (!m.required.contains(user->party))
    return make_error(Errc::hotline_party_not_required,
                      "party " + user->party + " is not asked to acknowledge " + target.id.to_hex());
  const PartyAck ack{device, at};
  auto [existing, inserted] = m.acks.emplace(user->party, ack);
  if (inserted) {
    if (settled(m)) senders_[m.ref.sender].settled.insert({m.sent_at, m.ref.id});
    return AckOutcome::recorded;
  }
  // Keep the earliest (time, device) so every device agrees whatever the arrival order.
  if (std::tie(at, device) < std::tie(existing->second.at, existing->second.device)) existing->second = ack;
  return AckOutcome::already_acknowledged;
}

Status AckTracker::record_receipt(const charter::CellState& state, const MessageRef& target, const Address& device,
                                  TimeMs at) {
  auto it = messages_.find(target);
  if (it == messages_.end())
    return make_error(Errc::hotline_unknown_message, "receipted message " + target.id.to_hex() + " is not tracked");
  if (device == target.sender) return make_error(Errc::invalid_argument, "a sender does not receipt its own message");
  if (!state.user_of(device) || !charter::may_read(state, channel_, device))
    return make_error(Errc::hotline_not_reader, device.to_string() + " may not read " + channel_);
  auto [existing, inserted] = it->second.receipts.emplace(device, at);
  if (!inserted) existing->second = std::min(existing->second, at);
  return {};
}

std::vector<Overdue> AckTracker::poll_overdue(TimeMs now) {
  std::vector<Overdue> out;
  for (auto& [ref, m] : messages_) {
    if (now <= m.deadline) continue;
    for (const auto& party : m.required) {
      if (m.acks.contains(party) || m.overdue_reported.contains(party)) continue;
      m.overdue_reported.insert(party);
      out.push_back({ref, party, m.deadline});
    }
  }
  std::sort(out.begin(), out.end(), [](const Overdue& a, const Overdue& b) {
    return std::tie(a.deadline, a.message, a.party) < std::tie(b.deadline, b.message, b.party);
  });
  return out;
}

std::optional<TimeMs> AckTracker::next_deadline() const {
  std::optional<TimeMs> best;
  for (const auto& entry : messages_) {
    const TrackedMessage& m = entry.second;  // a named reference: lambdas cannot capture bindings before clang 16
    const bool open = std::any_of(m.required.begin(), m.required.end(), [&](const std::string& party) {
      return !m.acks.contains(party) && !m.overdue_reported.contains(party);
    });
    if (open && (!best || m.deadline < *best)) best = m.deadline;
  }
  return best;
}

std::map<std::string, PartyStatus> AckTracker::status(const MessageRef& ref, TimeMs now) const {
  std::map<std::string, PartyStatus> out;
  const auto* m = find(ref);
  if (!m) return out;
  for (const auto& party : m->required) {
    auto ack = m->acks.find(party);
    if (ack != m->acks.end())
      out[party] = ack->second.at <= m->deadline ? PartyStatus::acknowledged : PartyStatus::late;
    else
      out[party] = now > m->deadline ? PartyStatus::overdue : PartyStatus::pending;
  }
  return out;
}

const TrackedMessage* AckTracker::find(const MessageRef& ref) const {
  auto it = messages_.find(ref);
  return it == messages_.end() ? nullptr : &it->second;
}

std::size_t AckTracker::forget_settled() {
  const auto n = std::erase_if(messages_, [](const auto& entry) { return settled(entry.second); });
  reindex();
  return n;
}

std::size_t AckTracker::forget_before(TimeMs time) {
  const auto n = std::erase_if(messages_, [&](const auto& entry) { return entry.second.sent_at < time; });
  reindex();
  return n;
}

std::size_t AckTracker::forget_expired(TimeMs now) {
  const auto n = std::erase_if(messages_, [&](const auto& entry) { return expired(entry.second.deadline, now); });
  reindex();
  return n;
}

}  // namespace parley::hotline
