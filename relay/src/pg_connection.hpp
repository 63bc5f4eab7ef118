// SPDX-License-Identifier: GPL-3.0-or-later
// A thin owner of one libpq connection: parameterised statements in, rows as text out, and
// PostgreSQL's SQLSTATE turned into the relay's error codes. No SQL of the relay lives here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"

struct pg_conn;
struct pg_result;

namespace parley::relay {

// Statement parameters, $1.. in the order added: text for numbers and strings, binary for bytea.
class PgParams {
 public:
  PgParams& add(std::string_view text);
  PgParams& add(std::int64_t value);
  PgParams& add(ByteView bytes);

 private:
  friend class PgConnection;
  std::vector<std::string> values_;
  std::vector<int> binary_;
};

// The rows of one statement, read as text (libpq's default result format).
class PgRows {
 public:
  explicit PgRows(pg_result* result);
  PgRows(PgRows&&) noexcept;
  PgRows& operator=(PgRows&&) noexcept;
  ~PgRows();

  int size() const;
  std::int64_t integer(int row, int column) const;
  std::string text(int row, int column) const;
  Bytes bytes(int row, int column) const;  // a bytea column
  bool null(int row, int column) const;
  std::uint64_t affected() const;  // rows an INSERT, UPDATE or DELETE touched

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects (libpq connection string or postgresql:// URL). Errc::store_io if it cannot.
  static Result<PgConnection> connect(const std::string& url);
  PgConnection(PgConnection&&) noexcept;
  PgConnection& operator=(PgConnection&&) noexcept;
  ~PgConnection();

  // Runs one statement. Failures: kStorageRetry for a serialization failure or deadlock
  // (SQLSTATE 40001, 40P01), kStorageFull for a full disk (53100), Errc::store_io otherwise.
  Result<PgRows> exec(const char* sql, const PgParams& params = {});
  // Several statements without parameters (schema, BEGIN, ...).
  Status exec_script(const char* sql);

  // The server connection was lost: reconnect (between transactions only).
  bool broken() const;
  Status reset();
  // Inside a transaction that an error has aborted (only ROLLBACK works).
  bool transaction_failed() const;

  // The socket, for waiting on notifications, and the pending ones as (channel, payload).
  int socket() const;
  Result<std::vector<std::pair<std::string, std::string>>> notifications();

 private:
  explicit PgConnection(pg_conn* conn);
  pg_conn* conn_;
};

}  // namespace parley::relay
