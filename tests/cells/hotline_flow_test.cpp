// SPDX-License-Identifier: GPL-3.0-or-later
// Acknowledgements with deadlines on the engine's virtual clock: a FLASH message nobody of
// the required party acknowledges goes overdue on every device and is escalated to the
// supervisor; acknowledged in time it does not; acknowledgements from a party that is not
// asked, or from a device that may not post, change nothing.
#include "cells/codec.hpp"
#include "cells_fixture.hpp"
#include "hotline/codec.hpp"
#include "hotline/transcript.hpp"
#include "hotline/verifier.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kMinute = 60'000;

class HotlineFlowTest : public CellsTest {
 protected:
  // intel with ack_required and a one-hour deadline (FLASH shortens it to ten minutes).
  CellId hotline_cell() {
    const CellId cell = make_seed_cell();
    charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
    intel.ack_required = true;
    intel.ack_deadline_seconds = 3600;
    EXPECT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
    run();
    tick(now + 60'000);  // the supervisor's beacon after the commit: the next is 15 min away
    return cell;
  }
};

TEST_F(HotlineFlowTest, UnacknowledgedFlashGoesOverdueEverywhereAndIsEscalated) {
  const CellId cell = hotline_cell();
  const TimeMs sent = now;
  auto id = node(kIl).engine->post(cell, "intel", "FLASH: column moving north of the line", now, Precedence::flash);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  ASSERT_EQ(node(kSy).all<ChannelMessageReceived>().back().precedence, Precedence::flash);
  tick(sent + 9 * kMinute);
  for (const Address& a : {kUs, kIl, kSy, kSy2}) EXPECT_TRUE(node(a).all<MessageOverdue>().empty()) << a.to_string();

  tick(sent + 11 * kMinute);
  for (const Address& a : {kUs, kIl, kSy, kSy2}) {
    auto overdue = node(a).all<MessageOverdue>();
    ASSERT_EQ(overdue.size(), 1u) << a.to_string();
    EXPECT_EQ(overdue[0].party, "SY");
    EXPECT_EQ(overdue[0].id, *id);
    EXPECT_EQ(overdue[0].deadline, sent + 10 * kMinute);
  }
  auto escalations = node(kUs).all<EscalationReceived>();
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].from, kIl);
  EXPECT_EQ(escalations[0].party, "SY");
  EXPECT_EQ(node(kUs).engine->ack_status(cell, "intel", {kIl, *id}, now).at("SY"), AckState::overdue);

  tick(sent + 30 * kMinute);  // reported once, not at every tick
  for (const Address& a : {kUs, kIl, kSy, kSy2}) EXPECT_EQ(node(a).all<MessageOverdue>().size(), 1u);
  restart(node(kSy));  // nor again after a restart
  run();
  tick(sent + 31 * kMinute);
  EXPECT_EQ(node(kSy).all<MessageOverdue>().size(), 1u);
}

// The engine's timer table arms the deadline itself: poll_timeout names the first instant the
// message is overdue (just after its deadline), handle_timeout before it reports nothing, at it
// reports once, and afterwards the slot no longer names a past instant (no busy loop).
TEST_F(HotlineFlowTest, TheTimerIsArmedForTheExactDeadline) {
  const CellId cell = hotline_cell();
  const TimeMs sent = now;
  auto id = node(kIl).engine->post(cell, "intel", "FLASH: convoy delayed at the crossing", now, Precedence::flash);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  const TimeMs deadline = sent + 10 * kMinute;
  for (const Address& a : {kUs, kIl, kSy}) {
    auto due = node(a).engine->poll_timeout();
    ASSERT_TRUE(due.has_value()) << a.to_string();
    EXPECT_EQ(*due, deadline + 1) << a.to_string();
  }
  engine::Engine& il = *node(kIl).engine;
  il.handle_timeout(deadline);
  collect(node(kIl));
  EXPECT_TRUE(node(kIl).all<MessageOverdue>().empty());
  il.handle_timeout(deadline + 1);
  collect(node(kIl));
  ASSERT_EQ(node(kIl).all<MessageOverdue>().size(), 1u);
  auto next = il.poll_timeout();
  EXPECT_TRUE(!next || *next > deadline + 1) << "the reported deadline stays armed";
  il.handle_timeout(deadline + 2);
  collect(node(kIl));
  EXPECT_EQ(node(kIl).all<MessageOverdue>().size(), 1u);
}

// Acknowledged, the message's deadline leaves the timer table.
TEST_F(HotlineFlowTest, AnAcknowledgementDisarmsTheDeadline) {
  const CellId cell = hotline_cell();
  const TimeMs sent = now;
  auto id = node(kIl).engine->post(cell, "intel", "FLASH: exercise cancelled", now, Precedence::flash);
  ASSERT_TRUE(id.ok());
  run();
  ASSERT_EQ(node(kIl).engine->poll_timeout(), sent + 10 * kMinute + 1);
  now = sent + kMinute;
  ASSERT_TRUE(node(kSy).engine->acknowledge(cell, "intel", {kIl, *id}, now).ok());
  run();
  for (const Address& a : {kUs, kIl, kSy}) {
    auto due = node(a).engine->poll_timeout();
    EXPECT_TRUE(!due || *due != sent + 10 * kMinute + 1) << a.to_string();
  }
}

