// SPDX-License-Identifier: GPL-3.0-or-later
// When lost posts and keys are asked for again (engine/recovery_throttle.hpp), on a virtual
// clock.
#include <gtest/gtest.h>

#include "engine/recovery_throttle.hpp"

namespace parley::engine {
namespace {

constexpr TimeMs kRetry = 1000;
const Address kPoster{"poster", 1};

GapKey gap_of(const char* channel = "intel") {
  CellId cell{};
  cell.fill(7);
  return GapKey{cell, channel, kPoster};
}

envelope::KeyTag tag_of(std::uint8_t n) {
  envelope::KeyTag tag{};
  tag[0] = n;
  return tag;
}

TEST(RecoveryThrottleTest, AGapIsAskedOnceWithinTheRetryPeriodUnlessItGrows) {
  RecoveryThrottle t(kRetry);
  EXPECT_EQ(t.on_gap(gap_of(), 5, 0), RecoveryThrottle::GapAsk::ask);
  t.asked(gap_of(), 4, 0);
  EXPECT_EQ(t.on_gap(gap_of(), 5, 10), RecoveryThrottle::GapAsk::wait);  // the same range
  EXPECT_EQ(t.on_gap(gap_of(), 8, 10), RecoveryThrottle::GapAsk::ask_if_grew);
  EXPECT_EQ(t.on_gap(gap_of(), 5, kRetry), RecoveryThrottle::GapAsk::ask);  // the period is over
  EXPECT_EQ(t.on_gap(gap_of("diplomatic"), 5, 10), RecoveryThrottle::GapAsk::ask);  // another gap
}

TEST(RecoveryThrottleTest, TheTimerAsksAgainWithADoublingBackoffThenStops) {
  RecoveryThrottle t(kRetry);
  t.asked(gap_of(), 4, 0);
  std::vector<TimeMs> asked_at;
  for (TimeMs now = 0; now <= 200 * kRetry; now += 100) {
    for (const auto& [gap, to_post] : t.gaps_due(now)) {
      EXPECT_EQ(to_post, 4u);
      t.retried(gap, now);
      asked_at.push_back(now);
    }
  }
  ASSERT_EQ(asked_at.size(), kMaxRecoveryAttempts);
  for (std::size_t i = 1; i < asked_at.size(); ++i)
    EXPECT_EQ(asked_at[i] - asked_at[i - 1], recovery_backoff(kRetry, static_cast<unsigned>(i)));
  EXPECT_FALSE(t.next_retry(false).has_value());  // given up: the poster's next post asks
}

TEST(RecoveryThrottleTest, AClosedGapIsNotAskedAgain) {
  RecoveryThrottle t(kRetry);
  t.asked(gap_of(), 4, 0);
  EXPECT_EQ(t.next_retry(false), kRetry);
  t.close(gap_of());
  EXPECT_TRUE(t.gaps_due(10 * kRetry).empty());
  EXPECT_FALSE(t.asked_to(gap_of()).has_value());
  EXPECT_FALSE(t.next_retry(false).has_value());
}

TEST(RecoveryThrottleTest, KeysAreAskedOncePerPeriodAndAFewPerSender) {
  RecoveryThrottle t(kRetry);
  EXPECT_TRUE(t.may_ask_key(kPoster, tag_of(1), 0));
  EXPECT_FALSE(t.may_ask_key(kPoster, tag_of(1), 10));
  for (std::uint8_t n = 2; n <= RecoveryThrottle::kMaxKeyRequestsPerSender; ++n)
    EXPECT_TRUE(t.may_ask_key(kPoster, tag_of(n), 10));
  // Junk tags from one sender stop at the limit; another sender is not affected.
  EXPECT_FALSE(t.may_ask_key(kPoster, tag_of(100), 10));
  EXPECT_TRUE(t.may_ask_key(Address{"other", 1}, tag_of(100), 10));
  EXPECT_TRUE(t.may_ask_key(kPoster, tag_of(100), 10 + kRetry));  // a new period
}

TEST(RecoveryThrottleTest, HeldEnvelopesAskAgainOnTheSameScheduleFromTheLastHold) {
  RecoveryThrottle t(kRetry);
  t.held(0);
  EXPECT_FALSE(t.held_pass_due(kRetry - 1));
  EXPECT_TRUE(t.held_pass_due(kRetry));
  t.held_passed(kRetry);
  EXPECT_EQ(t.next_retry(true), kRetry + 2 * kRetry);
  EXPECT_FALSE(t.next_retry(false).has_value());  // nothing held: nothing timed
  t.held(5000);  // a new envelope held: its key was just asked for
  EXPECT_EQ(t.next_retry(true), 5000 + kRetry);
}

TEST(RecoveryThrottleTest, AnUnprovenSkipIsAlertedOnceAndMemoryStaysBounded) {
  RecoveryThrottle t(kRetry);
  EXPECT_TRUE(t.first_unproven_skip(gap_of(), 3));
  EXPECT_FALSE(t.first_unproven_skip(gap_of(), 3));
  EXPECT_TRUE(t.first_unproven_skip(gap_of(), 4));
  for (std::uint64_t n = 0; n < 3 * RecoveryThrottle::kMaxEntries; ++n) (void)t.first_unproven_skip(gap_of(), 100 + n);
  for (std::size_t i = 0; i < 3 * RecoveryThrottle::kMaxEntries; ++i)
    t.asked(GapKey{CellId{}, "c" + std::to_string(i), kPoster}, 1, 0);
  EXPECT_LE(t.gaps_due(kRetry).size(), RecoveryThrottle::kMaxEntries);
}

}  // namespace
}  // namespace parley::engine
