// SPDX-License-Identifier: GPL-3.0-or-later
// A small RAII layer over an SQLCipher connection, shared by the device store and the relay.
// Every failure comes back as a parley::Error; nothing throws.
#pragma once

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

struct DatabaseOptions {
  bool wal = true;               // journal_mode=WAL (relay and device both use it)
  bool synchronous_full = true;  // synchronous=FULL: a commit is on disk when it returns
  int busy_timeout_ms = 5000;
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

  // Runs one or more statements that return no rows (schema, pragmas).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);

  // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
  Status begin();
  Status commit();
  Status rollback();

  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  // The file opened with exactly this key as SQLCipher reads it, and the key verified.
  static Result<Database> open_keyed(const std::string& path, const StoreKey& key);
  // Parley's passphrase KDF, the header file, and the migration of old stores (passphrase_open.cpp).
  static Result<Database> open_passphrase(const std::string& path, const StoreKey& key);
  Status rekey(const StoreKey& raw);
  sqlite3* db_ = nullptr;
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

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
  int bind_error_ = 0;
};

}  // namespace parley::store
