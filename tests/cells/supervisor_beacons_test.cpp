// SPDX-License-Identifier: GPL-3.0-or-later
// Supervisor beacons (docs/protocol.md "Supervisor beacons") over real engines and the
// in-memory relay: an honest supervisor keeps members quiet, a relay that withholds every word
// of the supervisor is noticed within the silence bound, and a member cannot beacon.
#include "cells/codec.hpp"
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kHour = 3600 * 1000;

std::size_t silence_alerts(Node& n) {
  std::size_t count = 0;
  for (const auto& alert : n.all<SecurityAlert>()) count += alert.error.code == Errc::cell_supervisor_silent;
  return count;
}

TEST_F(CellsTest, AnHonestSupervisorKeepsItsMembersFromCallingItSilent) {
  const CellId cell = make_seed_cell();
  tick(now + 5 * kHour);  // 2.5 times the silence bound
  for (const Address& a : {kIl, kSy, kSy2, kTrade}) EXPECT_EQ(silence_alerts(node(a)), 0u) << a.to_string();
  EXPECT_EQ(silence_alerts(node(kUs)), 0u) << "a supervisor device does not watch itself";
  post(kIl, cell, "commercial", "still talking");
  EXPECT_EQ(count_text(node(kSy), "commercial", "still talking"), 1u);
}

TEST_F(CellsTest, ARelayThatWithholdsEveryWordOfTheSupervisorIsNoticedWithinTheSilenceBound) {
  const CellId cell = make_seed_cell();
  const TimeMs start = now;
  relay.copies = [](const Address& from, const Address&, ByteView payload) {
    return from == kUs && !is_channel_envelope(payload) ? 0 : 1;
  };
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  run();
  for (const Address& a : {kIl, kSy, kSy2}) ASSERT_EQ(node(a).engine->charter(cell)->epoch(), 2u) << "not withheld";
  tick(start + kHour);
  for (const Address& a : {kIl, kSy, kSy2}) EXPECT_EQ(silence_alerts(node(a)), 0u) << "too early";
  tick(start + 2 * kHour + 60'000);  // the bound (2 h) counts from the connection at the latest
  for (const Address& a : {kIl, kSy, kSy2}) {
    ASSERT_EQ(silence_alerts(node(a)), 1u) << a.to_string();
    std::optional<SecurityAlert> alert;
    for (const auto& s : node(a).all<SecurityAlert>())
      if (s.error.code == Errc::cell_supervisor_silent) alert = s;
    EXPECT_EQ(alert->cell, cell);
    EXPECT_EQ(alert->sender, kUs) << "names the supervisor device not heard from";
  }
  tick(now + 5 * kHour);
  for (const Address& a : {kIl, kSy, kSy2}) EXPECT_EQ(silence_alerts(node(a)), 1u) << "once per silence";
  // The relay relents: the next beacon names epoch 3 and every member catches up.
  relay.copies = nullptr;
  tick(now + 20 * 60'000);
  for (const Address& a : {kIl, kSy, kSy2}) EXPECT_EQ(node(a).engine->charter(cell)->epoch(), 3u) << a.to_string();
}

TEST_F(CellsTest, ABeaconFromAMemberIsIgnored) {
  const CellId cell = make_seed_cell();
  post(kSy, cell, "commercial", "sessions");  // SY and IL have a pairwise session
  const std::size_t sent_before = relay.captured().size();
  HeadBeacon forged{cell, 99, {}};
  send_control(kSy, kIl, envelope::ContentKind::head_beacon, encode(forged));
  run();
  for (std::size_t i = sent_before; i < relay.captured().size(); ++i)
    EXPECT_FALSE(relay.captured()[i].sender == kIl) << "IL answered a member's beacon";
  post(kIl, cell, "commercial", "not held back");  // a beacon naming epoch 99 would hold it
  EXPECT_EQ(count_text(node(kSy), "commercial", "not held back"), 1u);
  EXPECT_TRUE(node(kIl).all<SecurityAlert>().empty());
}

}  // namespace
}  // namespace parley::cells::test
