// SPDX-License-Identifier: GPL-3.0-or-later
// Deconfliction notices through the engine: overlapping notices of two parties raise one
// conflict event on every device that holds both, whichever arrived first; notices apart in
// space or time, or of one party, do not; a notice waits for the other parties'
// acknowledgement and goes overdue like any message of an ack_required channel.
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kHour = 60 * kMinute;
const std::vector<Address> kReaders{kUs, kIl, kSy, kSy2, kTrade};

GeoPoint at_degrees(double lat, double lon) {
  return GeoPoint{static_cast<std::int32_t>(lat * 1e7), static_cast<std::int32_t>(lon * 1e7)};
}

DeconflictionNotice circle(double lat, double lon, std::uint32_t radius_m, TimeMs start, TimeMs end,
                           std::string description) {
  return DeconflictionNotice{Circle{at_degrees(lat, lon), radius_m}, TimeWindow{start, end}, std::move(description)};
}

class DeconflictionFlowTest : public CellsTest {
 protected:
  CellId cell_with_hotline() {
    const CellId cell = make_seed_cell();
    make_hotline_channel(cell);
    return cell;
  }

  MessageId notice(const Address& by, const CellId& cell, DeconflictionNotice n,
                   Precedence precedence = Precedence::routine) {
    auto id = node(by).engine->post_notice(cell, "hotline", std::move(n), precedence, now);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    return id ? *id : MessageId{};
  }
};

