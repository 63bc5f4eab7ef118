// SPDX-License-Identifier: GPL-3.0-or-later
// The connection's statement cache: a statement given up is reused by the next prepare() of
// the same text, but never shares state with it (bindings, read position, locks), never
// outlives a schema change or its connection, and PRAGMAs are never cached.
#include <gtest/gtest.h>

#include <string>

#include "store/database.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::raw_key;

class StatementCacheTest : public ::testing::Test {
 protected:
  Database open(const DatabaseOptions& options) {
    auto db = Database::open(dir_.file("cache-" + std::to_string(opened_++) + ".db"), raw_key(), options);
    EXPECT_TRUE(db.ok()) << db.error().to_string();
    return std::move(db).value();
  }
  // Runs `sql` (one statement returning one integer) and returns it.
  std::int64_t scalar(Database& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.error().to_string();
    auto row = stmt->step();
    EXPECT_TRUE(row.ok() && *row);
    return stmt->column_int(0);
  }

  parley::test::TempDir dir_;
  int opened_ = 0;
  Database db_ = open(DatabaseOptions{});
};

TEST_F(StatementCacheTest, AStatementGivenUpIsReusedByTheNextPrepare) {
  const std::size_t before = db_.cached_statements();
  EXPECT_EQ(scalar(db_, "SELECT 40 + 2"), 42);
  EXPECT_EQ(db_.cached_statements(), before + 1);
  {
    auto stmt = db_.prepare("SELECT 40 + 2");
    ASSERT_TRUE(stmt.ok());
    EXPECT_EQ(db_.cached_statements(), before);  // taken out while in use
  }
  EXPECT_EQ(db_.cached_statements(), before + 1);
}

TEST_F(StatementCacheTest, TwoLiveCopiesOfOneTextWorkAndOneIsKept) {
  const std::size_t before = db_.cached_statements();
  {
    auto first = db_.prepare("SELECT ?1 * 2");
    auto second = db_.prepare("SELECT ?1 * 2");
    ASSERT_TRUE(first.ok() && second.ok());
    first->bind(1, std::int64_t{3});
    second->bind(1, std::int64_t{5});
    ASSERT_TRUE(*first->step());
    ASSERT_TRUE(*second->step());
    EXPECT_EQ(first->column_int(0), 6);
    EXPECT_EQ(second->column_int(0), 10);
  }
  EXPECT_EQ(db_.cached_statements(), before + 1);
}

TEST_F(StatementCacheTest, BindingsDoNotSurviveIntoTheNextUse) {
  {
    auto stmt = db_.prepare("SELECT ?1");
    ASSERT_TRUE(stmt.ok());
    stmt->bind(1, std::string_view("key material"));
    ASSERT_TRUE(*stmt->step());
  }
  auto again = db_.prepare("SELECT ?1");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(*again->step());
  EXPECT_TRUE(again->column_is_null(0));
}

// A SELECT abandoned mid-way is reset when given back: it holds no lock on its table.
TEST_F(StatementCacheTest, AnAbandonedReadHoldsNoLock) {
  PARLEY_ASSERT_OK(db_.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  {
    auto stmt = db_.prepare("SELECT v FROM t");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->step());  // one row read, two left
  }
  EXPECT_GE(db_.cached_statements(), 1u);
  PARLEY_ASSERT_OK(db_.exec("DROP TABLE t"));  // SQLITE_LOCKED if the read were still open
}

TEST_F(StatementCacheTest, ACachedStatementFollowsSchemaChanges) {
  PARLEY_ASSERT_OK(db_.exec("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (7);"));
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM t"), 1);
  PARLEY_ASSERT_OK(db_.exec("DROP TABLE t; CREATE TABLE t (a INTEGER, b INTEGER);"));
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM t"), 0);  // the new table, not the old plan
}

TEST_F(StatementCacheTest, PragmasAreNeverCached) {
  const std::size_t before = db_.cached_statements();
  EXPECT_EQ(scalar(db_, "PRAGMA user_version"), 0);
  EXPECT_EQ(db_.cached_statements(), before);
}

TEST_F(StatementCacheTest, TheCacheIsBoundedAndCanBeTurnedOff) {
  DatabaseOptions small;
  small.statement_cache_size = 2;
  Database bounded = open(small);
  for (int i = 0; i < 5; ++i) scalar(bounded, "SELECT " + std::to_string(i));
  EXPECT_EQ(bounded.cached_statements(), 2u);

  DatabaseOptions none;
  none.statement_cache_size = 0;
  Database uncached = open(none);
  EXPECT_EQ(scalar(uncached, "SELECT 9"), 9);
  EXPECT_EQ(uncached.cached_statements(), 0u);

  bounded.clear_statement_cache();
  EXPECT_EQ(bounded.cached_statements(), 0u);
}

// A Statement that outlives its Database is finalized when it ends (the connection closes then).
TEST_F(StatementCacheTest, AStatementMayOutliveItsConnection) {
  auto stmt = db_.prepare("SELECT 5");
  ASSERT_TRUE(stmt.ok());
  db_ = open(DatabaseOptions{});  // the old connection is closed with `stmt` still alive
  ASSERT_TRUE(*stmt->step());
  EXPECT_EQ(stmt->column_int(0), 5);
}

// Transactions go through cached BEGIN/COMMIT/ROLLBACK statements and still work repeatedly.
TEST_F(StatementCacheTest, RepeatedTransactionsCommitAndRollBack) {
  PARLEY_ASSERT_OK(db_.exec("CREATE TABLE t (v INTEGER)"));
  for (int i = 0; i < 3; ++i) {
    PARLEY_ASSERT_OK(db_.begin());
    PARLEY_ASSERT_OK(db_.prepare("INSERT INTO t VALUES (1)")->run());
    PARLEY_ASSERT_OK(db_.commit());
    PARLEY_ASSERT_OK(db_.begin());
    PARLEY_ASSERT_OK(db_.prepare("INSERT INTO t VALUES (2)")->run());
    PARLEY_ASSERT_OK(db_.rollback());
  }
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM t WHERE v = 1"), 3);
  EXPECT_EQ(scalar(db_, "SELECT count(*) FROM t WHERE v = 2"), 0);
}

}  // namespace
}  // namespace parley::store
