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

}  // namespace
}  // namespace parley::cells::test
