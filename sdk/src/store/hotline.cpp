// SPDX-License-Identifier: GPL-3.0-or-later
// Hotline bookkeeping: the overdue acknowledgements this device already reported, so that a
// restart does not report them again.
#include "store/device_store.hpp"

namespace parley::store {

namespace {

// Both statements name one (cell, channel, sender, message, party) row as ?1..?6.
void bind_row(Statement& stmt, ByteView cell_id, std::string_view channel, const Address& sender, const MessageId& id,
              std::string_view party) {
  stmt.bind(1, cell_id)
      .bind(2, channel)
      .bind(3, sender.user)
      .bind(4, std::int64_t{sender.device})
      .bind(5, ByteView(id.bytes.data(), id.bytes.size()))
      .bind(6, party);
}

}  // namespace

Status DeviceStore::overdue_mark(ByteView cell_id, std::string_view channel, const Address& sender,
                                 const MessageId& id, std::string_view party) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO hotline_overdue (cell_id, channel, user, device, message_id, party) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  bind_row(*stmt, cell_id, channel, sender, id, party);
  return stmt->run();
}

Result<bool> DeviceStore::overdue_marked(ByteView cell_id, std::string_view channel, const Address& sender,
                                         const MessageId& id, std::string_view party) const {
  auto stmt = db_.prepare(
      "SELECT 1 FROM hotline_overdue WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4 "
      "AND message_id = ?5 AND party = ?6");
  if (!stmt) return stmt.error();
  bind_row(*stmt, cell_id, channel, sender, id, party);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  return *row;
}

}  // namespace parley::store
