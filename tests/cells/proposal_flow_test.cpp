// SPDX-License-Identifier: GPL-3.0-or-later
// Party admins propose, supervisors decide: a proposal changes no charter until a supervisor
// device accepts it, and one outside the admin's party, from a non-admin, or relayed by
// another device is refused.
#include "charter/codec.hpp"
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

const Address kIlAnalyst{"il_analyst", 1};

class ProposalTest : public CellsTest {
 protected:
  CellId cell_with_il_admin() {
    const CellId cell = make_seed_cell();
    EXPECT_TRUE(node(kUs).engine->commit(cell, {charter::SetRole{"il_officer", charter::Role::party_admin}}, now).ok());
    run();
    add(kIlAnalyst);
    run();
    return cell;
  }

  charter::AddDevice analyst_in(const std::string& party) {
    return charter::AddDevice{kIlAnalyst, party, charter::Role::member, node(kIlAnalyst).identity_public()};
  }

  Bytes signed_by(const Address& signer, const CellId& cell, charter::Operation op) {
    const auto* log = node(signer).engine->charter(cell);
    charter::ProposalBody body{cell, log->epoch(), signer, now, {std::move(op)}};
    auto proposal = charter::sign_proposal(body, (*node(signer).store->local_identity())->identity_private);
    EXPECT_TRUE(proposal.ok());
    return charter::encode_signed_proposal(*proposal);
  }
};

TEST_F(ProposalTest, ChangesNothingUntilTheSupervisorAccepts) {
  const CellId cell = cell_with_il_admin();
  auto id = node(kIl).engine->propose(cell, {analyst_in("IL")}, now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  auto received = node(kUs).all<ProposalReceived>();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].id, *id);
  EXPECT_EQ(received[0].proposer, kIl);
  ASSERT_EQ(received[0].changes.add.size(), 1u);
  EXPECT_EQ(received[0].changes.add[0].device, kIlAnalyst);
  EXPECT_EQ(received[0].changes.add[0].party, "IL");
  for (const Address& a : {kUs, kIl, kSy}) EXPECT_EQ(node(a).engine->charter(cell)->epoch(), 3u) << a.to_string();
  EXPECT_EQ(node(kIlAnalyst).engine->charter(cell), nullptr);

  ASSERT_TRUE(node(kUs).engine->accept_proposal(cell, *id, now).ok());
  run();
  for (const Address& a : {kUs, kIl, kSy, kIlAnalyst}) {
    ASSERT_NE(node(a).engine->charter(cell), nullptr) << a.to_string();
    EXPECT_EQ(node(a).engine->charter(cell)->epoch(), 4u) << a.to_string();
  }
  EXPECT_EQ(node(kUs).engine->accept_proposal(cell, *id, now).error().code, Errc::store_not_found);
}

TEST_F(ProposalTest, RejectedProposalIsForgotten) {
  const CellId cell = cell_with_il_admin();
  auto id = node(kIl).engine->propose(cell, {analyst_in("IL")}, now);
  ASSERT_TRUE(id.ok());
  run();
  ASSERT_TRUE(node(kUs).engine->reject_proposal(cell, *id).ok());
  EXPECT_EQ(node(kUs).engine->accept_proposal(cell, *id, now).error().code, Errc::store_not_found);
  run();
  EXPECT_EQ(node(kIlAnalyst).engine->charter(cell), nullptr);
}

TEST_F(ProposalTest, OnlyAPartyAdminProposesAndOnlyForItsOwnParty) {
  const CellId cell = cell_with_il_admin();
  EXPECT_EQ(node(kIl).engine->propose(cell, {analyst_in("SY")}, now).error().code, Errc::charter_not_authorized);
  EXPECT_EQ(node(kSy).engine->propose(cell, {analyst_in("SY")}, now).error().code, Errc::charter_not_authorized);
  EXPECT_EQ(node(kIl).engine->propose(cell, {charter::RemoveDevice{kSy}}, now).error().code,
            Errc::charter_not_authorized);
  // Crafted past the local check, the supervisor refuses them the same way.
  send_control(kIl, kUs, envelope::ContentKind::proposal, signed_by(kIl, cell, analyst_in("SY")));
  send_control(kSy, kUs, envelope::ContentKind::proposal, signed_by(kSy, cell, analyst_in("SY")));
  run();
  EXPECT_TRUE(node(kUs).all<ProposalReceived>().empty());
  auto alerts = node(kUs).all<SecurityAlert>();
  ASSERT_EQ(alerts.size(), 2u);
  for (const auto& a : alerts) EXPECT_EQ(a.error.code, Errc::charter_not_authorized);
}

// The SY officer forwards a proposal the IL admin signed: the supervisor accepts proposals
// only from the device that signed them.
TEST_F(ProposalTest, ProposalRelayedByAnotherDeviceIsRefused) {
  const CellId cell = cell_with_il_admin();
  send_control(kSy, kUs, envelope::ContentKind::proposal, signed_by(kIl, cell, analyst_in("IL")));
  run();
  EXPECT_TRUE(node(kUs).all<ProposalReceived>().empty());
  auto alerts = node(kUs).all<SecurityAlert>();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].error.code, Errc::charter_not_authorized);
  EXPECT_EQ(alerts[0].sender, kSy);
}

}  // namespace
}  // namespace parley::cells::test
