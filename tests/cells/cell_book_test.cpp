// SPDX-License-Identifier: GPL-3.0-or-later
// CellBook keeps a bounded window of past charter states and still answers any epoch, and
// follows the engine's store transaction: staged logs are read inside it, installed on publish,
// gone on discard.
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

void rename(TestCell& cell, int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i) cell.commit({charter::RenameChannel{"intel", prefix + std::to_string(i)}});
}

TEST(CellBook, StagedLogIsReadInsideTheTransactionAndGoneAfterDiscard) {
  charter::test::Keys keys;
  TestCell cell(keys);
  rename(cell, 4, "a");  // epoch 5
  const CellId id = cell.state().cell_id;
  CellBook book;
  book.put(id, charter::test::log_from(cell.chain(), 5));
  ASSERT_NE(book.state_at(id, 5), nullptr);  // fills the cache from the published log
  rename(cell, 5, "b");                      // epoch 10

  book.begin();
  book.put(id, charter::test::log_from(cell.chain(), 10));
  EXPECT_TRUE(book.staging());
  EXPECT_EQ(book.find(id)->state().epoch, 10u);
  const charter::CellState* staged = book.state_at(id, 8);
  ASSERT_NE(staged, nullptr);
  EXPECT_EQ(staged->epoch, 8u);
  book.discard();

  EXPECT_FALSE(book.staging());
  EXPECT_EQ(book.find(id)->state().epoch, 5u);
  EXPECT_EQ(book.state_at(id, 8), nullptr);  // nothing of the staged log was cached
  EXPECT_EQ(book.state_at(id, 6), nullptr);
  ASSERT_NE(book.state_at(id, 5), nullptr);
}

TEST(CellBook, PublishInstallsTheStagedLogsAndNewCells) {
  charter::test::Keys keys;
  TestCell first(keys, charter::test::test_cell_id());
  const CellId other_id = charter::test::test_cell_id(0x43);
  TestCell second(keys, other_id);
  rename(first, 2, "a");
  CellBook book;
  book.put(first.state().cell_id, charter::test::log_from(first.chain(), 1));

  book.begin();
  book.put(first.state().cell_id, charter::test::log_from(first.chain(), 3));
  book.put(other_id, charter::test::log_from(second.chain(), 1));
  EXPECT_EQ(book.ids().size(), 2u);  // a new cell is visible inside the transaction
  book.discard();
  EXPECT_EQ(book.ids().size(), 1u);
  EXPECT_EQ(book.find(other_id), nullptr);

  book.begin();
  book.put(first.state().cell_id, charter::test::log_from(first.chain(), 3));
  book.put(other_id, charter::test::log_from(second.chain(), 1));
  book.publish();
  EXPECT_EQ(book.ids().size(), 2u);
  EXPECT_EQ(book.find(first.state().cell_id)->state().epoch, 3u);
  ASSERT_NE(book.find(other_id), nullptr);
  EXPECT_EQ(charter::test::digest_of(*book.state_at(first.state().cell_id, 3)), charter::test::digest_of(first.state()));
}

// A staged rewrite (another branch below the published head) answers past epochs from the new
// chain while staged, and after publish; the old branch's cached states never leak into it.
TEST(CellBook, StagedRewriteNeverServesTheOldBranchsCachedStates) {
  charter::test::Keys keys;
  TestCell cell(keys);
  rename(cell, 2, "base");  // epoch 3: the common part
  TestCell fork = cell;
  rename(cell, 4, "old");   // epoch 7 on the published branch
  rename(fork, 4, "new");   // epoch 7 on the branch that wins
  const CellId id = cell.state().cell_id;
  std::vector<charter::Hash> new_digests;
  for (std::size_t e = 1; e <= fork.chain().size(); ++e)
    new_digests.push_back(charter::test::digest_of(charter::test::log_from(fork.chain(), e).state()));
  CellBook book;
  book.put(id, charter::test::log_from(cell.chain(), 7));
  for (std::uint64_t e = 1; e <= 7; ++e) ASSERT_NE(book.state_at(id, e), nullptr);  // cache the old branch

  book.begin();
  book.rewrite(id, charter::test::log_from(fork.chain(), 7));
  for (std::uint64_t e : {5, 6, 4, 7}) {
    const charter::CellState* state = book.state_at(id, e);
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(charter::test::digest_of(*state), new_digests[e - 1]) << e;
  }
  book.discard();
  EXPECT_NE(charter::test::digest_of(*book.state_at(id, 6)), new_digests[5]);  // the old branch again

  book.begin();
  book.rewrite(id, charter::test::log_from(fork.chain(), 7));
  book.publish();
  for (std::uint64_t e : {6, 5, 7, 3}) {
    const charter::CellState* state = book.state_at(id, e);
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(charter::test::digest_of(*state), new_digests[e - 1]) << e;
  }
}

}  // namespace
}  // namespace parley::cells
