// SPDX-License-Identifier: GPL-3.0-or-later
// When a supervisor device beacons and when a member calls supervisor silence alarming
// (engine/supervisor_beacons.hpp), on a virtual clock.
#include <gtest/gtest.h>

#include "engine/supervisor_beacons.hpp"

namespace parley::engine {
namespace {

constexpr BeaconTimes kTimes{/*every_ms=*/900'000, /*after_commit_ms=*/30'000, /*silence_ms=*/7'200'000};

CellId cell_of(std::uint8_t n) {
  CellId cell{};
  cell.fill(n);
  return cell;
}

TEST(SupervisorBeaconsTest, NothingIsDueBeforeTheFirstConnection) {
  SupervisorBeacons beacons(kTimes);
  EXPECT_FALSE(beacons.send_due(cell_of(1)).has_value());
  EXPECT_FALSE(beacons.silence_due(cell_of(1)).has_value());
}

TEST(SupervisorBeaconsTest, ASupervisorAnnouncesSoonAfterConnectingAndCommittingThenOnSchedule) {
  SupervisorBeacons beacons(kTimes);
  beacons.connected(1000);
  EXPECT_EQ(beacons.send_due(cell_of(1)), 1000 + kTimes.after_commit_ms);
  beacons.sent(cell_of(1), 31'000);
  EXPECT_EQ(beacons.send_due(cell_of(1)), 31'000 + kTimes.every_ms);
  beacons.committed(cell_of(1), 100'000);  // a commit brings the next beacon forward
  EXPECT_EQ(beacons.send_due(cell_of(1)), 100'000 + kTimes.after_commit_ms);
  beacons.committed(cell_of(1), 110'000);  // ... but a second one does not push it back
  EXPECT_EQ(beacons.send_due(cell_of(1)), 100'000 + kTimes.after_commit_ms);
  EXPECT_EQ(beacons.send_due(cell_of(2)), 1000 + kTimes.after_commit_ms);  // cells are apart
  beacons.sent(cell_of(1), 130'000);
  beacons.connected(500'000);  // a new connection announces again soon
  EXPECT_EQ(beacons.send_due(cell_of(1)), 500'000 + kTimes.after_commit_ms);
}

TEST(SupervisorBeaconsTest, SilenceIsCountedFromTheLastWordOrConnectionAndReportedOncePerStretch) {
  SupervisorBeacons beacons(kTimes);
  beacons.connected(1000);
  EXPECT_EQ(beacons.silence_due(cell_of(1)), 1000 + kTimes.silence_ms);
  beacons.heard(cell_of(1), 50'000);
  EXPECT_EQ(beacons.silence_due(cell_of(1)), 50'000 + kTimes.silence_ms);
  beacons.heard(cell_of(1), 40'000);  // a delayed, older word changes nothing
  EXPECT_EQ(beacons.last_word(cell_of(1)), 50'000);
  beacons.silence_reported(cell_of(1));
  EXPECT_FALSE(beacons.silence_due(cell_of(1)).has_value());
  beacons.connected(9'000'000);  // reconnecting does not repeat the report
  EXPECT_FALSE(beacons.silence_due(cell_of(1)).has_value());
  beacons.heard(cell_of(1), 9'100'000);  // the supervisor speaks: a new stretch
  EXPECT_EQ(beacons.silence_due(cell_of(1)), 9'100'000 + kTimes.silence_ms);
  beacons.forget(cell_of(1));
  EXPECT_FALSE(beacons.last_word(cell_of(1)).has_value());
}

TEST(SupervisorBeaconsTest, MailFromBeforeTheConnectionDoesNotStartTheClockEarlier) {
  SupervisorBeacons beacons(kTimes);
  beacons.heard(cell_of(1), 1000);  // a word delivered from the mailbox, long ago
  beacons.connected(5'000'000);
  EXPECT_EQ(beacons.silence_due(cell_of(1)), 5'000'000 + kTimes.silence_ms);
}

TEST(SupervisorBeaconsTest, ZeroTurnsEachSideOff) {
  SupervisorBeacons beacons(BeaconTimes{0, 30'000, 0});
  beacons.connected(1000);
  beacons.committed(cell_of(1), 2000);
  EXPECT_FALSE(beacons.send_due(cell_of(1)).has_value());
  EXPECT_FALSE(beacons.silence_due(cell_of(1)).has_value());
}

}  // namespace
}  // namespace parley::engine
