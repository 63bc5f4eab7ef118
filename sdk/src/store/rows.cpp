// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/rows.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace parley::store {

Result<std::uint32_t> column_u32(const Statement& stmt, int index, std::string_view what) {
  const std::int64_t value = stmt.column_int(index);
  if (stmt.column_is_null(index) || value < 0 || value > std::numeric_limits<std::uint32_t>::max())
    return make_error(Errc::store_corrupt, std::string(what) + " in the store is not a 32-bit unsigned number");
  return static_cast<std::uint32_t>(value);
}

Result<MessageId> column_message_id(const Statement& stmt, int index, std::string_view what) {
  const Bytes blob = stmt.column_blob(index);
  MessageId id;
  if (blob.size() != id.bytes.size())
    return make_error(Errc::store_corrupt, std::string(what) + " in the store has " + std::to_string(blob.size()) +
                                               " bytes, expected " + std::to_string(id.bytes.size()));
  std::copy(blob.begin(), blob.end(), id.bytes.begin());
  return id;
}

Result<std::optional<Bytes>> optional_blob(Statement& stmt) {
  auto row = stmt.step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<Bytes>();
  return std::optional<Bytes>(stmt.column_blob(0));
}

}  // namespace parley::store
