// SPDX-License-Identifier: GPL-3.0-or-later
// CellBook keeps a bounded window of past charter states and still answers any epoch.
#include "cells/cell_book.hpp"

#include <gtest/gtest.h>

#include "charter/charter_fixture.hpp"

namespace parley::cells {
namespace {

using charter::test::TestCell;

TEST(CellBook, AnswersEveryEpochWithABoundedCache) {
  charter::test::Keys keys;
  TestCell cell(keys);
  std::vector<charter::Hash> digests{charter::test::digest_of(cell.state())};  // digests[e - 1]
  for (int i = 0; i < 299; ++i) {
    cell.commit({charter::RenameChannel{"intel", "Intel " + std::to_string(i)}});
    digests.push_back(charter::test::digest_of(cell.state()));
  }
  CellBook book;
  book.put(cell.state().cell_id, charter::test::log_from(cell.chain(), cell.chain().size()));
  const CellId id = cell.state().cell_id;
  // Head; just below it (fills the window from genesis); far below the window; its edges;
  // the middle; genesis; and above the window again.
  for (std::uint64_t epoch : {300, 299, 10, 44, 43, 150, 1, 298, 300}) {
    const charter::CellState* state = book.state_at(id, epoch);
    ASSERT_NE(state, nullptr) << epoch;
    EXPECT_EQ(state->epoch, epoch);
    EXPECT_EQ(charter::test::digest_of(*state), digests[epoch - 1]) << epoch;
  }
  EXPECT_EQ(book.state_at(id, 0), nullptr);
  EXPECT_EQ(book.state_at(id, 301), nullptr);
}

}  // namespace
}  // namespace parley::cells
