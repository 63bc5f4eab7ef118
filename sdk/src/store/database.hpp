// SPDX-License-Identifier: GPL-3.0-or-later
// A small RAII layer over an SQLCipher connection, shared by the device store and the relay.
// Every failure comes back as a parley::Error; nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "parley/store_key.hpp"
#include "parley/types.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store {

class Statement;
namespace detail {
class StatementCache;
}

struct DatabaseOptions {
  bool wal = true;               // journal_mode=WAL (relay and device both use it)
  bool synchronous_full = true;  // synchronous=FULL: a commit is on disk when it returns
  // Set on the connection before the key is checked, so that an open racing another
  // connection's lock waits for it instead of failing.
  int busy_timeout_ms = 5000;
  // Prepared statements kept for reuse by prepare(), keyed by their SQL text (least recently
  // used dropped first); 0 compiles every statement each time.
  std::size_t statement_cache_size = 64;
};

class Database {
 public:
  // Opens (creating if absent) the file at `path` with `key`. A file that the key does not
  // open fails with Errc::store_wrong_key; an unreadable path with Errc::store_io.
  // A passphrase goes through Parley's own KDF (passphrase_kdf.hpp: scrypt natively, the
  // parameters and salt in `<path>.kdf`); a store created with SQLCipher's default KDF
  // (no header) is opened that way once and migrated (PRAGMA rekey) to the derived raw key.
  static Result<Database> open(const std::string& path, const StoreKey& key,
                               const DatabaseOptions& options = {});

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // Runs one or more statements that return no rows (schema, pragmas). Never cached.
  Status exec(std::string_view sql);
  // One statement. SELECT/INSERT/UPDATE/DELETE/REPLACE/WITH and transaction control come from
  // the connection's statement cache when an idle compiled copy of exactly this text is there;
  // a Statement given up goes back to the cache reset and with its bindings cleared, so no
  // read snapshot, lock or bound value outlives it. Two live Statements never share one
  // compiled statement. PRAGMAs (SQLCipher applies some while compiling) and everything
  // else are compiled every time.
  Result<Statement> prepare(std::string_view sql);

  // Idle compiled statements held by the cache (tests and diagnostics).
  std::size_t cached_statements() const;
  // Finalizes every idle cached statement (rekey and close do this themselves).
  void clear_statement_cache();

  // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
  Status begin();
  Status commit();
  Status rollback();

  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  // The file opened with exactly this key as SQLCipher reads it, and the key verified; the
  // busy timeout is set first so that verifying waits for a lock another connection holds.
  static Result<Database> open_keyed(const std::string& path, const StoreKey& key, int busy_timeout_ms);
  // Parley's passphrase KDF, the header file, and the migration of old stores (passphrase_open.cpp).
  static Result<Database> open_passphrase(const std::string& path, const StoreKey& key, int busy_timeout_ms);
  Status rekey(const StoreKey& raw);
  // A cached statement for BEGIN/COMMIT/ROLLBACK, stepped to its end.
  Status run_control(std::string_view sql);
  void close_cache();
  sqlite3* db_ = nullptr;
  std::shared_ptr<detail::StatementCache> cache_;
};

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it returns an error.
template <class F>
auto in_transaction(Database& db, F&& body) -> decltype(body()) {
  if (auto began = db.begin(); !began) return began.error();
  auto result = body();
  if (!result.ok()) {
    (void)db.rollback();
    return result;
  }
  if (auto committed = db.commit(); !committed) {
    (void)db.rollback();
    return committed.error();
  }
  return result;
}

// A prepared statement. bind_* indices are 1-based as in SQLite; column_* are 0-based.
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, ByteView blob);
  Statement& bind_null(int index);

  // true: a row is available; false: done. Errors (including bind errors) come out here.
  Result<bool> step();
  // step() that must finish without a row (INSERT/UPDATE/DELETE).
  Status run();
  Status reset();  // ready to bind and step again

  // Column values are valid until the next step(), reset() or the Statement's end.
  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db, std::shared_ptr<detail::StatementCache> cache = {})
      : stmt_(stmt), db_(db), cache_(std::move(cache)) {}
  // Finalizes the statement, or hands it back to the cache it came from.
  void release() noexcept;
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  int bind_error_ = 0;
  std::shared_ptr<detail::StatementCache> cache_;  // null: not cacheable, finalized at the end
};

}  // namespace parley::store
