// SPDX-License-Identifier: GPL-3.0-or-later
#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

#include "relay_errors.hpp"

namespace parley::relay {

namespace {

// libpq's messages end in a newline and may quote the statement; keep the first line.
std::string first_line(const char* message) {
  std::string text = message ? message : "";
  if (auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text;
}

Error error_of(pg_result* result, pg_conn* conn) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = "PostgreSQL: " + first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  const std::string_view code = state ? state : "";
  // Another transaction (often another relay's) won; the whole transaction may run again.
  if (code == "40001" || code == "40P01") return make_error(kStorageRetry, message);
  if (code == "53100") return make_error(kStorageFull, "the database's disk is full: " + message);
  return make_error(Errc::store_io, message);
}

}  // namespace

PgParams& PgParams::add(std::string_view text) {
  values_.emplace_back(text);
  binary_.push_back(0);
  return *this;
}

PgParams& PgParams::add(std::int64_t value) { return add(std::string_view(std::to_string(value))); }

PgParams& PgParams::add(ByteView bytes) {
  values_.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  binary_.push_back(1);
  return *this;
}

PgRows::PgRows(pg_result* result) : result_(result) {}
PgRows::PgRows(PgRows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgRows& PgRows::operator=(PgRows&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
PgRows::~PgRows() {
  if (result_) PQclear(result_);
}

int PgRows::size() const { return PQntuples(result_); }

std::int64_t PgRows::integer(int row, int column) const {
  const char* text = PQgetvalue(result_, row, column);
  std::int64_t value = 0;
  std::from_chars(text, text + std::strlen(text), value);
  return value;
}

std::string PgRows::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

Bytes PgRows::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (!raw) return {};
  Bytes out(raw, raw + length);
  PQfreemem(raw);
  return out;
}

bool PgRows::null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::uint64_t PgRows::affected() const {
  const char* text = PQcmdTuples(result_);
  std::uint64_t value = 0;
  std::from_chars(text, text + std::strlen(text), value);
  return value;
}

Result<PgConnection> PgConnection::connect(const std::string& url) {
  pg_conn* conn = PQconnectdb(url.c_str());
  if (!conn) return make_error(Errc::store_io, "PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error error = make_error(Errc::store_io, "cannot connect to PostgreSQL: " + first_line(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  return PgConnection(conn);
}

PgConnection::PgConnection(pg_conn* conn) : conn_(conn) {}
PgConnection::PgConnection(PgConnection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}
PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

Result<PgRows> PgConnection::exec(const char* sql, const PgParams& params) {
  const std::size_t n = params.values_.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = params.values_[i].c_str();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  pg_result* result = PQexecParams(conn_, sql, static_cast<int>(n), nullptr, values.data(), lengths.data(),
                                   params.binary_.data(), 0);
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error error = error_of(result, conn_);
    if (result) PQclear(result);
    return error;
  }
  return PgRows(result);
}

Status PgConnection::exec_script(const char* sql) {
  pg_result* result = PQexec(conn_, sql);
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error error = error_of(result, conn_);
    if (result) PQclear(result);
    return error;
  }
  PQclear(result);
  return {};
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::reset() {
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    return make_error(Errc::store_io, "cannot reconnect to PostgreSQL: " + first_line(PQerrorMessage(conn_)));
  return {};
}

bool PgConnection::transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

int PgConnection::socket() const { return PQsocket(conn_); }

Result<std::vector<std::pair<std::string, std::string>>> PgConnection::notifications() {
  if (!PQconsumeInput(conn_))
    return make_error(Errc::store_io, "PostgreSQL connection lost: " + first_line(PQerrorMessage(conn_)));
  std::vector<std::pair<std::string, std::string>> out;
  while (PGnotify* note = PQnotifies(conn_)) {
    out.emplace_back(note->relname, note->extra ? note->extra : "");
    PQfreemem(note);
  }
  return out;
}

}  // namespace parley::relay
