// SPDX-License-Identifier: GPL-3.0-or-later
// Conflicts between deconfliction notices: two notices of *different* parties whose areas
// overlap (geometry.hpp, within its tolerance) during overlapping time windows. A party
// never conflicts with itself: planning two of its own activities in one place is its own
// business. Pure: every device with the same notices finds the same conflicts.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "hotline/bodies.hpp"

namespace parley::hotline {

// One notice as the engine accepted it (decoded, so its area and window passed the checks).
struct NoticeRecord {
  MessageRef ref;
  std::string party;  // the sender's party, from the charter at the message's epoch
  DeconflictionNotice notice;
  TimeMs sent_at = 0;  // the sender's clock (for listing; conflicts ignore it)
};

// A pair of conflicting notices, `first` < `second` by MessageRef.
struct Conflict {
  MessageRef first;
  MessageRef second;
  auto operator<=>(const Conflict&) const = default;
};

bool notices_conflict(const NoticeRecord& a, const NoticeRecord& b);

// The conflicts of `incoming` with `known` (for the event raised when a notice arrives).
std::vector<Conflict> conflicts_with(const NoticeRecord& incoming, std::span<const NoticeRecord> known);

// Every conflicting pair among `notices`, sorted, each once.
std::vector<Conflict> find_conflicts(std::span<const NoticeRecord> notices);

}  // namespace parley::hotline
