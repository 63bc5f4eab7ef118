// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/recovery_throttle.hpp"

namespace parley::engine {

RecoveryThrottle::GapAsk RecoveryThrottle::on_gap(const GapKey& gap, std::uint64_t post, TimeMs now) const {
  auto asked = gaps_.find(gap);
  if (asked == gaps_.end() || now - asked->second.at >= retry_ms_) return GapAsk::ask;
  if (asked->second.to_post >= post - 1) return GapAsk::wait;
  // Later posts arriving above an open gap do not make it grow: only a number missing right
  // below this one does (each earlier arrival was checked the same way). Without this, every
  // post behind one lost envelope asked again, and each answer resent up to 32 posts.
  return GapAsk::ask_if_grew;
}

void RecoveryThrottle::asked(const GapKey& gap, std::uint64_t to_post, TimeMs now) {
  if (gaps_.size() >= kMaxEntries && !gaps_.count(gap)) gaps_.clear();
  gaps_[gap] = Asked{to_post, now, 0};
}

std::optional<std::uint64_t> RecoveryThrottle::asked_to(const GapKey& gap) const {
  auto asked = gaps_.find(gap);
  if (asked == gaps_.end()) return std::nullopt;
  return asked->second.to_post;
}

void RecoveryThrottle::asked_rest(const GapKey& gap, TimeMs now) {
  if (auto asked = gaps_.find(gap); asked != gaps_.end()) asked->second.at = now;
}

std::vector<std::pair<GapKey, std::uint64_t>> RecoveryThrottle::gaps_due(TimeMs now) const {
  std::vector<std::pair<GapKey, std::uint64_t>> due;
  for (const auto& [gap, asked] : gaps_)
    if (asked.attempts < kMaxRecoveryAttempts && asked.at + recovery_backoff(retry_ms_, asked.attempts) <= now)
      due.emplace_back(gap, asked.to_post);
  return due;
}

void RecoveryThrottle::retried(const GapKey& gap, TimeMs now) {
  auto asked = gaps_.find(gap);
  if (asked == gaps_.end()) return;
  asked->second.at = now;
  ++asked->second.attempts;
}

bool RecoveryThrottle::may_ask_key(const Address& sender, const envelope::KeyTag& tag, TimeMs now) {
  const auto key = std::make_pair(sender, tag);
  if (auto asked = keys_.find(key); asked != keys_.end() && now - asked->second < retry_ms_) return false;
  std::size_t recent = 0;
  for (auto it = keys_.lower_bound({sender, envelope::KeyTag{}}); it != keys_.end() && it->first.first == sender; ++it)
    if (now - it->second < retry_ms_) ++recent;
  if (recent >= kMaxKeyRequestsPerSender) return false;
  if (keys_.size() >= kMaxEntries) keys_.clear();
  keys_[key] = now;
  return true;
}

void RecoveryThrottle::held(TimeMs now) {
  held_pass_at_ = now;
  held_retries_ = 0;
}

bool RecoveryThrottle::held_pass_due(TimeMs now) const {
  return held_retries_ < kMaxRecoveryAttempts && held_pass_at_ + recovery_backoff(retry_ms_, held_retries_) <= now;
}

void RecoveryThrottle::held_passed(TimeMs now) {
  held_pass_at_ = now;
  ++held_retries_;
}

bool RecoveryThrottle::first_unproven_skip(const GapKey& gap, std::uint64_t number) {
  if (skips_alerted_.size() >= kMaxEntries) skips_alerted_.clear();
  return skips_alerted_.emplace(std::get<0>(gap), std::get<1>(gap), std::get<2>(gap), number).second;
}

std::optional<TimeMs> RecoveryThrottle::next_retry(bool any_held) const {
  std::optional<TimeMs> next;
  auto earliest = [&next](TimeMs at) {
    if (!next || at < *next) next = at;
  };
  for (const auto& [gap, asked] : gaps_)
    if (asked.attempts < kMaxRecoveryAttempts) earliest(asked.at + recovery_backoff(retry_ms_, asked.attempts));
  if (any_held && held_retries_ < kMaxRecoveryAttempts)
    earliest(held_pass_at_ + recovery_backoff(retry_ms_, held_retries_));
  return next;
}

}  // namespace parley::engine
