// SPDX-License-Identifier: GPL-3.0-or-later
// RateLimits without sockets or a clock: refill arithmetic, the two-bucket rule (a refused
// request takes nothing), keys independent, a burst of 0 turns a limit off, and refilled
// buckets are forgotten so memory follows recent use.
#include <gtest/gtest.h>

#include "rate_limits.hpp"

namespace parley::relay {
namespace {

using Kind = RateLimits::Kind;
using std::chrono::milliseconds;

std::array<RateLimit, RateLimits::kKinds> limits(RateLimit send_device, RateLimit send_ip) {
  std::array<RateLimit, RateLimits::kKinds> all{};
  all[static_cast<std::size_t>(Kind::send_device)] = send_device;
  all[static_cast<std::size_t>(Kind::send_ip)] = send_ip;
  return all;
}

const RateLimits::Clock::time_point t0{};

TEST(TokenBucket, BurstThenRefillAtTheRate) {
  RateLimits rl(limits({3, 60}, {0, 1}));  // 3 at once, one a second; no IP limit
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0)) << i;
  auto refused = rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, Kind::send_device);
  EXPECT_EQ(refused->retry_after, milliseconds(1000));
  // Half a second later: half a token, 500 ms to go.
  refused = rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0 + milliseconds(500));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->retry_after, milliseconds(500));
  EXPECT_FALSE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0 + milliseconds(1000)));
  // Never more than the burst, however long the pause.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", later)) << i;
  EXPECT_TRUE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", later));
}

TEST(TokenBucket, ARefusedRequestTakesNothingFromTheOtherBucket) {
  RateLimits rl(limits({1, 1}, {2, 1}));
  EXPECT_FALSE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0));  // a: 0 left, ip: 1 left
  for (int i = 0; i < 5; ++i) {
    auto refused = rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->kind, Kind::send_device);
  }
  // The IP's last token is still there for another device; then the IP is empty.
  EXPECT_FALSE(rl.take(Kind::send_device, "b", Kind::send_ip, "ip", t0));
  auto refused = rl.take(Kind::send_device, "c", Kind::send_ip, "ip", t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, Kind::send_ip);
  // Another IP is unaffected.
  EXPECT_FALSE(rl.take(Kind::send_device, "c", Kind::send_ip, "ip2", t0));
}

TEST(TokenBucket, BurstZeroIsNoLimit) {
  RateLimits rl(limits({0, 1}, {0, 1}));
  for (int i = 0; i < 10000; ++i) ASSERT_FALSE(rl.take(Kind::send_device, "a", Kind::send_ip, "ip", t0));
  EXPECT_EQ(rl.bucket_count(), 0u);
}

TEST(TokenBucket, RefilledBucketsAreForgotten) {
  RateLimits rl(limits({5, 600}, {0, 1}));  // full again 0.5 s after one use
  for (int i = 0; i < 100000; ++i)
    ASSERT_FALSE(rl.take(Kind::send_device, "dev" + std::to_string(i), Kind::send_ip, "ip", t0 + milliseconds(i)));
  // Only the devices of the last half second (500 at one a millisecond) can still be partial,
  // and a table is swept whenever it doubles: far below one bucket per device ever seen.
  EXPECT_LT(rl.bucket_count(), 2048u);
}

}  // namespace
}  // namespace parley::relay
