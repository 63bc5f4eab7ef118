// SPDX-License-Identifier: GPL-3.0-or-later
// Party admins propose; only supervisors commit.
#include "charter/proposal.hpp"

#include <gtest/gtest.h>

#include "charter/codec.hpp"
#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

class ProposalTest : public ::testing::Test {
 protected:
  Keys keys;
  TestCell cell{keys};

  Proposal propose(std::vector<Operation> ops, const Address& proposer = kIlAdmin) {
    ProposalBody body{cell.state().cell_id, cell.state().epoch, proposer, 1'700'000'000'000, std::move(ops)};
    return must(sign_proposal(body, keys.priv(proposer)));
  }
  void expect_denied(const Proposal& proposal, Errc code, std::string_view needle = {}) {
    auto result = validate_proposal(cell.state(), proposal);
    ASSERT_FALSE(result.ok()) << "proposal was accepted";
    EXPECT_EQ(result.error().code, code) << result.error().to_string();
    if (!needle.empty()) {
      EXPECT_NE(result.error().message.find(needle), std::string::npos) << result.error().to_string();
    }
  }
};

TEST_F(ProposalTest, AdminProposalWithinItsPartyValidatesAndBecomesACommit) {
  const Address newcomer{"il_new", 1};
  auto proposal = propose({add(newcomer, "IL", Role::member, keys), add({"il_new", 2}, "IL", std::nullopt, keys),
                           add({"il_admin", 2}, "IL", std::nullopt, keys), SetRole{"il_obs", Role::member},
                           SetRole{"il_new", Role::observer}, RemoveDevice{kIlTrade}});
  auto body = validate_proposal(cell.state(), proposal);
  ASSERT_TRUE(body.ok()) << body.error().to_string();
  // The transport form round-trips.
  EXPECT_EQ(must(decode_signed_proposal(encode_signed_proposal(proposal))), proposal);
  // The supervisor commits it; every device applies it like any commit.
  auto commit = commit_from_proposal(cell.state(), *body, kSup, 1'700'000'000'500);
  EXPECT_EQ(commit.epoch, 2u);
  EXPECT_EQ(commit.prev_hash, cell.state().head);
  cell.commit(commit.operations);
  EXPECT_EQ(cell.state().users.at("il_new"), (UserRecord{"IL", Role::observer}));
  EXPECT_FALSE(cell.state().devices.contains(kIlTrade));
  EXPECT_EQ(cell.state().users.at("il_obs").role, Role::member);
}

TEST_F(ProposalTest, TouchingAnotherPartyIsRejected) {
  expect_denied(propose({add({"sy_new", 1}, "SY", Role::member, keys)}), Errc::charter_not_authorized, "party SY");
  expect_denied(propose({RemoveDevice{kSyOfficer}}), Errc::charter_not_authorized, "belongs to party SY");
  expect_denied(propose({SetRole{"sy_officer", Role::observer}}), Errc::charter_not_authorized, "party SY");
  expect_denied(propose({RemoveDevice{kSup2}}), Errc::charter_not_authorized);
  // A device for an existing IL user claimed under another party.
  expect_denied(propose({add({"sy_officer", 2}, "IL", std::nullopt, keys)}), Errc::charter_not_authorized,
                "belongs to party SY");
  // One bad operation spoils the proposal.
  expect_denied(propose({add({"il_ok", 1}, "IL", Role::member, keys), RemoveDevice{kSyAdmin}}),
                Errc::charter_not_authorized, "operation 1");
}

TEST_F(ProposalTest, AdminsCannotGrantPowerOrTouchChannels) {
  expect_denied(propose({add({"il_boss", 1}, "IL", Role::party_admin, keys)}), Errc::charter_not_authorized);
  expect_denied(propose({SetRole{"il_officer", Role::party_admin}}), Errc::charter_not_authorized);
  expect_denied(propose({SetRole{"il_officer", Role::supervisor}}), Errc::charter_not_authorized);
  expect_denied(propose({CreateChannel{"il_only", "IL"}}), Errc::charter_not_authorized, "only AddDevice");
  expect_denied(propose({ArchiveChannel{"intel"}}), Errc::charter_not_authorized);
  expect_denied(propose({SetChannelPolicy{"intel", {}}}), Errc::charter_not_authorized);
  // CreateCell cannot even be encoded into a proposal.
  ProposalBody body{cell.state().cell_id, 1, kIlAdmin, 0, {CreateCell{"x", "il_admin", "IL"}}};
  EXPECT_EQ(sign_proposal(body, keys.priv(kIlAdmin)).error().code, Errc::invalid_argument);
}

TEST_F(ProposalTest, OnlyPartyAdminsPropose) {
  expect_denied(propose({add({"il_x", 1}, "IL", Role::member, keys)}, kIlOfficer), Errc::charter_not_authorized,
                "only party admins");
  expect_denied(propose({add({"il_x", 1}, "IL", Role::member, keys)}, kSup), Errc::charter_not_authorized);
  expect_denied(propose({add({"il_x", 1}, "IL", Role::member, keys)}, {"stranger", 1}), Errc::charter_not_authorized,
                "not a device");
  // A removed admin no longer proposes.
  cell.commit({RemoveDevice{kIlAdmin}});
  expect_denied(propose({add({"il_x", 1}, "IL", Role::member, keys)}), Errc::charter_not_authorized);
}

TEST_F(ProposalTest, SignatureCellAndEpochAreChecked) {
  Proposal forged = propose({add({"il_x", 1}, "IL", Role::member, keys)});
  forged.signature[1] ^= 1;
  expect_denied(forged, Errc::invalid_signature);
  ProposalBody body{cell.state().cell_id, 1, kIlAdmin, 0, {add({"il_x", 1}, "IL", Role::member, keys)}};
  expect_denied(must(sign_proposal(body, keys.priv(kSyAdmin))), Errc::invalid_signature);
  body.cell_id[0] ^= 1;
  expect_denied(must(sign_proposal(body, keys.priv(kIlAdmin))), Errc::charter_wrong_cell);
  body.cell_id[0] ^= 1;
  body.base_epoch = 9;
  expect_denied(must(sign_proposal(body, keys.priv(kIlAdmin))), Errc::charter_out_of_order);
  // A commit's bytes are not a proposal.
  expect_denied(Proposal{cell.chain()[0].bytes, cell.chain()[0].signature}, Errc::malformed_frame, "identifier");
}

}  // namespace
}  // namespace parley::charter::test
