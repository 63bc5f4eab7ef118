// SPDX-License-Identifier: GPL-3.0-or-later
// The case end to end (issue 11): one member floods an ack_required channel with
// 70,000 real posts through the engines and the in-memory relay; a FLASH post by another
// member after it is still tracked on every device and goes overdue. The acknowledgement
// trackers are bounded per sender (hotline::AckTracker::kMaxPerSender), so the flood costs
// only the flooder its own tracking. A bound on the channel's total instead would leave the
// FLASH untracked and this test without its overdue events (tried: with make_room counting
// the channel's entries instead of the sender's, the FLASH checks fail).
//
// Slow by nature: every post is encrypted and stored by real engines (about 1.7 ms of CPU per
// post here with stores on tmpfs, twice that on disk), so it has its own CTest entry with a
// long timeout and the label "long" (tests/CMakeLists.txt); scripts/test runs it.
#include <chrono>

#include "cells_fixture.hpp"
#include "hotline/ack_tracker.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr int kFlood = 70'000;
constexpr int kBatch = 1'000;  // posts between two relay rounds

class HotlineFloodTest : public CellsTest {
 protected:
  // The party's status of `ref` on `a`'s device; nullopt where the message is not tracked.
  std::optional<AckState> status(const Address& a, const CellId& cell, const hotline::MessageRef& ref,
                                 const std::string& party) {
    auto all = node(a).engine->ack_status(cell, "intel", ref, now);
    auto it = all.find(party);
    return it == all.end() ? std::nullopt : std::optional<AckState>(it->second);
  }

  // Supervisor, one IL and one SY device (the fewest that show it: every post costs real
  // encryption and a store transaction on each). intel: everyone reads, IL and SY post, each
  // post awaits the other party's acknowledgement within an hour (FLASH: ten minutes).
  CellId three_device_cell() {
    for (const Address& a : {kUs, kIl, kSy}) add(a);
    run();
    charter::SeedCellOptions options;
    options.members = {
        {kIl, "IL", charter::Role::member, node(kIl).identity_public()},
        {kSy, "SY", charter::Role::member, node(kSy).identity_public()},
    };
    auto cell = node(kUs).engine->create_cell(options, now);
    EXPECT_TRUE(cell.ok()) << cell.error().to_string();
    run();
    charter::ChannelPolicy intel;
    intel.read = {charter::Grant::for_party("US"), charter::Grant::for_party("IL"), charter::Grant::for_party("SY")};
    intel.post = {charter::Grant::for_party("IL"), charter::Grant::for_party("SY")};
    intel.ack_required = true;
    intel.ack_deadline_seconds = 3600;
    auto committed = node(kUs).engine->commit(*cell, {charter::SetChannelPolicy{"intel", intel}}, now);
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
    run();
    return *cell;
  }
};

TEST_F(HotlineFloodTest, SeventyThousandPostsByOneMemberDoNotStopAnotherMembersFlashGoingOverdue) {
  const CellId cell = three_device_cell();
  const auto started = std::chrono::steady_clock::now();
  const TimeMs flood_start = now;
  std::vector<MessageId> flood;
  flood.reserve(kFlood);
  for (int n = 0; n < kFlood; ++n) {
    auto id = node(kIl).engine->post(cell, "intel", "routine report " + std::to_string(n), now);
    ASSERT_TRUE(id.ok()) << "post " << n << ": " << id.error().to_string();
    flood.push_back(*id);
    if ((n + 1) % kBatch == 0) run();
  }
  run();
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("flood_seconds", std::to_string(seconds));
  std::printf("[ flood    ] %d posts through the engines in %.1f s\n", kFlood, seconds);
  // Every post arrived (the tracker refuses to track, never to deliver) ...
  for (const Address& a : {kUs, kSy}) {
    auto history = node(a).engine->history(cell, "intel");
    ASSERT_TRUE(history.ok());
    std::size_t from_il = 0;
    for (const auto& h : *history) from_il += h.sender == kIl;
    EXPECT_EQ(from_il, static_cast<std::size_t>(kFlood)) << a.to_string();
  }
  // ... and the flood went past the flooder's bound: its first posts are tracked, its last not.
  for (const Address& a : {kUs, kIl, kSy}) {
    EXPECT_EQ(status(a, cell, {kIl, flood.front()}, "SY"), AckState::pending) << a.to_string();
    EXPECT_TRUE(node(a).engine->ack_status(cell, "intel", {kIl, flood.back()}, now).empty()) << a.to_string();
  }
  // The flood's own deadlines (an hour after each post) are not due before the FLASH's.
  ASSERT_LT(now - flood_start, 30 * kMinute);

  const TimeMs sent = now;
  auto flash = node(kSy).engine->post(cell, "intel", "FLASH: convoy at the crossing", now, Precedence::flash);
  ASSERT_TRUE(flash.ok()) << flash.error().to_string();
  run();
  for (const Address& a : {kUs, kIl, kSy})
    EXPECT_EQ(status(a, cell, {kSy, *flash}, "IL"), AckState::pending) << a.to_string() << ": the FLASH is not tracked";
  tick(sent + 9 * kMinute);
  for (const Address& a : {kUs, kIl, kSy}) EXPECT_TRUE(node(a).all<MessageOverdue>().empty()) << a.to_string();
  tick(sent + 11 * kMinute);
  for (const Address& a : {kUs, kIl, kSy}) {
    auto overdue = node(a).all<MessageOverdue>();
    ASSERT_EQ(overdue.size(), 1u) << a.to_string();
    EXPECT_EQ(overdue[0].sender, kSy);
    EXPECT_EQ(overdue[0].id, *flash);
    EXPECT_EQ(overdue[0].party, "IL");
    EXPECT_EQ(overdue[0].deadline, sent + 10 * kMinute);
    EXPECT_EQ(status(a, cell, {kSy, *flash}, "IL"), AckState::overdue) << a.to_string();
  }
  auto escalations = node(kUs).all<EscalationReceived>();
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].from, kSy);
  EXPECT_EQ(escalations[0].party, "IL");
}

}  // namespace
}  // namespace parley::cells::test
