// SPDX-License-Identifier: GPL-3.0-or-later
// Security labels through real engines (docs/governance.md "Security labels"): a device whose
// clearance is below a channel's label never holds the channel's key, also when the relay
// hands it every envelope; cleared later, it reads what is posted from then on.
#include "cells_fixture.hpp"
#include "pairwise/sender_keys.hpp"

namespace parley::cells::test {
namespace {

class LabelsFlowTest : public CellsTest {
 protected:
  // The seed cell with intel labelled SECRET; IL's and SY's officers cleared SECRET, the SY
  // analyst only RESTRICTED (the grants still give it intel), the supervisor SECRET.
  CellId make_labelled_cell() {
    const CellId cell = make_seed_cell();
    charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
    intel.label = "SECRET";
    auto committed = node(kUs).engine->commit(
        cell,
        {charter::SetLevels{{"UNCLASSIFIED", "RESTRICTED", "SECRET"}}, charter::SetClearance{kIl, "SECRET"},
         charter::SetClearance{kSy, "SECRET"}, charter::SetClearance{kSy2, "RESTRICTED"},
         charter::SetClearance{kUs, "SECRET"}, charter::SetChannelPolicy{"intel", intel}},
        now);
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
    run();
    return cell;
  }

  bool holds_intel_key(const Address& holder, const CellId& cell, const Address& poster) {
    auto adapter = pairwise::SignalStoreAdapter::create(*node(holder).store);
    EXPECT_TRUE(adapter.ok());
    pairwise::SenderKeys keys(**adapter);
    for (std::uint32_t generation = 1; generation <= 4; ++generation) {
      auto has = keys.has_key({group_id(cell, "intel", generation), poster});
      EXPECT_TRUE(has.ok());
      if (has.ok() && *has) return true;
    }
    return false;
  }
};

TEST_F(LabelsFlowTest, ADeviceBelowTheLabelNeverHoldsTheKeyAndReadsOnceCleared) {
  const CellId cell = make_labelled_cell();
  post(kIl, cell, "intel", "grid 4471 at dawn");
  EXPECT_EQ(count_text(node(kSy), "intel", "grid 4471 at dawn"), 1u);
  EXPECT_EQ(count_text(node(kUs), "intel", "grid 4471 at dawn"), 1u);
  EXPECT_TRUE(node(kSy2).texts("intel").empty());
  EXPECT_FALSE(holds_intel_key(kSy2, cell, kIl)) << "RESTRICTED does not reach SECRET";
  replay_everything_to(kSy2);
  EXPECT_TRUE(node(kSy2).texts("intel").empty());

  // Cleared now: the next post reaches it, the one before stays out of reach.
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetClearance{kSy2, "SECRET"}}, now).ok());
  run();
  post(kIl, cell, "intel", "grid 4472 at noon");
  EXPECT_EQ(count_text(node(kSy2), "intel", "grid 4472 at noon"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "grid 4471 at dawn"), 0u);

  // Lowered again: the poster rekeys, and the device reads nothing posted after.
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetClearance{kSy2, "RESTRICTED"}}, now).ok());
  run();
  post(kSy, cell, "intel", "grid 4473 at dusk");
  EXPECT_EQ(count_text(node(kIl), "intel", "grid 4473 at dusk"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "grid 4473 at dusk"), 0u);
  replay_everything_to(kSy2);
  EXPECT_EQ(count_text(node(kSy2), "intel", "grid 4473 at dusk"), 0u);
}

TEST_F(LabelsFlowTest, AnUnclearedDeviceHasNoPostRight) {
  const CellId cell = make_labelled_cell();
  // SY's analyst has a POST grant (party SY) but no READ through the label: its engine refuses.
  auto posted = node(kSy2).engine->post(cell, "intel", "from below the line", now);
  ASSERT_FALSE(posted.ok());
  EXPECT_EQ(posted.error().code, Errc::cell_permission_denied);
}

}  // namespace
}  // namespace parley::cells::test
