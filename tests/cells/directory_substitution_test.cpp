// SPDX-License-Identifier: GPL-3.0-or-later
// A malicious relay directory serving an attacker's keys for a cell member: the charter's
// supervisor-signed identity key wins, so no session (and no channel key) goes to the attacker.
#include "cells_fixture.hpp"
#include "pairwise/sessions.hpp"

namespace parley::cells::test {
namespace {

TEST_F(CellsTest, RelaySubstitutedBundleForACellMemberIsRefused) {
  const CellId cell = make_seed_cell();
  const Address mallory{"mallory", 1};
  add(mallory);
  run();
  relay.impersonate[kSy] = mallory;  // from now on, "sy_officer.1" bundles carry mallory's keys

  auto id = node(kIl).engine->post(cell, "intel", "for SY eyes only", now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();

  bool refused = false;
  for (const auto& failed : node(kIl).all<SendFailed>())
    refused |= failed.recipient == kSy && failed.error.code == Errc::untrusted_identity;
  EXPECT_TRUE(refused) << "the officer accepted a bundle whose identity key contradicts the charter";

  // SY, holding an envelope without its key, asks IL for it over a session SY builds on
  // IL's genuine bundle; whatever IL trusts for SY must be SY's own key, never mallory's.
  auto trusted = node(kIl).store->identity_load(kSy);
  ASSERT_TRUE(trusted.ok());
  if (trusted->has_value()) {
    EXPECT_EQ(**trusted, node(kSy).identity_public()) << "a session was built on the substituted keys";
  }
  EXPECT_TRUE(node(mallory).texts("intel").empty());
}

TEST_F(CellsTest, FirstMessageUnderAMembersAddressWithAnotherKeyIsRefused) {
  make_seed_cell();
  const Address mallory{"mallory", 1};
  add(mallory);
  run();
  // Mallory opens a session to the IL officer; the relay re-labels it as sent by sy_officer.1.
  ASSERT_TRUE(node(mallory).engine->send_text(kIl, "I am the SY officer", now).ok());
  run();
  node(kIl).events.clear();
  for (const auto& c : relay.captured())
    if (c.sender == mallory) relay.inject(kSy, kIl, c.payload);
  relay.push_all(inbox);
  run();

  for (const auto& m : node(kIl).all<MessageReceived>())
    EXPECT_NE(m.sender, kSy) << "accepted a message under sy_officer.1 signed by another identity key";
  bool refused = false;
  for (const auto& f : node(kIl).all<DecryptFailed>())
    refused |= f.sender == kSy && f.error.code == Errc::untrusted_identity;
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace parley::cells::test
