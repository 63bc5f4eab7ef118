// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/epoch_watch.hpp"

#include <algorithm>

namespace parley::engine {

void EpochWatch::heard_of(const CellId& cell, std::uint64_t epoch, const Address& from, TimeMs now) {
  auto [it, fresh] = waiting_.try_emplace(cell, Waiting{epoch, now, from, false});
  if (!fresh && epoch > it->second.epoch) it->second.epoch = epoch;  // keep `since`: still waiting
}

void EpochWatch::caught_up(const CellId& cell, std::uint64_t epoch) {
  auto it = waiting_.find(cell);
  if (it != waiting_.end() && epoch >= it->second.epoch) waiting_.erase(it);
  // A broken chain below the epoch now held was resolved one way or the other.
  for (auto b = broken_chains_.lower_bound({cell, 0}); b != broken_chains_.end() && b->first == cell;)
    b = b->second < epoch ? broken_chains_.erase(b) : std::next(b);
}

void EpochWatch::forget(const CellId& cell) {
  waiting_.erase(cell);
  for (auto b = broken_chains_.lower_bound({cell, 0}); b != broken_chains_.end() && b->first == cell;)
    b = broken_chains_.erase(b);
}

std::vector<EpochWatch::Withheld> EpochWatch::take_overdue(TimeMs now) {
  std::vector<Withheld> out;
  for (auto& [cell, waiting] : waiting_) {
    if (waiting.alerted || now - waiting.since < withheld_after_ms_) continue;
    waiting.alerted = true;  // still behind: sends keep waiting, the alert is not repeated
    out.push_back(Withheld{cell, waiting.epoch, waiting.from});
  }
  return out;
}

std::optional<TimeMs> EpochWatch::next_deadline() const {
  std::optional<TimeMs> next;
  for (const auto& [cell, waiting] : waiting_)
    if (!waiting.alerted) next = std::min(next.value_or(waiting.since + withheld_after_ms_), waiting.since + withheld_after_ms_);
  return next;
}

bool EpochWatch::first_broken_chain(const CellId& cell, std::uint64_t before) const {
  return !broken_chains_.count({cell, before});
}

void EpochWatch::broken_chain_asked(const CellId& cell, std::uint64_t before) { broken_chains_.insert({cell, before}); }

}  // namespace parley::engine
