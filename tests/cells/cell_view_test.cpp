// SPDX-License-Identifier: GPL-3.0-or-later
// A view of a cell (parley::CellView, cells/cell_view.hpp): what the supervisor, a member, a
// read-only member and a removed member see, the genesis and supervisor fingerprint a member
// compares out of band, and the proposals waiting on the supervisor.
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

const Address kIlAnalyst{"il_analyst", 1};

CellView view_of(Node& n, const CellId& cell) {
  auto view = n.engine->cell_view(cell);
  EXPECT_TRUE(view.ok()) << n.address.to_string() << ": " << view.error().to_string();
  return view.ok() ? std::move(*view) : CellView{};
}

const CellChannelView* channel(const CellView& view, std::string_view name) {
  for (const auto& c : view.channels)
    if (c.name == name) return &c;
  return nullptr;
}

const CellMemberView* member(const CellView& view, std::string_view user) {
  for (const auto& m : view.members)
    if (m.user == user) return &m;
  return nullptr;
}

TEST_F(CellsTest, CellViewOfTheSupervisor) {
  const CellId cell = make_seed_cell();
  const CellView view = view_of(node(kUs), cell);
  EXPECT_EQ(view.id, cell);
  EXPECT_EQ(view.name, "IL-SY coordination");
  EXPECT_EQ(view.epoch, 2u);
  EXPECT_EQ(view.party, std::optional<std::string>("US"));
  EXPECT_EQ(view.role, std::optional<CellRole>(CellRole::supervisor));
  EXPECT_EQ(view.supervisor_party, "US");
  EXPECT_EQ(view.parties, (std::vector<std::string>{"IL", "SY", "US"}));

  // The supervisor fingerprint is the supervisor device's own anchor, digits included.
  auto anchor = node(kUs).engine->supervisor_anchor();
  ASSERT_TRUE(anchor.ok());
  EXPECT_EQ(view.supervisor_fingerprint, anchor->value);
  EXPECT_EQ(view.supervisor_fingerprint_digits, fingerprint_digits(anchor->value));

  ASSERT_EQ(view.members.size(), 5u);
  const CellMemberView* officer = member(view, "il_officer");
  ASSERT_NE(officer, nullptr);
  EXPECT_EQ(officer->party, "IL");
  EXPECT_EQ(officer->role, CellRole::member);
  ASSERT_EQ(officer->devices.size(), 1u);
  EXPECT_EQ(officer->devices[0].address, kIl);
  EXPECT_EQ(officer->devices[0].identity_key, node(kIl).identity_public());
  EXPECT_EQ(officer->devices[0].identity_fingerprint, *identity_fingerprint(node(kIl).identity_public()));
  ASSERT_NE(member(view, "us_sup"), nullptr);
  EXPECT_EQ(member(view, "us_sup")->role, CellRole::supervisor);

  // The template's four channels; intel restricted by make_seed_cell: the supervisor's party
  // reads it and does not post.
  ASSERT_EQ(view.channels.size(), 4u);
  const CellChannelView* intel = channel(view, "intel");
  ASSERT_NE(intel, nullptr);
  EXPECT_FALSE(intel->archived);
  EXPECT_TRUE(intel->can_read);
  EXPECT_FALSE(intel->can_post);
  EXPECT_EQ(intel->policy.read.size(), 3u);
  EXPECT_EQ(intel->policy.post.size(), 2u);
  EXPECT_TRUE(view.pending_proposals.empty());
}

TEST_F(CellsTest, CellViewGenesisIsTheJoinAnchorOnEveryDevice) {
  const CellId cell = make_seed_cell();
  auto anchor = node(kUs).engine->join_anchor(cell);
  ASSERT_TRUE(anchor.ok());
  auto supervisor = node(kUs).engine->supervisor_anchor();
  ASSERT_TRUE(supervisor.ok());
  for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade}) {
    const CellView view = view_of(node(a), cell);
    EXPECT_EQ(view.genesis, anchor->value) << a.to_string();
    EXPECT_EQ(view.supervisor_fingerprint, supervisor->value) << a.to_string();
    auto own = node(a).engine->join_anchor(cell);
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(view.genesis, own->value) << a.to_string();
  }
}

TEST_F(CellsTest, CellViewOfAMemberWithoutIntel) {
  const CellId cell = make_seed_cell();
  const CellView view = view_of(node(kTrade), cell);
  EXPECT_EQ(view.party, std::optional<std::string>("IL"));
  EXPECT_EQ(view.role, std::optional<CellRole>(CellRole::member));
  const CellChannelView* intel = channel(view, "intel");
  ASSERT_NE(intel, nullptr);
  EXPECT_FALSE(intel->can_read);
  EXPECT_FALSE(intel->can_post);
  const CellChannelView* commercial = channel(view, "commercial");
  ASSERT_NE(commercial, nullptr);
  EXPECT_TRUE(commercial->can_read);
  EXPECT_TRUE(commercial->can_post);
  EXPECT_TRUE(view.pending_proposals.empty());
}

