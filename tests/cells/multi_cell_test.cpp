// SPDX-License-Identifier: GPL-3.0-or-later
// Several cells on one device: charters, keys, history and removals stay apart.
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

TEST_F(CellsTest, TwoCellsOnTheSameDevicesStayApart) {
  const CellId first = make_seed_cell();
  charter::SeedCellOptions options;
  options.cell_name = "IL-SY trade";
  options.members = {
      {kIl, "IL", charter::Role::member, node(kIl).identity_public()},
      {kSy, "SY", charter::Role::member, node(kSy).identity_public()},
  };
  auto second = node(kUs).engine->create_cell(options, now);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  run();
  ASSERT_NE(first, *second);
  EXPECT_EQ(node(kIl).engine->cells().size(), 2u);
  EXPECT_EQ(node(kSy2).engine->cells().size(), 1u);  // not a member of the second cell

  post(kIl, first, "commercial", "in the first cell");
  post(kIl, *second, "commercial", "in the second cell");
  auto history_of = [&](const Address& a, const CellId& cell) {
    std::vector<std::string> out;
    auto history = node(a).engine->history(cell, "commercial");
    EXPECT_TRUE(history.ok());
    if (history.ok())
      for (const auto& h : *history) out.emplace_back(h.body.begin(), h.body.end());
    return out;
  };
  EXPECT_EQ(history_of(kSy, first), (std::vector<std::string>{"in the first cell"}));
  EXPECT_EQ(history_of(kSy, *second), (std::vector<std::string>{"in the second cell"}));
  EXPECT_TRUE(history_of(kSy2, *second).empty());
  for (const auto& m : node(kSy).all<ChannelMessageReceived>())
    EXPECT_EQ(m.cell, m.text == "in the second cell" ? *second : first) << m.text;

  // Removing SY from the second cell leaves it a full member of the first.
  ASSERT_TRUE(node(kUs).engine->commit(*second, {charter::RemoveDevice{kSy}}, now).ok());
  run();
  post(kIl, *second, "commercial", "after SY left the second cell");
  post(kIl, first, "commercial", "first cell goes on");
  EXPECT_EQ(*node(kIl).engine->send_generation(*second, "commercial"), 2u);  // rekeyed
  EXPECT_EQ(*node(kIl).engine->send_generation(first, "commercial"), 1u);   // untouched
  EXPECT_EQ(history_of(kSy, *second), (std::vector<std::string>{"in the second cell"}));
  EXPECT_EQ(history_of(kSy, first), (std::vector<std::string>{"in the first cell", "first cell goes on"}));
  EXPECT_TRUE(node(kSy).all<PermissionDenied>().empty());
  EXPECT_TRUE(node(kSy).all<SecurityAlert>().empty());
}

}  // namespace
}  // namespace parley::cells::test
