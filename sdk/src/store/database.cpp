// SPDX-License-Identifier: GPL-3.0-or-later
// Opening, keying and configuring an SQLCipher connection; transactions.
#include "store/database.hpp"

#include <sqlite3.h>

#include <cctype>
#include <utility>

#include "store/keying.hpp"
#include "store/sqlite_error.hpp"
#include "store/statement_cache.hpp"

namespace parley::store {
namespace {

bool is_io_failure(int rc) { return errc_for_sqlite(rc) == Errc::store_io; }

std::string quoted(const std::string& path) { return "'" + path + "'"; }

// SQLCipher only notices a wrong key when it first decrypts a page, so read the schema now:
// a failure here means the key does not fit this file (or the file is not a database at all,
// which an encrypted file is indistinguishable from).
Status verify_key(sqlite3* db, const std::string& path) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc == SQLITE_ROW) return {};
  if (rc == SQLITE_NOMEM) return make_error(Errc::out_of_memory, "reading store file " + quoted(path));
  if (is_io_failure(rc)) return sqlite_error(rc, db, "reading store file " + quoted(path) + " failed");
  return make_error(Errc::store_wrong_key,
                    "store file " + quoted(path) +
                        " does not open with this key: wrong key or passphrase, a key of the other kind "
                        "(raw vs passphrase), or not an encrypted Parley store (" +
                        sqlite3_errmsg(db) + ")");
}

Status set_journal_wal(Database& db, const std::string& path) {
  auto stmt = db.prepare("PRAGMA journal_mode = WAL");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  std::string mode = *row ? stmt->column_text(0) : std::string();
  // In-memory databases report "memory" and cannot use WAL; that is fine.
  if (mode != "wal" && mode != "memory")
    return make_error(Errc::store_io, "store file " + quoted(path) + " could not switch to WAL (journal mode is '" +
                                          mode + "')");
  return {};
}

// Statements whose compiled form does not depend on anything but the schema (which
// sqlite3_prepare_v2 statements recompile for by themselves). PRAGMAs are left out: SQLCipher
// applies key, rekey and cipher settings while compiling, so a reused one would do nothing.
bool cacheable(std::string_view sql) {
  std::size_t at = 0;
  while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at])) != 0) ++at;
  std::size_t end = at;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end])) != 0) ++end;
  std::string word;
  for (std::size_t i = at; i < end; ++i) word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
  for (const char* ok : {"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "BEGIN", "COMMIT", "END",
                         "ROLLBACK", "SAVEPOINT", "RELEASE"})
    if (word == ok) return true;
  return false;
}

}  // namespace

Result<Database> Database::open_keyed(const std::string& path, const StoreKey& key, int busy_timeout_ms) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  Database db(handle);  // closes the handle on every early return, even a failed open
  if (handle == nullptr) return make_error(Errc::out_of_memory, "opening store file " + quoted(path));
  if (rc != SQLITE_OK)
    return make_error(Errc::store_io, "cannot open store file " + quoted(path) + ": " + sqlite3_errmsg(handle));
  // A file we may not write is opened read-only without complaint; every later write would fail.
  if (sqlite3_db_readonly(handle, "main") == 1)
    return make_error(Errc::store_io, "store file " + quoted(path) + " is not writable");
  // Before the first read: a connection that is switching the file to WAL or writing it in
  // rollback mode holds a lock that verify_key would otherwise report as a failure.
  sqlite3_busy_timeout(handle, busy_timeout_ms);

  PARLEY_TRY(apply_key(handle, key));
  PARLEY_TRY(verify_key(handle, path));
  return Result<Database>(std::move(db));
}

Result<Database> Database::open(const std::string& path, const StoreKey& key, const DatabaseOptions& options) {
  PARLEY_TRY(check_key(key));  // before the file is created or touched
  auto opened = key.kind() == StoreKey::Kind::passphrase ? open_passphrase(path, key, options.busy_timeout_ms)
                                                         : open_keyed(path, key, options.busy_timeout_ms);
  if (!opened) return std::move(opened).error();
  Database db = std::move(opened).value();
  if (options.statement_cache_size > 0)
    db.cache_ = std::make_shared<detail::StatementCache>(options.statement_cache_size);

  // Only now that the key is known to fit may anything be written to the file.
  if (options.wal) PARLEY_TRY(set_journal_wal(db, path));
  PARLEY_TRY(db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  PARLEY_TRY(db.exec("PRAGMA foreign_keys = ON"));
  return Result<Database>(std::move(db));
}

Status Database::rekey(const StoreKey& raw) {
  if (db_ == nullptr) return make_error(Errc::closed, "the database connection was moved away");
  clear_statement_cache();  // nothing compiled under the old key is kept
  return rekey_to(db_, raw);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close_cache();
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

// close_v2: statements that outlive the connection keep it alive until they are finalized
// (a cached one is finalized when its Statement ends, the cache being closed).
Database::~Database() {
  close_cache();
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::close_cache() {
  if (cache_ != nullptr) cache_->close();
  cache_.reset();
}

std::size_t Database::cached_statements() const { return cache_ != nullptr ? cache_->size() : 0; }

void Database::clear_statement_cache() {
  if (cache_ != nullptr) cache_->clear();
}

Status Database::exec(std::string_view sql) {
  if (db_ == nullptr) return make_error(Errc::closed, "the database connection was moved away");
  const std::string text(sql);  // sqlite3_exec needs a terminated string
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return make_error(errc_for_sqlite(rc), "running SQL failed: " + detail);
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (db_ == nullptr) return make_error(Errc::closed, "the database connection was moved away");
  const bool cache = cache_ != nullptr && cacheable(sql);
  if (cache) {
    if (sqlite3_stmt* cached = cache_->take(sql)) return Result<Statement>(Statement(cached, db_, cache_));
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "preparing SQL failed");
  Statement statement(stmt, db_);
  if (stmt == nullptr) return make_error(Errc::invalid_argument, "prepare was given no SQL statement");
  // A second statement would be silently ignored by SQLite.
  for (const char* p = tail; p != nullptr && p < sql.data() + sql.size(); ++p)
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';')
      return make_error(Errc::invalid_argument, "prepare takes exactly one SQL statement");
  // Cached only once it is known to be one whole statement, and only when SQLite kept exactly
  // the caller's text (trailing blanks after a ';' are dropped): the cache is keyed by it.
  if (cache && std::string_view(sqlite3_sql(stmt)) == sql) statement.cache_ = cache_;
  return Result<Statement>(std::move(statement));
}

Status Database::run_control(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  return stmt->run();
}

Status Database::begin() { return run_control("BEGIN IMMEDIATE"); }
Status Database::commit() { return run_control("COMMIT"); }
Status Database::rollback() { return run_control("ROLLBACK"); }

std::int64_t Database::last_insert_rowid() const { return db_ != nullptr ? sqlite3_last_insert_rowid(db_) : 0; }

int Database::changes() const { return db_ != nullptr ? sqlite3_changes(db_) : 0; }

}  // namespace parley::store
