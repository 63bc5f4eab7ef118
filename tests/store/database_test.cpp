// SPDX-License-Identifier: GPL-3.0-or-later
// The SQLCipher connection wrapper: pragmas, statements, error reporting, transactions.
#include "store/database.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <limits>

#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::raw_key;

Database open_db(const std::string& path, const DatabaseOptions& options = {}) {
  auto db = Database::open(path, raw_key(), options);
  EXPECT_TRUE(db.ok()) << db.error().to_string();
  return std::move(db).value();
}

std::string pragma_text(Database& db, std::string_view pragma) {
  auto stmt = db.prepare(pragma);
  EXPECT_TRUE(stmt.ok()) << stmt.error().to_string();
  auto row = stmt->step();
  EXPECT_TRUE(row.ok() && *row);
  return stmt->column_text(0);
}

TEST(Database, AppliesRequestedPragmas) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  EXPECT_EQ(pragma_text(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma_text(db, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(pragma_text(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(pragma_text(db, "PRAGMA busy_timeout"), "5000");
}

TEST(Database, HonoursOptionsThatTurnPragmasOff) {
  parley::test::TempDir dir;
  DatabaseOptions options;
  options.wal = false;
  options.synchronous_full = false;
  options.busy_timeout_ms = 1234;
  Database db = open_db(dir.file("a.db"), options);
  EXPECT_EQ(pragma_text(db, "PRAGMA journal_mode"), "delete");
  EXPECT_EQ(pragma_text(db, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(pragma_text(db, "PRAGMA busy_timeout"), "1234");
}

TEST(Database, StatementRoundTripsEveryType) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n BLOB)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  PARLEY_ASSERT_OK(insert);
  const Bytes blob = {0x00, 0xff, 0x00, 0x7f};  // embedded zero bytes survive
  insert->bind(1, std::numeric_limits<std::int64_t>::min())
      .bind(2, std::string_view("h\0llo", 5))
      .bind(3, ByteView(blob))
      .bind_null(4);
  PARLEY_ASSERT_OK(insert->run());
  EXPECT_EQ(db.changes(), 1);
  EXPECT_EQ(db.last_insert_rowid(), 1);

  auto select = db.prepare("SELECT i, s, b, n FROM t");
  PARLEY_ASSERT_OK(select);
  auto row = select->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->column_int(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select->column_text(1), std::string("h\0llo", 5));
  EXPECT_EQ(select->column_blob(2), blob);
  EXPECT_TRUE(select->column_is_null(3));
  EXPECT_FALSE(select->column_is_null(2));
  auto done = select->step();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

// An empty value is not NULL: a NOT NULL column must accept an empty payload.
TEST(Database, EmptyBlobAndTextAreNotNull) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (s TEXT NOT NULL, b BLOB NOT NULL)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2)");
  PARLEY_ASSERT_OK(insert);
  insert->bind(1, std::string_view()).bind(2, ByteView());
  PARLEY_ASSERT_OK(insert->run());
  auto select = db.prepare("SELECT s, b FROM t");
  PARLEY_ASSERT_OK(select);
  ASSERT_TRUE(*select->step());
  EXPECT_FALSE(select->column_is_null(0));
  EXPECT_FALSE(select->column_is_null(1));
  EXPECT_TRUE(select->column_blob(1).empty());
}

TEST(Database, BindErrorIsReportedByStepWithoutTheValue) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (s TEXT)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1)");
  PARLEY_ASSERT_OK(insert);
  insert->bind(7, std::string_view("secret-bound-value")).bind(1, std::string_view("fine"));
  auto status = insert->run();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::internal);
  EXPECT_NE(status.error().message.find("INSERT INTO t"), std::string::npos) << status.error().message;
  EXPECT_EQ(status.error().message.find("secret-bound-value"), std::string::npos);
  // Nothing was inserted.
  auto count = db.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(*count->step());
  EXPECT_EQ(count->column_int(0), 0);
}

TEST(Database, ConstraintErrorNamesTheStatementButNotTheValues) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (s TEXT PRIMARY KEY)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1)");
  PARLEY_ASSERT_OK(insert);
  insert->bind(1, std::string_view("secret-duplicate-value"));
  PARLEY_ASSERT_OK(insert->run());
  PARLEY_ASSERT_OK(insert->reset());
  insert->bind(1, std::string_view("secret-duplicate-value"));
  auto status = insert->run();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("UNIQUE"), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("INSERT INTO t"), std::string::npos) << status.error().message;
  EXPECT_EQ(status.error().message.find("secret-duplicate-value"), std::string::npos) << status.error().message;
}