TEST_F(CellsTest, CellViewOfAMemberThatReadsButMayNotPost) {
  const CellId cell = make_seed_cell();
  charter::ChannelPolicy diplomatic;
  diplomatic.read = {charter::Grant::for_party("IL"), charter::Grant::for_party("SY"), charter::Grant::for_party("US")};
  diplomatic.post = {charter::Grant::for_user("il_officer"), charter::Grant::for_user("sy_officer")};
  diplomatic.ack_required = true;
  diplomatic.ack_deadline_seconds = 3600;
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"diplomatic", diplomatic}}, now).ok());
  run();
  const CellView analyst = view_of(node(kSy2), cell);
  EXPECT_EQ(analyst.epoch, 3u);
  const CellChannelView* seen = channel(analyst, "diplomatic");
  ASSERT_NE(seen, nullptr);
  EXPECT_TRUE(seen->can_read);
  EXPECT_FALSE(seen->can_post);
  EXPECT_TRUE(seen->policy.ack_required);
  EXPECT_EQ(seen->policy.ack_deadline_seconds, 3600u);
  ASSERT_EQ(seen->policy.post.size(), 2u);
  EXPECT_EQ(seen->policy.post[0].kind, CellGrant::Kind::user);
  EXPECT_EQ(seen->policy.post[0].name, "il_officer");
  // And the engine agrees: the post is refused locally.
  EXPECT_EQ(node(kSy2).engine->post(cell, "diplomatic", "x", now).error().code, Errc::cell_permission_denied);
  const CellView officer = view_of(node(kSy), cell);
  EXPECT_TRUE(channel(officer, "diplomatic")->can_post);
}

TEST_F(CellsTest, CellViewOfARemovedMember) {
  const CellId cell = make_seed_cell();
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  run();
  const CellView removed = view_of(node(kTrade), cell);
  EXPECT_EQ(removed.epoch, 3u);
  EXPECT_FALSE(removed.party.has_value());
  EXPECT_FALSE(removed.role.has_value());
  EXPECT_EQ(member(removed, "il_trade"), nullptr);
  for (const auto& c : removed.channels) {
    EXPECT_FALSE(c.can_read) << c.name;
    EXPECT_FALSE(c.can_post) << c.name;
  }
  const CellView supervisor = view_of(node(kUs), cell);
  EXPECT_EQ(member(supervisor, "il_trade"), nullptr);
  EXPECT_EQ(supervisor.members.size(), 4u);
  EXPECT_EQ(removed.genesis, supervisor.genesis);
}

TEST_F(CellsTest, CellViewShowsPendingProposalsOnTheSupervisorOnly) {
  const CellId cell = make_seed_cell();
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetRole{"il_officer", charter::Role::party_admin}}, now).ok());
  run();
  add(kIlAnalyst);
  run();
  auto id = node(kIl).engine->propose(
      cell, {charter::AddDevice{kIlAnalyst, "IL", charter::Role::member, node(kIlAnalyst).identity_public()},
             charter::RemoveDevice{kTrade}},
      now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();

  const CellView supervisor = view_of(node(kUs), cell);
  ASSERT_EQ(supervisor.pending_proposals.size(), 1u);
  const PendingProposalView& pending = supervisor.pending_proposals[0];
  EXPECT_EQ(pending.id, *id);
  EXPECT_EQ(pending.proposer, kIl);
  EXPECT_EQ(pending.base_epoch, 3u);
  ASSERT_EQ(pending.changes.add.size(), 1u);
  EXPECT_EQ(pending.changes.add[0].device, kIlAnalyst);
  ASSERT_EQ(pending.changes.remove.size(), 1u);
  EXPECT_EQ(pending.summary, "add IL il_analyst.1 (member); remove IL il_trade.1");

  const CellView admin = view_of(node(kIl), cell);
  EXPECT_EQ(admin.role, std::optional<CellRole>(CellRole::party_admin));
  EXPECT_TRUE(admin.pending_proposals.empty());

  ASSERT_TRUE(node(kUs).engine->accept_proposal(cell, *id, now).ok());
  run();
  EXPECT_TRUE(view_of(node(kUs), cell).pending_proposals.empty());
  EXPECT_NE(member(view_of(node(kUs), cell), "il_analyst"), nullptr);
}

TEST_F(CellsTest, CellViewOfAnUnknownCell) {
  add(kUs);
  CellId unknown{};
  unknown[0] = 7;
  EXPECT_EQ(node(kUs).engine->cell_view(unknown).error().code, Errc::cell_unknown);
  auto all = node(kUs).engine->cell_views();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

}  // namespace
}  // namespace parley::cells::test
