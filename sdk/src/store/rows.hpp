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

inline ByteView id_bytes(const MessageId& id) { return ByteView(id.bytes); }

// A column that must hold an unsigned 32-bit number (device, prekey and registration ids).
Result<std::uint32_t> column_u32(const Statement& stmt, int index, std::string_view what);

// A column that must hold a 16-byte message id.
Result<MessageId> column_message_id(const Statement& stmt, int index, std::string_view what);

// Steps a query that yields at most one row and returns its first column as a blob.
Result<std::optional<Bytes>> optional_blob(Statement& stmt);

}  // namespace parley::store