TEST_F(DeconflictionFlowTest, OverlappingNoticesOfTwoPartiesConflictOnEveryDevice) {
  const CellId cell = cell_with_hotline();
  const TimeMs t = now + kHour;
  const MessageId il = notice(kIl, cell, circle(33.00, 35.50, 5'000, t, t + 2 * kHour, "IL live-fire exercise"));
  run();
  for (const Address& a : {kUs, kSy, kSy2, kTrade}) {
    auto received = node(a).all<NoticeReceived>();
    ASSERT_EQ(received.size(), 1u) << a.to_string();
    EXPECT_EQ(received[0].party, "IL");
    EXPECT_EQ(received[0].notice.description, "IL live-fire exercise");
  }
  // Overlaps IL's area and window: a conflict. Far away, or right after IL's window, or
  // IL's own second notice on the same spot: none.
  const MessageId sy = notice(kSy, cell, circle(33.03, 35.50, 5'000, t + kHour, t + 3 * kHour, "SY patrol"));
  notice(kSy2, cell, circle(34.50, 36.80, 5'000, t, t + 2 * kHour, "SY resupply, far north"));
  notice(kSy2, cell, circle(33.00, 35.50, 5'000, t + 2 * kHour, t + 4 * kHour, "SY patrol after IL's window"));
  notice(kTrade, cell, circle(33.00, 35.50, 2'000, t, t + kHour, "IL convoy inside its own exercise"));
  run();
  const MessageRef first = std::min(MessageRef{kIl, il}, MessageRef{kSy, sy});
  const MessageRef second = std::max(MessageRef{kIl, il}, MessageRef{kSy, sy});
  for (const Address& a : kReaders) {
    auto conflicts = node(a).all<NoticesConflict>();
    ASSERT_EQ(conflicts.size(), 1u) << a.to_string();
    EXPECT_EQ(conflicts[0].first, first);
    EXPECT_EQ(conflicts[0].second, second);
    EXPECT_EQ(conflicts[0].first_party, first.sender == kIl ? "IL" : "SY");
    auto listed = node(a).engine->notices(cell, "hotline");
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 5u);
    for (const auto& entry : *listed) {
      const bool in_pair = entry.ref == first || entry.ref == second;
      EXPECT_EQ(entry.conflicts.size(), in_pair ? 1u : 0u) << entry.notice.description;
    }
  }
  // After a restart the list is rebuilt from the store, and nothing is raised again.
  const auto before = node(kSy2).engine->notices(cell, "hotline");
  restart(node(kSy2));
  run();
  const auto after = node(kSy2).engine->notices(cell, "hotline");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before->size());
  for (std::size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].ref, (*before)[i].ref);
    EXPECT_EQ((*after)[i].conflicts, (*before)[i].conflicts);
  }
  EXPECT_EQ(node(kSy2).all<NoticesConflict>().size(), 1u);
}

// Both notices in flight at once and delivered in a seeded random order: every device raises
// the same single conflict.
class NoticeOrderTest : public DeconflictionFlowTest, public ::testing::WithParamInterface<int> {};

TEST_P(NoticeOrderTest, TheSameConflictEverywhereWhateverArrivesFirst) {
  rng.seed(static_cast<std::uint64_t>(GetParam()));
  const CellId cell = cell_with_hotline();
  shuffle = true;
  const TimeMs t = now + kHour;
  const Polygon box{{at_degrees(32.9, 35.4), at_degrees(32.9, 35.6), at_degrees(33.1, 35.6), at_degrees(33.1, 35.4)}};
  const MessageId il = notice(kIl, cell, DeconflictionNotice{box, TimeWindow{t, t + kHour}, "IL drill in the box"});
  const MessageId sy = notice(kSy2, cell, circle(33.12, 35.5, 3'000, t + 30 * kMinute, t + 90 * kMinute, "SY flight"));
  run();
  const hotline::Conflict expected{std::min(MessageRef{kIl, il}, MessageRef{kSy2, sy}),
                          std::max(MessageRef{kIl, il}, MessageRef{kSy2, sy})};
  for (const Address& a : kReaders) {
    auto conflicts = node(a).all<NoticesConflict>();
    ASSERT_EQ(conflicts.size(), 1u) << a.to_string();
    EXPECT_EQ((hotline::Conflict{conflicts[0].first, conflicts[0].second}), expected) << a.to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, NoticeOrderTest, ::testing::Range(1, 9));

TEST_F(DeconflictionFlowTest, ANoticeMustBeAcknowledgedByTheOtherParties) {
  const CellId cell = cell_with_hotline();
  const TimeMs sent = now;
  const TimeMs t = now + kHour;
  const MessageId flash = notice(kIl, cell, circle(33.0, 35.5, 4'000, t, t + kHour, "IL jets in the corridor"),
                                 Precedence::flash);
  const MessageId routine = notice(kSy, cell, circle(35.0, 37.0, 4'000, t, t + kHour, "SY exercise"));
  run();
  // SY acknowledges nothing; IL acknowledges SY's notice in time.
  now = sent + 5 * kMinute;
  ASSERT_TRUE(node(kTrade).engine->acknowledge(cell, "hotline", {kSy, routine}, now).ok());
  run();
  tick(sent + 11 * kMinute);
  for (const Address& a : kReaders) {
    auto overdue = node(a).all<MessageOverdue>();
    ASSERT_EQ(overdue.size(), 1u) << a.to_string();
    EXPECT_EQ(overdue[0].id, flash);
    EXPECT_EQ(overdue[0].party, "SY");
    EXPECT_EQ(overdue[0].deadline, sent + 10 * kMinute);
    EXPECT_EQ(node(a).engine->ack_status(cell, "hotline", {kSy, routine}, now).at("IL"), AckState::acknowledged);
  }
  auto escalations = node(kUs).all<EscalationReceived>();
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].id, flash);
}

TEST_F(DeconflictionFlowTest, BadNoticesAreRefusedBeforeLeavingTheDevice) {
  const CellId cell = cell_with_hotline();
  auto& il = *node(kIl).engine;
  const TimeMs t = now + kHour;
  // intel has no ack_required: nobody would be asked to acknowledge.
  EXPECT_EQ(il.post_notice(cell, "intel", circle(33, 35, 1'000, t, t + kHour, "x"), Precedence::routine, now)
                .error()
                .code,
            Errc::invalid_argument);
  EXPECT_EQ(il.post_notice(cell, "hotline", circle(33, 35, 0, t, t + kHour, "no radius"), Precedence::routine, now)
                .error()
                .code,
            Errc::hotline_invalid_area);
  EXPECT_EQ(il.post_notice(cell, "hotline", circle(33, 35, 1'000, t + kHour, t, "backwards"), Precedence::routine, now)
                .error()
                .code,
            Errc::hotline_invalid_area);
  const Polygon bow_tie{{at_degrees(33, 35), at_degrees(33.1, 35.1), at_degrees(33, 35.1), at_degrees(33.1, 35)}};
  EXPECT_EQ(il.post_notice(cell, "hotline", DeconflictionNotice{bow_tie, TimeWindow{t, t + kHour}, "self-crossing"},
                           Precedence::routine, now)
                .error()
                .code,
            Errc::hotline_invalid_area);
  EXPECT_EQ(il.post_notice(cell, "hotline", circle(33, 35, 1'000, t, t + kHour, std::string(5000, 'x')),
                           Precedence::routine, now)
                .error()
                .code,
            Errc::invalid_argument);
  run();
  for (const Address& a : kReaders) EXPECT_TRUE(node(a).all<NoticeReceived>().empty());
}

}  // namespace
}  // namespace parley::cells::test
