// SPDX-License-Identifier: GPL-3.0-or-later
#include "rate_limits.hpp"

#include <algorithm>
#include <cmath>

namespace parley::relay {

std::string_view RateLimits::name(Kind kind) {
  switch (kind) {
    case Kind::send_device: return "send_device";
    case Kind::send_ip: return "send_ip";
    case Kind::fetch_pair: return "fetch_pair";
    case Kind::fetch_ip: return "fetch_ip";
    case Kind::upload_device: return "upload_device";
    case Kind::upload_ip: return "upload_ip";
    case Kind::count: break;
  }
  return "unknown";
}

std::array<RateLimit, RateLimits::kKinds> RateLimits::from(const RelayConfig& config) {
  // In the order of Kind.
  return {config.rate_send_device, config.rate_send_ip,       config.rate_fetch_pair,
          config.rate_fetch_ip,    config.rate_upload_device, config.rate_upload_ip};
}

RateLimits::RateLimits(const std::array<RateLimit, kKinds>& limits) {
  for (std::size_t i = 0; i < kKinds; ++i) tables_[i].limit = limits[i];
}

double RateLimits::level(const Table& table, const std::string& key, Clock::time_point now) {
  const auto it = table.buckets.find(key);
  if (it == table.buckets.end()) return table.limit.burst;
  const double elapsed_ms = std::chrono::duration<double, std::milli>(now - it->second.updated).count();
  const double refill = std::max(0.0, elapsed_ms) * table.limit.per_min / 60000.0;
  return std::min<double>(table.limit.burst, it->second.tokens + refill);
}

std::chrono::milliseconds RateLimits::wait_for_one(const Table& table, double tokens) {
  if (table.limit.per_min == 0) return std::chrono::hours(24 * 365);  // never refills
  const double ms = (1.0 - tokens) * 60000.0 / table.limit.per_min;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(std::max(1.0, ms))));
}

void RateLimits::spend(Table& table, const std::string& key, double tokens, Clock::time_point now) {
  table.buckets[key] = Bucket{tokens - 1.0, now};
  if (table.buckets.size() >= table.sweep_at) sweep(table, now);
}

void RateLimits::sweep(Table& table, Clock::time_point now) {
  for (auto it = table.buckets.begin(); it != table.buckets.end();) {
    if (level(table, it->first, now) >= table.limit.burst)
      it = table.buckets.erase(it);
    else
      ++it;
  }
  table.sweep_at = std::max(kFirstSweep, 2 * table.buckets.size());
}

std::optional<RateLimits::Refused> RateLimits::take(Kind a, const std::string& key_a, Kind b, const std::string& key_b,
                                                    Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Table& first = tables_[static_cast<std::size_t>(a)];
  Table& second = tables_[static_cast<std::size_t>(b)];
  const bool first_on = first.limit.burst > 0;
  const bool second_on = second.limit.burst > 0;
  const double first_level = first_on ? level(first, key_a, now) : 0;
  const double second_level = second_on ? level(second, key_b, now) : 0;
  // Check both before spending either, so a refused request costs nothing.
  if (first_on && first_level < 1.0) return Refused{a, wait_for_one(first, first_level)};
  if (second_on && second_level < 1.0) return Refused{b, wait_for_one(second, second_level)};
  if (first_on) spend(first, key_a, first_level, now);
  if (second_on) spend(second, key_b, second_level, now);
  return std::nullopt;
}

std::size_t RateLimits::bucket_count() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& table : tables_) n += table.buckets.size();
  return n;
}

}  // namespace parley::relay
