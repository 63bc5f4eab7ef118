// SPDX-License-Identifier: GPL-3.0-or-later
// Token-bucket rate limits for the requests that cost the relay (or a victim) something:
// sends (storage, fan-out), bundle fetches (each one consumes a victim's one-time prekey) and
// prekey uploads (writes). Each request takes one token from a bucket of its device (for
// fetches: of the requester -> target pair) AND one from a bucket of its peer IP address;
// a bucket holds at most `burst` tokens and refills at `per_min` tokens a minute.
//
// Thread-safe (one mutex: the I/O threads only do a few arithmetic steps under it). Memory is
// bounded by use: a bucket that has refilled to full is the same as no bucket, so such
// entries are swept whenever a table has doubled since the last sweep.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config.hpp"

namespace parley::relay {

class RateLimits {
 public:
  enum class Kind { send_device, send_ip, fetch_pair, fetch_ip, upload_device, upload_ip, count };
  static constexpr std::size_t kKinds = static_cast<std::size_t>(Kind::count);
  using Clock = std::chrono::steady_clock;

  // Metric label and setting stem of each kind, e.g. "send_device".
  static std::string_view name(Kind kind);

  explicit RateLimits(const std::array<RateLimit, kKinds>& limits);
  // The six limits of `config` (rate_send_device, rate_send_ip, ...).
  static std::array<RateLimit, kKinds> from(const RelayConfig& config);

  struct Refused {
    Kind kind;                            // the bucket that was empty
    std::chrono::milliseconds retry_after;  // until it holds a token again
  };
  // Takes one token from bucket (a, key_a) and one from (b, key_b), or none at all if either
  // is empty (then says which, and when to retry).
  std::optional<Refused> take(Kind a, const std::string& key_a, Kind b, const std::string& key_b, Clock::time_point now);

  // Buckets currently held (tests, and to see the sweep works).
  std::size_t bucket_count();

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  struct Table {
    RateLimit limit;
    std::unordered_map<std::string, Bucket> buckets;
    std::size_t sweep_at = kFirstSweep;
  };
  static constexpr std::size_t kFirstSweep = 1024;

  // Tokens in the bucket of `key` now (a missing bucket is full).
  static double level(const Table& table, const std::string& key, Clock::time_point now);
  static std::chrono::milliseconds wait_for_one(const Table& table, double tokens);
  static void spend(Table& table, const std::string& key, double tokens, Clock::time_point now);
  static void sweep(Table& table, Clock::time_point now);

  std::mutex mutex_;
  std::array<Table, kKinds> tables_;
};

}  // namespace parley::relay
