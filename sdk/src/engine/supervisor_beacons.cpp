// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/supervisor_beacons.hpp"

#include <algorithm>

namespace parley::engine {

void SupervisorBeacons::connected(TimeMs now) {
  connected_at_ = now;
  // Whatever was scheduled against the last connection is announced again soon on this one.
  for (auto& [cell, state] : cells_) state.next_send.reset();
}

void SupervisorBeacons::committed(const CellId& cell, TimeMs now) {
  if (times_.every_ms == 0) return;
  auto& next = cells_[cell].next_send;
  next = std::min(next.value_or(now + times_.after_commit_ms), now + times_.after_commit_ms);
}

void SupervisorBeacons::sent(const CellId& cell, TimeMs now) { cells_[cell].next_send = now + times_.every_ms; }

std::optional<TimeMs> SupervisorBeacons::send_due(const CellId& cell) const {
  if (times_.every_ms == 0 || !connected_at_) return std::nullopt;
  const auto it = cells_.find(cell);
  if (it != cells_.end() && it->second.next_send) return it->second.next_send;
  return *connected_at_ + times_.after_commit_ms;
}

void SupervisorBeacons::heard(const CellId& cell, TimeMs at) {
  auto& state = cells_[cell];
  if (state.last_word && *state.last_word >= at) return;  // an older word says nothing new
  state.last_word = at;
  state.silence_reported = false;
}

std::optional<TimeMs> SupervisorBeacons::silence_due(const CellId& cell) const {
  if (times_.silence_ms == 0 || !connected_at_) return std::nullopt;
  TimeMs since = *connected_at_;
  const auto it = cells_.find(cell);
  if (it != cells_.end()) {
    if (it->second.silence_reported) return std::nullopt;
    if (it->second.last_word) since = std::max(since, *it->second.last_word);
  }
  return since + times_.silence_ms;
}

void SupervisorBeacons::silence_reported(const CellId& cell) { cells_[cell].silence_reported = true; }

std::optional<TimeMs> SupervisorBeacons::last_word(const CellId& cell) const {
  const auto it = cells_.find(cell);
  return it == cells_.end() ? std::nullopt : it->second.last_word;
}

void SupervisorBeacons::forget(const CellId& cell) { cells_.erase(cell); }

}  // namespace parley::engine
