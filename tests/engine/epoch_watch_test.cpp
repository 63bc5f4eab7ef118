// SPDX-License-Identifier: GPL-3.0-or-later
// What a device heard of epochs it lacks (engine/epoch_watch.hpp), on a virtual clock.
#include <gtest/gtest.h>

#include "engine/epoch_watch.hpp"

namespace parley::engine {
namespace {

constexpr TimeMs kWithheldAfter = 30'000;
const Address kPoster{"poster", 1};
const Address kOther{"other", 2};

CellId cell_of(std::uint8_t n) {
  CellId cell{};
  cell.fill(n);
  return cell;
}

TEST(EpochWatchTest, SendsWaitFromTheFirstMentionUntilTheCommitArrives) {
  EpochWatch watch(kWithheldAfter);
  EXPECT_FALSE(watch.behind(cell_of(1)));
  watch.heard_of(cell_of(1), 5, kPoster, 1000);
  EXPECT_TRUE(watch.behind(cell_of(1)));
  EXPECT_FALSE(watch.behind(cell_of(2)));
  watch.caught_up(cell_of(1), 4);  // not yet the epoch heard of
  EXPECT_TRUE(watch.behind(cell_of(1)));
  watch.caught_up(cell_of(1), 5);
  EXPECT_FALSE(watch.behind(cell_of(1)));
  EXPECT_FALSE(watch.next_deadline().has_value());
}

TEST(EpochWatchTest, AMissingCommitIsReportedOnceAfterTheDeadlineFromTheFirstMention) {
  EpochWatch watch(kWithheldAfter);
  watch.heard_of(cell_of(1), 5, kPoster, 1000);
  watch.heard_of(cell_of(1), 7, kOther, 20'000);  // a newer epoch: the clock does not restart
  EXPECT_EQ(watch.next_deadline(), 1000 + kWithheldAfter);
  EXPECT_TRUE(watch.take_overdue(1000 + kWithheldAfter - 1).empty());
  auto overdue = watch.take_overdue(1000 + kWithheldAfter);
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].cell, cell_of(1));
  EXPECT_EQ(overdue[0].epoch, 7u);
  EXPECT_EQ(overdue[0].from, kPoster);
  EXPECT_TRUE(watch.take_overdue(10 * kWithheldAfter).empty());  // once
  EXPECT_FALSE(watch.next_deadline().has_value());
  EXPECT_TRUE(watch.behind(cell_of(1)));  // still behind: sends keep waiting
}

TEST(EpochWatchTest, ForgettingACellEndsItsWait) {
  EpochWatch watch(kWithheldAfter);
  watch.heard_of(cell_of(1), 5, kPoster, 0);
  watch.broken_chain_asked(cell_of(1), 3);
  watch.forget(cell_of(1));
  EXPECT_FALSE(watch.behind(cell_of(1)));
  EXPECT_TRUE(watch.first_broken_chain(cell_of(1), 3));
  EXPECT_TRUE(watch.take_overdue(kWithheldAfter).empty());
}

TEST(EpochWatchTest, ABrokenChainIsAskedForOnceUntilTheDeviceMovesPastIt) {
  EpochWatch watch(kWithheldAfter);
  EXPECT_TRUE(watch.first_broken_chain(cell_of(1), 3));
  watch.broken_chain_asked(cell_of(1), 3);
  EXPECT_FALSE(watch.first_broken_chain(cell_of(1), 3));
  EXPECT_TRUE(watch.first_broken_chain(cell_of(1), 4));
  EXPECT_TRUE(watch.first_broken_chain(cell_of(2), 3));
  watch.caught_up(cell_of(1), 3);  // still at 3: the other branch has not won here yet
  EXPECT_FALSE(watch.first_broken_chain(cell_of(1), 3));
  watch.caught_up(cell_of(1), 4);  // past it: the memory goes
  EXPECT_TRUE(watch.first_broken_chain(cell_of(1), 3));
}

}  // namespace
}  // namespace parley::engine
