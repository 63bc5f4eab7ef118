// SPDX-License-Identifier: GPL-3.0-or-later
// One deadline per kind of timed work, after quinn-proto's TimerTable. The engine re-arms the
// slots from its state, answers poll_timeout() with the earliest and runs the due slots in
// handle_timeout(now); a driver arms a single timer for poll_timeout() after every pump
// instead of ticking.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "parley/types.hpp"

namespace parley::engine {

enum class Timer : std::size_t {
  ack_deadline,     // an acknowledgement deadline passes (MessageOverdue, escalation)
  withheld_commit,  // a newer epoch was heard of and its commit is still missing
  relay_retry,      // a send or bundle fetch the relay refused for now goes again
  recovery_retry,   // lost posts or keys asked for and not answered are asked for again
  held_expiry,      // a held envelope waited too long for its key or epoch
  prekey_rotation,  // the signed prekey is old enough to be replaced
  supervisor_beacon,   // a supervised cell's next beacon goes out
  supervisor_silence,  // a member has heard no supervisor device of a cell for too long
  count,
};

class TimerTable {
 public:
  void set(Timer timer, std::optional<TimeMs> at) { slots_[index(timer)] = at; }
  std::optional<TimeMs> get(Timer timer) const { return slots_[index(timer)]; }
  bool due(Timer timer, TimeMs now) const {
    const auto& at = slots_[index(timer)];
    return at && *at <= now;
  }
  std::optional<TimeMs> next() const {
    std::optional<TimeMs> out;
    for (const auto& at : slots_)
      if (at && (!out || *at < *out)) out = at;
    return out;
  }

 private:
  static constexpr std::size_t index(Timer timer) { return static_cast<std::size_t>(timer); }
  std::array<std::optional<TimeMs>, static_cast<std::size_t>(Timer::count)> slots_{};
};

}  // namespace parley::engine
