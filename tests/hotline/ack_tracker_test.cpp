// SPDX-License-Identifier: GPL-3.0-or-later
// Acknowledgements: who must acknowledge, deadlines on a virtual clock, overdue exactly once,
// forged acknowledgements refused with a typed reason, order independence.
#include "hotline/ack_tracker.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace parley::hotline
