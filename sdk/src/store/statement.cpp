// SPDX-License-Identifier: GPL-3.0-or-later
// Prepared statements. Error messages name the SQL text (with its ? placeholders) and never
// the bound values, which may be user data or key material.
#include <sqlite3.h>

#include <utility>

#include "store/database.hpp"
#include "store/sqlite_error.hpp"
#include "store/statement_cache.hpp"

namespace parley::store {
namespace {

// sqlite3_bind_* with a null pointer binds NULL, so empty values point here instead.
const char kEmpty[1] = {0};

std::string sql_of(sqlite3_stmt* stmt) {
  constexpr std::size_t kMaxShown = 120;
  const char* text = stmt != nullptr ? sqlite3_sql(stmt) : nullptr;
  std::string sql = text != nullptr ? text : "";
  if (sql.size() > kMaxShown) sql = sql.substr(0, kMaxShown) + "...";
  return "'" + sql + "'";
}

// Keeps the first bind failure so that step() can report it.
void note_bind(int& slot, int rc) {
  if (rc != SQLITE_OK && slot == SQLITE_OK) slot = rc;
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(std::exchange(other.db_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, 0)),
      cache_(std::move(other.cache_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, 0);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Statement::~Statement() { release(); }

// The cache outlives its connection's Database object while a Statement holds it; once
// the connection closed it finalizes what comes back (sqlite3_close_v2 then completes).
void Statement::release() noexcept {
  sqlite3_stmt* stmt = std::exchange(stmt_, nullptr);
  if (cache_ != nullptr)
    cache_->give_back(stmt);
  else
    sqlite3_finalize(stmt);
  cache_.reset();
}

Statement& Statement::bind(int index, std::int64_t value) {
  note_bind(bind_error_, stmt_ != nullptr ? sqlite3_bind_int64(stmt_, index, value) : SQLITE_MISUSE);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const char* data = text.empty() ? kEmpty : text.data();
  note_bind(bind_error_, stmt_ != nullptr ? sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT,
                                                                 SQLITE_UTF8)
                                          : SQLITE_MISUSE);
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  const void* data = blob.empty() ? static_cast<const void*>(kEmpty) : blob.data();
  note_bind(bind_error_,
            stmt_ != nullptr ? sqlite3_bind_blob64(stmt_, index, data, blob.size(), SQLITE_TRANSIENT) : SQLITE_MISUSE);
  return *this;
}

Statement& Statement::bind_null(int index) {
  note_bind(bind_error_, stmt_ != nullptr ? sqlite3_bind_null(stmt_, index) : SQLITE_MISUSE);
  return *this;
}

Result<bool> Statement::step() {
  if (stmt_ == nullptr) return make_error(Errc::internal, "step() on a statement that was moved away");
  if (bind_error_ != SQLITE_OK) return sqlite_error(bind_error_, nullptr, "binding a value to " + sql_of(stmt_) + " failed");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, db_, "running " + sql_of(stmt_) + " failed");
}

Status Statement::run() {
  auto row = step();
  if (!row) return std::move(row).error();
  if (*row) return make_error(Errc::internal, sql_of(stmt_) + " returned a row where none was expected");
  return {};
}

// Bindings are cleared too, so a parameter forgotten on the next use is NULL (and trips a
// NOT NULL constraint) rather than silently keeping the previous value.
Status Statement::reset() {
  if (stmt_ == nullptr) return make_error(Errc::internal, "reset() on a statement that was moved away");
  sqlite3_reset(stmt_);  // its code repeats the last step() error, which was already reported
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
  return {};
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const unsigned char* data = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);  // after the conversion above
  if (data == nullptr || size <= 0) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

Bytes Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

}  // namespace parley::store
