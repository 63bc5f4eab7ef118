// SPDX-License-Identifier: GPL-3.0-or-later
// Acknowledgements: who must acknowledge, deadlines on a virtual clock, overdue exactly once,
// forged acknowledgements refused with a typed reason, order independence.
#include "hotline/ack_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "hotline/ack_rule.hpp"
#include "hotline_fixture.hpp"

namespace parley::hotline {
namespace {

using namespace test;

class AckTrackerTest : public ::testing::Test {
 protected:
  AckTrackerTest() : cell_(keys_) { make_hotline_channel(cell_); }

  const charter::CellState& state() const { return cell_.state(); }
  MessageRef track(const Address& sender, std::uint32_t n, Precedence precedence = Precedence::routine, TimeMs at = kT0) {
    const MessageRef ref{sender, message_id(n)};
    auto outcome = tracker_.record_message(state(), ref, at, precedence);
    EXPECT_TRUE(outcome.ok()) << outcome.error().to_string();
    EXPECT_EQ(*outcome, TrackOutcome::tracked);
    return ref;
  }

  charter::test::Keys keys_;
  charter::test::TestCell cell_;
  AckTracker tracker_{kChannel};
};

TEST_F(AckTrackerTest, RequiredPartiesAreReadersButTheSenderAndTheSupervisor) {
  EXPECT_EQ(required_ack_parties(state(), kChannel, kIlOfficer), (std::set<std::string>{"SY"}));
  EXPECT_EQ(required_ack_parties(state(), kChannel, kSyOfficer), (std::set<std::string>{"IL"}));
  // A third party that reads is required too; one that does not read is not.
  cell_.commit({charter::test::add({"jo_officer", 1}, "JO", charter::Role::member, keys_),
                charter::test::add({"eg_officer", 1}, "EG", charter::Role::member, keys_)});
  auto policy = hotline_policy();
  policy.read.push_back(charter::Grant::for_party("JO"));
  cell_.commit({charter::SetChannelPolicy{kChannel, policy}});
  EXPECT_EQ(required_ack_parties(state(), kChannel, kIlOfficer), (std::set<std::string>{"JO", "SY"}));
  // Unknown sender or channel: nothing required.
  EXPECT_TRUE(required_ack_parties(state(), kChannel, {"ghost", 1}).empty());
  EXPECT_TRUE(required_ack_parties(state(), "nope", kIlOfficer).empty());
}

TEST_F(AckTrackerTest, UnacknowledgedGoesOverdueOnceAcknowledgedDoesNot) {
  const MessageRef flash = track(kIlOfficer, 1, Precedence::flash);  // deadline kT0 + 10 min
  const MessageRef routine = track(kSyOfficer, 2);                    // deadline kT0 + 1 h (policy)
  EXPECT_EQ(tracker_.find(flash)->deadline, kT0 + 600'000);
  EXPECT_EQ(tracker_.find(routine)->deadline, kT0 + 3'600'000);
  EXPECT_EQ(tracker_.next_deadline(), kT0 + 600'000);

  // IL acknowledges SY's message in time; SY never acknowledges IL's FLASH.
  ASSERT_EQ(*tracker_.record_ack(state(), routine, kIlAdmin, kT0 + 5'000), AckOutcome::recorded);
  EXPECT_TRUE(tracker_.poll_overdue(kT0 + 600'000).empty());  // exactly at the deadline: still in time
  auto overdue = tracker_.poll_overdue(kT0 + 600'001);
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0], (Overdue{flash, "SY", kT0 + 600'000}));
  EXPECT_TRUE(tracker_.poll_overdue(kT0 + 600'002).empty());    // once only
  EXPECT_TRUE(tracker_.poll_overdue(kT0 + 9'000'000).empty());  // the acknowledged one never
  EXPECT_FALSE(tracker_.next_deadline().has_value());
  EXPECT_EQ(tracker_.status(flash, kT0 + 700'000).at("SY"), PartyStatus::overdue);
  EXPECT_EQ(tracker_.status(routine, kT0 + 9'000'000).at("IL"), PartyStatus::acknowledged);

  // A late acknowledgement is recorded as late and raises nothing more.
  ASSERT_EQ(*tracker_.record_ack(state(), flash, kSyOfficer, kT0 + 700'000), AckOutcome::recorded);
  EXPECT_EQ(tracker_.status(flash, kT0 + 800'000).at("SY"), PartyStatus::late);
  EXPECT_TRUE(tracker_.poll_overdue(kT0 + 9'000'000).empty());
}

TEST_F(AckTrackerTest, OverdueSurvivesRestoreWithoutRepeating) {
  const MessageRef m = track(kIlOfficer, 1, Precedence::flash);
  ASSERT_EQ(tracker_.poll_overdue(kT0 + 600'001).size(), 1u);
  std::vector<TrackedMessage> saved;
  for (const auto& [ref, tracked] : tracker_.messages()) saved.push_back(tracked);
  AckTracker restored = AckTracker::restore(kChannel, saved);
  EXPECT_TRUE(restored.poll_overdue(kT0 + 700'000).empty());
  EXPECT_EQ(*restored.find(m), *tracker_.find(m));
}

TEST_F(AckTrackerTest, ForgedAndMisplacedAcknowledgementsAreRefused) {
  const MessageRef m = track(kIlOfficer, 1);
  const TimeMs at = kT0 + 1000;
  // The sender's own party is not asked (an IL device cannot acknowledge for SY).
  EXPECT_EQ(tracker_.record_ack(state(), m, kIlAdmin, at).error().code, Errc::hotline_party_not_required);
  // The supervisor's party is not asked either.
  EXPECT_EQ(tracker_.record_ack(state(), m, kSup2, at).error().code, Errc::hotline_party_not_required);
  // A device outside the cell, whatever party its body claims, is refused.
  EXPECT_EQ(tracker_.record_ack(state(), m, {"mallory", 1}, at).error().code, Errc::hotline_not_reader);
  // A cell member of the required party who lost READ on the channel is a non-reader.
  auto policy = hotline_policy();
  policy.read = {charter::Grant::for_party("IL"), charter::Grant::for_party("US"), charter::Grant::for_user("sy_admin")};
  policy.post = {charter::Grant::for_party("IL"), charter::Grant::for_user("sy_admin")};
  cell_.commit({charter::SetChannelPolicy{kChannel, policy}});
  EXPECT_EQ(tracker_.record_ack(state(), m, kSyOfficer, at).error().code, Errc::hotline_not_reader);
  // Unknown message: the engine holds the acknowledgement until the message arrives.
  EXPECT_EQ(tracker_.record_ack(state(), {kIlOfficer, message_id(99)}, kSyAdmin, at).error().code,
            Errc::hotline_unknown_message);
  // None of the refusals changed anything; a legitimate acknowledgement still counts.
  EXPECT_TRUE(tracker_.find(m)->acks.empty());
  EXPECT_EQ(*tracker_.record_ack(state(), m, kSyAdmin, at), AckOutcome::recorded);
  EXPECT_EQ(tracker_.find(m)->acks.at("SY").device, kSyAdmin);
}

TEST_F(AckTrackerTest, AnyDeviceOfThePartyAndTheEarliestWinsWhateverTheOrder) {
  const MessageRef m = track(kIlOfficer, 1);
  AckTracker other = tracker_;
  ASSERT_TRUE(tracker_.record_ack(state(), m, kSyAdmin, kT0 + 2000).ok());
  ASSERT_TRUE(tracker_.record_ack(state(), m, kSyOfficer, kT0 + 1000).ok());
  ASSERT_TRUE(other.record_ack(state(), m, kSyOfficer, kT0 + 1000).ok());
  EXPECT_EQ(*other.record_ack(state(), m, kSyAdmin, kT0 + 2000), AckOutcome::already_acknowledged);
  EXPECT_EQ(tracker_.find(m)->acks, other.find(m)->acks);
  EXPECT_EQ(tracker_.find(m)->acks.at("SY"), (PartyAck{kSyOfficer, kT0 + 1000}));
}

TEST_F(AckTrackerTest, ReceiptsAreDistinctFromAcknowledgements) {
  const MessageRef m = track(kIlOfficer, 1, Precedence::flash);
  ASSERT_TRUE(tracker_.record_receipt(state(), m, kSyOfficer, kT0 + 10).ok());
  ASSERT_TRUE(tracker_.record_receipt(state(), m, kSup, kT0 + 20).ok());  // the supervisor reads: receipts are fine
  EXPECT_EQ(tracker_.record_receipt(state(), m, kIlOfficer, kT0).error().code, Errc::invalid_argument);
  EXPECT_EQ(tracker_.record_receipt(state(), m, {"mallory", 1}, kT0).error().code, Errc::hotline_not_reader);
  EXPECT_EQ(tracker_.find(m)->receipts.size(), 2u);
  // Delivered is not acknowledged: the deadline still passes.
  EXPECT_EQ(tracker_.poll_overdue(kT0 + 600'001).size(), 1u);
}

TEST_F(AckTrackerTest, ChannelsWithoutAckRequiredAreNotTracked) {
  cell_.commit({charter::SetChannelPolicy{kChannel, hotline_policy(true, false)}});
  auto outcome = tracker_.record_message(state(), {kIlOfficer, message_id(1)}, kT0, Precedence::flash);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(*outcome, TrackOutcome::not_required);
  EXPECT_EQ(tracker_.record_message(state(), {{"ghost", 1}, message_id(2)}, kT0, Precedence::flash)
                .error()
                .code,
            Errc::hotline_not_reader);
}

TEST_F(AckTrackerTest, DuplicatesAndPruning) {
  const MessageRef m = track(kIlOfficer, 1);
  EXPECT_EQ(*tracker_.record_message(state(), m, kT0 + 5, Precedence::flash), TrackOutcome::duplicate);
  EXPECT_EQ(tracker_.find(m)->sent_at, kT0);  // the first record stays
  track(kSyOfficer, 2, Precedence::routine, kT0 + 10);
  ASSERT_TRUE(tracker_.record_ack(state(), m, kSyOfficer, kT0 + 1).ok());
  EXPECT_EQ(tracker_.forget_settled(), 1u);
  EXPECT_EQ(tracker_.find(m), nullptr);
  EXPECT_EQ(tracker_.forget_before(kT0 + 11), 1u);
  EXPECT_TRUE(tracker_.messages().empty());
}

// The case: one member floods an ack_required channel; another member's FLASH after
// it is still tracked and goes overdue. The flood costs only the flooder.
TEST_F(AckTrackerTest, AFloodByOneMemberDoesNotDisableDeadlinesForAnother) {
  const MessageRef pending_sy = track(kSyOfficer, 1, Precedence::routine, kT0);
  std::size_t refused = 0;
  for (std::uint32_t n = 0; n < 70'000; ++n) {
    auto outcome = tracker_.record_message(state(), {kIlOfficer, message_id(100 + n)}, kT0 + n, Precedence::routine,
                                           kT0 + n);
    if (outcome) continue;
    ++refused;
    EXPECT_EQ(outcome.error().code, Errc::limit_exceeded);
    if (refused == 1) {
      EXPECT_NE(outcome.error().message.find(kIlOfficer.to_string()), std::string::npos) << outcome.error().message;
    }
  }
  EXPECT_EQ(refused, 70'000 - AckTracker::kMaxPerSender);
  EXPECT_EQ(tracker_.tracked_from(kIlOfficer), AckTracker::kMaxPerSender);
  EXPECT_NE(tracker_.find(pending_sy), nullptr) << "another member's pending entry is never evicted";

  const TimeMs later = kT0 + 80'000;
  auto flash = tracker_.record_message(state(), {kSyOfficer, message_id(2)}, later, Precedence::flash, later);
  ASSERT_TRUE(flash.ok()) << flash.error().to_string();
  EXPECT_EQ(*flash, TrackOutcome::tracked);
  auto overdue = tracker_.poll_overdue(later + 600'001);
  EXPECT_NE(std::find(overdue.begin(), overdue.end(), Overdue{{kSyOfficer, message_id(2)}, "IL", later + 600'000}),
            overdue.end());
}

TEST_F(AckTrackerTest, AFullSenderForgetsItsOwnSettledThenExpiredEntriesFirst) {
  for (std::uint32_t n = 0; n < AckTracker::kMaxPerSender; ++n) track(kIlOfficer, 100 + n, Precedence::routine, kT0 + n);
  const MessageRef other = track(kSyOfficer, 1);
  // SY acknowledges two of IL's messages: those two make room, the oldest-sent first.
  ASSERT_TRUE(tracker_.record_ack(state(), {kIlOfficer, message_id(105)}, kSyOfficer, kT0 + 50).ok());
  ASSERT_TRUE(tracker_.record_ack(state(), {kIlOfficer, message_id(103)}, kSyOfficer, kT0 + 60).ok());
  const TimeMs now = kT0 + 10'000;
  for (std::uint32_t n = 0; n < 2; ++n)
    ASSERT_TRUE(tracker_.record_message(state(), {kIlOfficer, message_id(20'000 + n)}, now, Precedence::routine, now).ok());
  EXPECT_EQ(tracker_.find({kIlOfficer, message_id(103)}), nullptr);
  EXPECT_EQ(tracker_.find({kIlOfficer, message_id(105)}), nullptr);
  EXPECT_NE(tracker_.find({kIlOfficer, message_id(100)}), nullptr) << "pending entries stay while settled ones remain";
  // Full of pending ones, within their deadlines: refused, for IL only.
  auto refused = tracker_.record_message(state(), {kIlOfficer, message_id(30'000)}, now, Precedence::routine, now);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::limit_exceeded);
  EXPECT_TRUE(tracker_.record_message(state(), {kSyOfficer, message_id(2)}, now, Precedence::routine, now).ok());
  // Once IL's earliest is more than a day past its deadline, it makes room (the oldest only).
  const TimeMs day_later = kT0 + 3'600'000 + AckTracker::kForgetAfterDeadlineMs + 1;
  ASSERT_TRUE(
      tracker_.record_message(state(), {kIlOfficer, message_id(30'001)}, day_later, Precedence::routine, day_later).ok());
  EXPECT_EQ(tracker_.find({kIlOfficer, message_id(100)}), nullptr);
  EXPECT_NE(tracker_.find({kIlOfficer, message_id(101)}), nullptr);
  EXPECT_NE(tracker_.find(other), nullptr);
  EXPECT_EQ(tracker_.tracked_from(kIlOfficer), AckTracker::kMaxPerSender);
}

TEST_F(AckTrackerTest, ExpiredEntriesAreForgottenByTimeAndHostileTimesDoNotOverflow) {
  const MessageRef old = track(kIlOfficer, 1, Precedence::flash, kT0);  // deadline kT0 + 10 min
  const MessageRef fresh = track(kSyOfficer, 2, Precedence::routine, kT0 + 86'400'000);
  const TimeMs deadline = kT0 + 600'000;
  EXPECT_EQ(tracker_.forget_expired(deadline + AckTracker::kForgetAfterDeadlineMs), 0u);  // late acks still shown
  EXPECT_EQ(tracker_.forget_expired(deadline + AckTracker::kForgetAfterDeadlineMs + 1), 1u);
  EXPECT_EQ(tracker_.find(old), nullptr);
  EXPECT_NE(tracker_.find(fresh), nullptr);
  EXPECT_EQ(tracker_.tracked_from(kIlOfficer), 0u);
  // Extreme clocks neither crash nor forget a live entry.
  EXPECT_EQ(tracker_.forget_expired(std::numeric_limits<TimeMs>::min()), 0u);
  auto odd = tracker_.record_message(state(), {kIlOfficer, message_id(3)}, std::numeric_limits<TimeMs>::min() / 2,
                                     Precedence::routine, std::numeric_limits<TimeMs>::max());
  EXPECT_TRUE(odd.ok());
}

}  // namespace
}  // namespace parley::hotline