// reset() clears bindings: a parameter forgotten on reuse is NULL, never the old value.
TEST(Database, ResetClearsBindings) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (a TEXT NOT NULL, b TEXT)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2)");
  PARLEY_ASSERT_OK(insert);
  insert->bind(1, std::string_view("x")).bind(2, std::string_view("y"));
  PARLEY_ASSERT_OK(insert->run());
  PARLEY_ASSERT_OK(insert->reset());
  insert->bind(2, std::string_view("z"));
  auto status = insert->run();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("NOT NULL"), std::string::npos) << status.error().message;
}

TEST(Database, RunRejectsAStatementThatReturnsRows) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  auto stmt = db.prepare("SELECT 1");
  PARLEY_ASSERT_OK(stmt);
  auto status = stmt->run();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::internal);
}

TEST(Database, PrepareRejectsBadOrMultipleStatements) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  auto bad = db.prepare("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::internal);
  auto two = db.prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code, Errc::invalid_argument);
  auto empty = db.prepare("  ");
  ASSERT_FALSE(empty.ok());
  PARLEY_EXPECT_OK(db.prepare("SELECT 1; "));
}

TEST(Database, ExecReportsSqlErrors) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  auto status = db.exec("INSERT INTO no_such_table VALUES (1)");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("no_such_table"), std::string::npos);
}

TEST(Database, InTransactionCommitsOnSuccessAndRollsBackOnError) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  PARLEY_ASSERT_OK(db.exec("CREATE TABLE t (v INTEGER)"));
  PARLEY_ASSERT_OK(in_transaction(db, [&]() -> Status { return db.exec("INSERT INTO t VALUES (1)"); }));
  auto failed = in_transaction(db, [&]() -> Status {
    PARLEY_TRY(db.exec("INSERT INTO t VALUES (2)"));
    return make_error(Errc::crypto, "body failed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::crypto);  // the body's error comes out unchanged

  auto values = db.prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(*values->step());
  EXPECT_EQ(values->column_text(0), "1");
  // No transaction was left open.
  PARLEY_EXPECT_OK(db.begin());
  PARLEY_EXPECT_OK(db.rollback());
}

TEST(Database, InTransactionPassesValuesThrough) {
  parley::test::TempDir dir;
  Database db = open_db(dir.file("a.db"));
  Result<int> result = in_transaction(db, [&]() -> Result<int> { return 42; });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
}

TEST(Database, MissingDirectoryIsStoreIo) {
  parley::test::TempDir dir;
  const std::string path = dir.file("no-such-dir/a.db");
  auto db = Database::open(path, raw_key());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::store_io);
  EXPECT_NE(db.error().message.find(path), std::string::npos) << db.error().message;
}

TEST(Database, DirectoryAsPathIsStoreIo) {
  parley::test::TempDir dir;
  auto db = Database::open(dir.path().string(), raw_key());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::store_io) << db.error().to_string();
}

// SQLite would silently open such a file read-only; every later write would then fail.
TEST(Database, ReadOnlyFileIsStoreIo) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  parley::test::TempDir dir;
  const std::string path = dir.file("a.db");
  { Database db = open_db(path); }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  auto db = Database::open(path, raw_key());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Errc::store_io) << db.error().to_string();
  EXPECT_NE(db.error().message.find(path), std::string::npos) << db.error().message;
}

TEST(Database, RejectsPassphrasesSqlcipherWouldMisread) {
  parley::test::TempDir dir;
  auto empty = Database::open(dir.file("a.db"), StoreKey::passphrase(""));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
  auto raw_form = Database::open(dir.file("b.db"), StoreKey::passphrase("x'" + std::string(64, 'a') + "'"));
  ASSERT_FALSE(raw_form.ok());
  EXPECT_EQ(raw_form.error().code, Errc::invalid_argument);
  // Rejected before anything was created.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // A passphrase that merely starts like one is fine.
  PARLEY_EXPECT_OK(Database::open(dir.file("c.db"), StoreKey::passphrase("x'not hex'")));
}

TEST(Database, MovedConnectionKeepsWorking) {
  parley::test::TempDir dir;
  Database first = open_db(dir.file("a.db"));
  Database second = std::move(first);
  PARLEY_EXPECT_OK(second.exec("CREATE TABLE t (v INTEGER)"));
  auto stale = first.exec("SELECT 1");  // NOLINT(bugprone-use-after-move): tested on purpose
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, Errc::closed);
}

}  // namespace
}  // namespace parley::store
