// SPDX-License-Identifier: GPL-3.0-or-later
// Party-admin proposals a supervisor device received and has not decided on yet, and the
// overdue acknowledgements this device already reported (so a restart does not repeat them).
#include "store/device_store.hpp"

namespace parley::store {

Status DeviceStore::proposal_put(ByteView cell_id, ByteView id, const StoredCommit& p, TimeMs now) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO cell_proposals (cell_id, id, bytes, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id).bind(3, ByteView(p.bytes)).bind(4, ByteView(p.signature)).bind(5, std::int64_t{now});
  return stmt->run();
}

Result<std::optional<StoredCommit>> DeviceStore::proposal_get(ByteView cell_id, ByteView id) const {
  auto stmt = db_.prepare("SELECT bytes, signature FROM cell_proposals WHERE cell_id = ?1 AND id = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredCommit>();
  return std::optional<StoredCommit>(StoredCommit{0, stmt->column_blob(0), stmt->column_blob(1)});
}

Status DeviceStore::proposal_remove(ByteView cell_id, ByteView id) {
  auto stmt = db_.prepare("DELETE FROM cell_proposals WHERE cell_id = ?1 AND id = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id);
  return stmt->run();
}

Status DeviceStore::overdue_mark(ByteView cell_id, std::string_view channel, const Address& sender,
                                 const MessageId& id, std::string_view party) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO hotline_overdue (cell_id, channel, user, device, message_id, party) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, sender.user)
      .bind(4, std::int64_t{sender.device})
      .bind(5, ByteView(id.bytes.data(), id.bytes.size()))
      .bind(6, party);
  return stmt->run();
}

Result<bool> DeviceStore::overdue_marked(ByteView cell_id, std::string_view channel, const Address& sender,
                                         const MessageId& id, std::string_view party) const {
  auto stmt = db_.prepare(
      "SELECT 1 FROM hotline_overdue WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4 "
      "AND message_id = ?5 AND party = ?6");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, sender.user)
      .bind(4, std::int64_t{sender.device})
      .bind(5, ByteView(id.bytes.data(), id.bytes.size()))
      .bind(6, party);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  return *row;
}

}  // namespace parley::store
