// SPDX-License-Identifier: GPL-3.0-or-later
// Supervisor beacons (docs/protocol.md "Supervisor beacons"). Members learn of a new charter
// epoch from the commit itself or from a post naming it; a relay that withholds a commit from
// every member, after which nobody posts under it, would go unnoticed. So a supervisor device
// tells every device of its cells where its charter stands, soon after each commit and then on
// a schedule; a member lacking that epoch asks for it (EpochWatch then times the answer). A
// member also notes when a supervisor device last spoke, and past a bound says so once: a relay
// that withholds the beacons too is noticed as well. Memory only, one entry per cell.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "parley/cell_types.hpp"
#include "parley/types.hpp"

namespace parley::engine {

struct BeaconTimes {
  TimeMs every_ms = 0;         // between beacons of one cell; 0: no beacons are sent
  TimeMs after_commit_ms = 0;  // from a commit (or a connection) to the next beacon
  TimeMs silence_ms = 0;       // a member's bound on supervisor silence; 0: not watched
};

class SupervisorBeacons {
 public:
  explicit SupervisorBeacons(BeaconTimes times) : times_(times) {}

  // The relay accepted this device at `now` (a new connection): beacons go out soon, and a
  // member's silence is counted from no earlier than now (mail from before arrives first).
  void connected(TimeMs now);
  // --- a supervisor device's side ---
  // This device committed to `cell`: the next beacon goes soon.
  void committed(const CellId& cell, TimeMs now);
  // A beacon for `cell` went out at `now`.
  void sent(const CellId& cell, TimeMs now);
  // When the next beacon of `cell` is due (nullopt: beacons are off or not connected yet).
  std::optional<TimeMs> send_due(const CellId& cell) const;

  // --- a member's side ---
  // A supervisor device of `cell` spoke at `at` (receiver time of its word).
  void heard(const CellId& cell, TimeMs at);
  // When silence on `cell` becomes alarming, unless it was already reported this stretch.
  std::optional<TimeMs> silence_due(const CellId& cell) const;
  // Silence on `cell` was reported; not again until a supervisor device speaks.
  void silence_reported(const CellId& cell);
  // When a supervisor device of `cell` last spoke (nullopt: not since this engine started).
  std::optional<TimeMs> last_word(const CellId& cell) const;

  // This device left `cell`.
  void forget(const CellId& cell);

 private:
  struct Cell {
    std::optional<TimeMs> next_send;  // unset: after_commit_ms after the connection
    std::optional<TimeMs> last_word;
    bool silence_reported = false;
  };
  BeaconTimes times_;
  std::optional<TimeMs> connected_at_;
  std::map<CellId, Cell> cells_;
};

}  // namespace parley::engine
