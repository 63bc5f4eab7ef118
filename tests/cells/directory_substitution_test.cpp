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

  auto adapter = pairwise::SignalStoreAdapter::create(*node(kIl).store);
  ASSERT_TRUE(adapter.ok());
  pairwise::Sessions sessions(**adapter);
  auto has = sessions.has_session(kSy);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has) << "a session was built on the substituted keys";
  EXPECT_TRUE(node(mallory).texts("intel").empty());
}

TEST_F(CellsTest, FirstMessageUnderAMembersAddressWithAnotherKeyIsRefused) {
  const CellId cell = make_seed_cell();
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
