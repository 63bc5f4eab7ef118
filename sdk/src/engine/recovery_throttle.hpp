// SPDX-License-Identifier: GPL-3.0-or-later
// When to ask again for lost channel traffic (docs/protocol.md "Recovering lost messages"):
// the memory of which gaps and keys were asked for and when, and the recovery timer's
// schedule. No store and no frames: the engine asks here, then reads the store and queues the
// requests. Memory only and bounded: after a restart (or when a table fills) the next post or
// envelope asks again.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "envelope/envelope.hpp"
#include "parley/cell_types.hpp"
#include "parley/types.hpp"

namespace parley::engine {

// Times the recovery timer asks again for one gap, or for held envelopes' keys, before it
// leaves that to the poster's next post (or the next envelope held).
inline constexpr unsigned kMaxRecoveryAttempts = 6;
// The wait before the recovery timer asks again after `attempts` asks: doubling each time.
inline TimeMs recovery_backoff(TimeMs retry_ms, unsigned attempts) { return retry_ms << std::min(attempts, 16u); }

// One poster's posts on one channel of one cell, as seen by this device.
using GapKey = std::tuple<CellId, std::string, Address>;

class RecoveryThrottle {
 public:
  static constexpr std::size_t kMaxEntries = 4096;          // per table; cleared when full
  static constexpr std::size_t kMaxKeyRequestsPerSender = 8;  // per retry period

  explicit RecoveryThrottle(TimeMs retry_ms) : retry_ms_(retry_ms) {}

  // --- lost posts ---
  enum class GapAsk {
    ask,          // nothing asked recently for this gap, or it grew: ask for it
    wait,         // the same range was asked for within the retry period
    ask_if_grew,  // a later post above the open ask: ask only if the number below it is missing
  };
  // Post `post` arrived above the cursor of `gap`.
  GapAsk on_gap(const GapKey& gap, std::uint64_t post, TimeMs now) const;
  // A request for the gap's posts up to `to_post` went out at `now` (whether or not the
  // transaction that queued it commits: throttles count attempts).
  void asked(const GapKey& gap, std::uint64_t to_post, TimeMs now);
  // The upper end of the open ask for `gap`, if any.
  std::optional<std::uint64_t> asked_to(const GapKey& gap) const;
  // A partial answer made progress and the rest was asked for at `now`.
  void asked_rest(const GapKey& gap, TimeMs now);
  void close(const GapKey& gap) { gaps_.erase(gap); }
  // Gaps whose ask the timer repeats at `now`, with the upper end of each.
  std::vector<std::pair<GapKey, std::uint64_t>> gaps_due(TimeMs now) const;
  // The timer asked again for `gap` (counted even if that failed: no busy loop).
  void retried(const GapKey& gap, TimeMs now);

  // --- keys of held envelopes ---
  // Whether to ask `sender` for the key named `tag` now; if so, recorded as asked. Not twice
  // within the retry period, and a few tags per sender per period: junk tags from one device
  // do not turn this device into a flood of key requests.
  bool may_ask_key(const Address& sender, const envelope::KeyTag& tag, TimeMs now);
  // An envelope was just held (its key asked for): the timer's passes start over.
  void held(TimeMs now);
  bool held_pass_due(TimeMs now) const;
  void held_passed(TimeMs now);

  // --- skips without proof ---
  // True the first time post `number` is reported as left out without proof (alert once).
  bool first_unproven_skip(const GapKey& gap, std::uint64_t number);

  // When the recovery timer next has something to do (`any_held`: envelopes are held).
  std::optional<TimeMs> next_retry(bool any_held) const;

 private:
  struct Asked {
    std::uint64_t to_post = 0;
    TimeMs at = 0;
    unsigned attempts = 0;  // asked again by the recovery timer this many times
  };
  TimeMs retry_ms_;
  std::map<GapKey, Asked> gaps_;
  std::map<std::pair<Address, envelope::KeyTag>, TimeMs> keys_;
  TimeMs held_pass_at_ = 0;
  unsigned held_retries_ = 0;
  std::set<std::tuple<CellId, std::string, Address, std::uint64_t>> skips_alerted_;
};

}  // namespace parley::engine
