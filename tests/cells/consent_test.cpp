// SPDX-License-Identifier: GPL-3.0-or-later
// Consent for new readers through real engines (docs/governance.md "Consent"): a supervisor
// that adds a reader of its own to a consent channel is refused by its own engine, and a
// commit it signs anyway and delivers is refused by every member; with the posting parties'
// co-signatures the same commit is applied by every member.
#include "charter/codec.hpp"
#include "cells_fixture.hpp"
#include "pairwise/sessions.hpp"

namespace parley::cells::test {
namespace {

const Address kSpy{"us_spy", 1};

class ConsentFlowTest : public CellsTest {
 protected:
  // The seed cell, with IL's and SY's officers made their parties' admins and intel asking for
  // consent. intel's posters are IL and SY.
  CellId make_consent_cell() {
    const CellId cell = make_seed_cell();
    add(kSpy);
    run();
    charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
    intel.consent = true;
    auto committed = node(kUs).engine->commit(cell,
                                              {charter::SetRole{"il_officer", charter::Role::party_admin},
                                               charter::SetRole{"sy_officer", charter::Role::party_admin},
                                               charter::SetChannelPolicy{"intel", intel}},
                                              now);
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
    run();
    return cell;
  }

  // What a supervisor build that skips its own checks would sign: the spy added to the cell.
  charter::SignedCommit spy_commit(const CellId& cell, const std::vector<Address>& co_signers) {
    const auto* log = node(kUs).engine->charter(cell);
    charter::Commit commit{cell, log->epoch() + 1, log->head(), kUs, now,
                           {charter::AddDevice{kSpy, "US", charter::Role::member, node(kSpy).identity_public()}}};
    auto signed_commit = charter::sign_commit(commit, (*node(kUs).store->local_identity())->identity_private);
    EXPECT_TRUE(signed_commit.ok());
    for (const Address& signer : co_signers) {
      auto co = charter::co_sign_commit(signed_commit->bytes, signer,
                                        (*node(signer).store->local_identity())->identity_private);
      EXPECT_TRUE(co.ok());
      signed_commit->co_signatures.push_back(*co);
    }
    return *signed_commit;
  }

  // Sends `commit` from the supervisor's address over its real pairwise sessions.
  void deliver_from_supervisor(const charter::SignedCommit& commit, const std::vector<Address>& to) {
    auto adapter = pairwise::SignalStoreAdapter::create(*node(kUs).store);
    ASSERT_TRUE(adapter.ok());
    pairwise::Sessions sessions(**adapter);
    for (const Address& member : to) {
      envelope::Content content;
      content.message_id.bytes.fill(static_cast<std::uint8_t>(++deliveries_));  // a fresh message each time
      content.kind = envelope::ContentKind::charter_commit;
      content.body = charter::encode_signed_commit(commit);
      auto sealed = sessions.encrypt(member, envelope::encode(content));
      ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
      relay.inject(kUs, member, envelope::encode(*sealed));
    }
    relay.push_all(inbox);
    run();
  }

  std::uint8_t deliveries_ = 0x20;
};

TEST_F(ConsentFlowTest, TheSupervisorsOwnEngineRefusesToAddAReaderWithoutConsent) {
  const CellId cell = make_consent_cell();
  const std::uint64_t epoch = node(kUs).engine->charter(cell)->epoch();
  const std::size_t sent_before = relay.captured().size();
  auto committed = node(kUs).engine->commit(
      cell, {charter::AddDevice{kSpy, "US", charter::Role::member, node(kSpy).identity_public()}}, now);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, Errc::charter_consent_missing);
  EXPECT_NE(committed.error().message.find("missing: IL, SY"), std::string::npos) << committed.error().to_string();
  run();
  EXPECT_EQ(relay.captured().size(), sent_before) << "nothing of a refused commit leaves the device";
  for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade}) EXPECT_EQ(node(a).engine->charter(cell)->epoch(), epoch);
  EXPECT_TRUE(node(kSpy).engine->cells().empty());
}

TEST_F(ConsentFlowTest, ASupervisorSignedCommitWithoutConsentIsRefusedByEveryMemberAndWithItAcceptedByAll) {
  const CellId cell = make_consent_cell();
  const std::uint64_t epoch = node(kUs).engine->charter(cell)->epoch();
  const std::vector<Address> members = {kIl, kSy, kSy2, kTrade};

  // Signed by the supervisor, co-signed by IL only: SY's consent is missing.
  deliver_from_supervisor(spy_commit(cell, {kIl}), members);
  for (const Address& a : members) {
    EXPECT_EQ(node(a).engine->charter(cell)->epoch(), epoch) << a.to_string();
    EXPECT_FALSE(node(a).engine->charter(cell)->state().devices.count(kSpy)) << a.to_string();
    auto alerts = node(a).all<SecurityAlert>();
    ASSERT_EQ(alerts.size(), 1u) << a.to_string();
    EXPECT_EQ(alerts[0].error.code, Errc::charter_consent_missing) << alerts[0].error.to_string();
    EXPECT_EQ(alerts[0].sender, kUs);
  }
  post(kIl, cell, "intel", "after the refused commit");
  EXPECT_TRUE(node(kSpy).texts("intel").empty());

  // The same commit with both posting parties' co-signatures: applied by every member.
  deliver_from_supervisor(spy_commit(cell, {kIl, kSy}), members);
  for (const Address& a : members) {
    EXPECT_EQ(node(a).engine->charter(cell)->epoch(), epoch + 1) << a.to_string();
    EXPECT_TRUE(node(a).engine->charter(cell)->state().devices.count(kSpy)) << a.to_string();
    EXPECT_EQ(node(a).all<SecurityAlert>().size(), 1u) << a.to_string();
  }
}

}  // namespace
}  // namespace parley::cells::test
