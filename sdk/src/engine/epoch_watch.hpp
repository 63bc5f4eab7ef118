// SPDX-License-Identifier: GPL-3.0-or-later
// What this device heard of charter epochs it does not hold (docs/protocol.md "Freshness"):
// a post naming a newer epoch means a commit is on its way or withheld. Until it arrives,
// posts on that cell wait; past a deadline the app is told the relay may be withholding it.
// Also remembers which broken-chain commits already triggered a resync, so each asks once.
// Memory only, one entry per joined cell (plus one per broken chain until caught up).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "parley/cell_types.hpp"
#include "parley/types.hpp"

namespace parley::engine {

class EpochWatch {
 public:
  explicit EpochWatch(TimeMs withheld_after_ms) : withheld_after_ms_(withheld_after_ms) {}

  // `from` sent a post naming `epoch` of `cell`, which this device lacks.
  void heard_of(const CellId& cell, std::uint64_t epoch, const Address& from, TimeMs now);
  // This device applied `cell`'s commits up to `epoch`.
  void caught_up(const CellId& cell, std::uint64_t epoch);
  // This device left `cell` (or never joined it): nothing to wait for.
  void forget(const CellId& cell);
  // Whether sends on `cell` wait for a commit this device heard of.
  bool behind(const CellId& cell) const { return waiting_.count(cell) > 0; }

  struct Withheld {
    CellId cell{};
    std::uint64_t epoch = 0;  // the newest epoch heard of
    Address from;             // the first device that named a missing epoch
  };
  // The cells whose missing commit is overdue at `now`, each reported once.
  std::vector<Withheld> take_overdue(TimeMs now);
  // When the next of them becomes overdue.
  std::optional<TimeMs> next_deadline() const;

  // A supervisor's commit for the epoch after `before` that does not chain onto this
  // device's: true the first time (ask for the other branch), false after.
  bool first_broken_chain(const CellId& cell, std::uint64_t before) const;
  void broken_chain_asked(const CellId& cell, std::uint64_t before);

 private:
  struct Waiting {
    std::uint64_t epoch = 0;
    TimeMs since = 0;
    Address from;
    bool alerted = false;
  };
  TimeMs withheld_after_ms_;
  std::map<CellId, Waiting> waiting_;
  std::set<std::pair<CellId, std::uint64_t>> broken_chains_;
};

}  // namespace parley::engine
