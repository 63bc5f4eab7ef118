// SPDX-License-Identifier: GPL-3.0-or-later
// One token bucket owned by one connection (no lock, no key, no clock inside): at most
// `burst` tokens, refilled at `per_min` a minute. The shared, keyed buckets of requests per
// device and per IP are RateLimits (rate_limits.hpp); this one meters what a single
// connection does to the relay's CPU (control frames, tiny fragments: see frame_meter.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "config.hpp"

namespace parley::relay {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Full at `start`. A burst of 0 turns the bucket off: take() always succeeds.
  TokenBucket(RateLimit limit, Clock::time_point start) : limit_(limit), tokens_(limit.burst), updated_(start) {}

  bool enabled() const { return limit_.burst > 0; }

  // Takes `n` tokens if the bucket holds them now; otherwise takes nothing and returns false.
  bool take(Clock::time_point now, std::uint32_t n = 1) {
    if (!enabled()) return true;
    refill(now);
    if (tokens_ < static_cast<double>(n)) return false;
    tokens_ -= n;
    return true;
  }

  // Tokens now (for tests and messages).
  double level(Clock::time_point now) {
    refill(now);
    return tokens_;
  }

 private:
  void refill(Clock::time_point now) {
    if (now > updated_) {
      const double elapsed_ms = std::chrono::duration<double, std::milli>(now - updated_).count();
      tokens_ = std::min<double>(limit_.burst, tokens_ + elapsed_ms * limit_.per_min / 60000.0);
      updated_ = now;
    }
  }

  RateLimit limit_;
  double tokens_;
  Clock::time_point updated_;
};

}  // namespace parley::relay
