// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: reading typed values back out of rows, where anything that does not
// fit the type is corruption (the file was changed behind our back, or by a bug).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "store/database.hpp"

namespace parley::store {

// Statement journals. Inside a transaction, SQLite keeps a statement journal for a statement
// that may write several rows and then abort half-way: INSERT ... SELECT, INSERT OR REPLACE
// (which deletes the row it replaces), a multi-row UPDATE. SQLCipher encrypts (random IV,
// AES, HMAC) every page the statement touches into that journal before the page changes,
// even when the journal is in memory: for a row with a blob of a few hundred bytes or more
// that costs as much as the commit. Rows written on the hot paths (outbox, sender keys,
// sessions, send keys, cursors) are therefore written with single-row statements only: an
// UPDATE by primary key, then an INSERT when it changed nothing, or INSERT OR IGNORE on a
// unique key. Same rows, same outcome.

inline ByteView id_bytes(const MessageId& id) { return ByteView(id.bytes); }

// A column that must hold an unsigned 32-bit number (device, prekey and registration ids).
Result<std::uint32_t> column_u32(const Statement& stmt, int index, std::string_view what);

// A column that must hold a 16-byte message id.
Result<MessageId> column_message_id(const Statement& stmt, int index, std::string_view what);

// Steps a query that yields at most one row and returns its first column as a blob.
Result<std::optional<Bytes>> optional_blob(Statement& stmt);

// Writes one hot-path row without a statement journal (above): `update` by primary key and,
// when it changed no row, `insert`. `bind(stmt)` binds the numbered parameters both share.
template <class Bind>
Status update_or_insert(Database& db, const char* update, const char* insert, Bind&& bind) {
  for (const char* sql : {update, insert}) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    bind(*stmt);
    PARLEY_TRY(stmt->run());
    if (db.changes() > 0) return {};
  }
  return {};
}

}  // namespace parley::store