TEST_F(HotlineFlowTest, AcknowledgedInTimeDoesNotGoOverdue) {
  const CellId cell = hotline_cell();
  const TimeMs sent = now;
  auto id = node(kIl).engine->post(cell, "intel", "FLASH: drill at 0400, not an attack", now, Precedence::flash);
  ASSERT_TRUE(id.ok());
  run();
  now = sent + 4 * kMinute;
  // Any one device of the required party acknowledges for it.
  ASSERT_TRUE(node(kSy2).engine->acknowledge(cell, "intel", {kIl, *id}, now).ok());
  run();
  tick(sent + 20 * kMinute);
  for (const Address& a : {kUs, kIl, kSy, kSy2}) EXPECT_TRUE(node(a).all<MessageOverdue>().empty()) << a.to_string();
  EXPECT_TRUE(node(kUs).all<EscalationReceived>().empty());
  for (const Address& a : {kUs, kIl, kSy})
    EXPECT_EQ(node(a).engine->ack_status(cell, "intel", {kIl, *id}, now).at("SY"), AckState::acknowledged)
        << a.to_string();
  auto acks = node(kIl).all<AcknowledgementReceived>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].party, "SY");
  EXPECT_EQ(acks[0].by, kSy2);
  // The sender's own party is not asked; the SDK says so instead of sending anything.
  EXPECT_EQ(node(kIl).engine->acknowledge(cell, "intel", {kIl, *id}, now).error().code,
            Errc::hotline_party_not_required);
}

TEST_F(HotlineFlowTest, AcknowledgementsFromThePartyNotAskedOrANonPosterChangeNothing) {
  const CellId cell = hotline_cell();
  auto id = node(kSy).engine->post(cell, "intel", "FLASH: SY convoy at the crossing", now, Precedence::flash);
  ASSERT_TRUE(id.ok());
  run();
  const auto* log = node(kSy2).engine->charter(cell);
  auto ack_of = [&](std::uint8_t fill) {
    ChannelMessage ack{cell, "intel", log->epoch(), log->head(), {}, now, ChannelMessageKind::hotline,
                       hotline::encode(hotline::Body{hotline::Acknowledgement{{kSy, *id}}}), 1};
    ack.message_id.bytes.fill(fill);
    return ack;
  };
  // The SY analyst acknowledges for IL (its own party wrote the message: not asked).
  craft_post(kSy2, {kIl, kUs}, ack_of(0x61));
  // The supervisor device reads intel but may not post there.
  craft_post(kUs, {kIl, kSy}, ack_of(0x62));
  for (const Address& a : {kIl, kUs, kSy}) {
    EXPECT_EQ(node(a).engine->ack_status(cell, "intel", {kSy, *id}, now).at("IL"), AckState::pending) << a.to_string();
    EXPECT_TRUE(node(a).all<AcknowledgementReceived>().empty()) << a.to_string();
  }
  bool party_refused = false;
  for (const auto& d : node(kIl).all<PermissionDenied>())
    party_refused |= d.sender == kSy2 && d.error.code == Errc::hotline_party_not_required;
  EXPECT_TRUE(party_refused);
  bool poster_refused = false;
  for (const auto& d : node(kSy).all<PermissionDenied>())
    poster_refused |= d.sender == kUs && d.error.code == Errc::cell_permission_denied;
  EXPECT_TRUE(poster_refused);
}

// An attested hotline channel: posts are signed, the export verifies offline, a tampered
// export does not, and a deniable channel has nothing to export.
TEST_F(HotlineFlowTest, AttestedChannelExportsATranscriptThatVerifies) {
  const CellId cell = hotline_cell();
  charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
  intel.attested = true;
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
  run();
  auto first = node(kIl).engine->post(cell, "intel", "IMMEDIATE: artillery repositioning, defensive", now,
                                      Precedence::immediate);
  ASSERT_TRUE(first.ok());
  run();
  ASSERT_TRUE(node(kSy).engine->acknowledge(cell, "intel", {kIl, *first}, now).ok());
  run();
  ASSERT_TRUE(node(kSy).engine->post(cell, "intel", "Noted; our side stands down", now).ok());
  run();

  auto exported = node(kUs).engine->export_transcript(cell, "intel", 0, 0);
  ASSERT_TRUE(exported.ok()) << exported.error().to_string();
  auto report = hotline::verify_transcript_bytes(*exported);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_TRUE(report->all_valid());
  EXPECT_GE(report->messages.size(), 3u);  // two posts, the acknowledgement, receipts
  bool acknowledged = false;
  for (const auto& m : report->messages)
    if (m.ref.id == *first)
      for (const auto& a : m.acks) acknowledged |= a.party == "SY";
  EXPECT_TRUE(acknowledged);

  auto transcript = hotline::decode_transcript(*exported);
  ASSERT_TRUE(transcript.ok());
  transcript->messages[0].body.back() ^= 1;  // one flipped byte
  auto tampered = hotline::verify_transcript(*transcript);
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->messages[0].verdict, hotline::Verdict::forged);
  EXPECT_EQ(tampered->count(hotline::Verdict::forged), 1u);

  EXPECT_EQ(node(kUs).engine->export_transcript(cell, "diplomatic", 0, 0).error().code, Errc::hotline_not_attested);
}

}  // namespace
}  // namespace parley::cells::test
