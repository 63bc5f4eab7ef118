// SPDX-License-Identifier: GPL-3.0-or-later
// The charter rules a received channel post passes (channels/acceptance.hpp), driven directly:
// a real signed charter, posts built by hand, one rule broken at a time.
#include <gtest/gtest.h>

#include "channels/acceptance.hpp"
#include "channels/attestation.hpp"
#include "charter/charter_fixture.hpp"

namespace parley::channels {
namespace {

using namespace charter::test;

class AcceptanceTest : public ::testing::Test {
 protected:
  cells::ChannelMessage post_by(const charter::CellState& state, std::string channel = "intel") const {
    cells::ChannelMessage m;
    m.cell_id = state.cell_id;
    m.channel = std::move(channel);
    m.epoch = state.epoch;
    m.head = state.head;
    m.message_id.bytes[0] = 7;
    m.body = {'h', 'i'};
    return m;
  }
  Judgement judge(const charter::CharterLog& log, const Address& sender, const cells::ChannelMessage& m,
                  bool fresh = true) {
    const charter::CellState* then = m.epoch == log.epoch() ? &log.state() : states_.count(m.epoch) ? &states_[m.epoch] : nullptr;
    return judge_received(CellAtReceipt{log, then, fresh, kIlAdmin}, sender, m);
  }
  // Remembers the state at its epoch, for posts that name it later.
  void remember(const charter::CellState& state) { states_[state.epoch] = state; }

  static Errc code_of(const Judgement& j) {
    if (!j.event) return Errc::ok;
    if (auto* d = std::get_if<PermissionDenied>(&*j.event)) return d->error.code;
    if (auto* a = std::get_if<SecurityAlert>(&*j.event)) return a->error.code;
    if (auto* f = std::get_if<DecryptFailed>(&*j.event)) return f->error.code;
    return Errc::internal;
  }

  Keys keys_;
  TestCell cell_{keys_};
  std::map<std::uint64_t, charter::CellState> states_;
};

TEST_F(AcceptanceTest, APosterOfTheChannelAtTheCurrentEpochIsAccepted) {
  auto log = log_from(cell_.chain(), cell_.chain().size());
  const auto j = judge(log, kSyOfficer, post_by(cell_.state()));
  EXPECT_EQ(j.verdict, Verdict::accept);
  EXPECT_FALSE(j.event);
}

TEST_F(AcceptanceTest, AnObserverIsRefusedAsNotAPoster) {
  auto log = log_from(cell_.chain(), cell_.chain().size());
  const auto j = judge(log, kIlObserver, post_by(cell_.state()));
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::cell_permission_denied);
}

TEST_F(AcceptanceTest, AnEpochNotHeldYetWaitsAndAsksTheSenderAndASupervisor) {
  auto log = log_from(cell_.chain(), cell_.chain().size());
  auto m = post_by(cell_.state());
  m.epoch = log.epoch() + 3;
  const auto j = judge(log, kSyOfficer, m);
  EXPECT_EQ(j.verdict, Verdict::later);
  ASSERT_EQ(j.resync_from.size(), 2u);
  EXPECT_EQ(j.resync_from[0], std::make_pair(kSyOfficer, log.epoch() + 1));
  EXPECT_TRUE(log.state().is_supervisor_device(j.resync_from[1].first));
}

TEST_F(AcceptanceTest, AHeadThisDeviceDidNotApplyIsAnAlertAndAsksTheSender) {
  auto log = log_from(cell_.chain(), cell_.chain().size());
  auto m = post_by(cell_.state());
  m.head[0] ^= 1;
  const auto j = judge(log, kSyOfficer, m);
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::cell_equivocation);
  ASSERT_EQ(j.resync_from.size(), 1u);
  EXPECT_EQ(j.resync_from[0], std::make_pair(kSyOfficer, m.epoch));
}

TEST_F(AcceptanceTest, AnEpochOutsideTheFreshnessWindowIsRefusedAsStale) {
  remember(cell_.state());
  const auto old = post_by(cell_.state());
  cell_.commit({charter::RemoveDevice{kIlTrade}});
  auto log = log_from(cell_.chain(), cell_.chain().size());
  EXPECT_EQ(judge(log, kSyOfficer, old, /*fresh=*/true).verdict, Verdict::accept);
  const auto j = judge(log, kSyOfficer, old, /*fresh=*/false);
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::cell_epoch_stale);
}

TEST_F(AcceptanceTest, ARemovedPosterIsRefusedEvenUnderTheEpochItCouldPostAt) {
  remember(cell_.state());
  const auto old = post_by(cell_.state());
  cell_.commit({charter::RemoveDevice{kSyOfficer}});
  auto log = log_from(cell_.chain(), cell_.chain().size());
  const auto j = judge(log, kSyOfficer, old);
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::cell_permission_denied);
}

TEST_F(AcceptanceTest, AnOldEpochDoesNotEscapeAttestationTheChannelHasNow) {
  remember(cell_.state());
  const auto old = post_by(cell_.state());  // unsigned: the channel was not attested then
  auto policy = cell_.state().channels.at("intel").policy;
  policy.attested = true;
  cell_.commit({charter::SetChannelPolicy{"intel", policy}});
  auto log = log_from(cell_.chain(), cell_.chain().size());
  const auto j = judge(log, kSyOfficer, old);
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::hotline_not_attested);

  // Signed under the sender's charter key, the same post passes.
  auto signed_post = old;
  ASSERT_TRUE(attest(log.state(), kSyOfficer, keys_.priv(kSyOfficer), signed_post).ok());
  EXPECT_EQ(judge(log, kSyOfficer, signed_post).verdict, Verdict::accept);
  // Signed by another key: refused.
  auto forged = old;
  ASSERT_TRUE(attest(log.state(), kSyOfficer, keys_.priv(kIlOfficer), forged).ok());
  EXPECT_EQ(code_of(judge(log, kSyOfficer, forged)), Errc::invalid_signature);
}

TEST_F(AcceptanceTest, AnOldEpochDoesNotEscapeAcknowledgementsTheChannelAsksNow) {
  remember(cell_.state());
  const auto old = post_by(cell_.state());
  auto policy = cell_.state().channels.at("intel").policy;
  policy.ack_required = true;
  policy.ack_deadline_seconds = 60;
  cell_.commit({charter::SetChannelPolicy{"intel", policy}});
  auto log = log_from(cell_.chain(), cell_.chain().size());
  const auto j = judge(log, kSyOfficer, old);
  EXPECT_EQ(j.verdict, Verdict::refused);
  EXPECT_EQ(code_of(j), Errc::cell_epoch_stale);
  // The same post under the current epoch is fine.
  EXPECT_EQ(judge(log, kSyOfficer, post_by(log.state())).verdict, Verdict::accept);
}

}  // namespace
}  // namespace parley::channels
