// SPDX-License-Identifier: GPL-3.0-or-later
// Plaintext contents waiting for a pairwise session with their recipient.
#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {

Result<std::int64_t> DeviceStore::pending_put(const PendingItem& item) {
  auto stmt = db_.prepare(
      "INSERT INTO pending (message_id, user, device, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, id_bytes(item.message_id))
      .bind(2, item.recipient.user)
      .bind(3, std::int64_t{item.recipient.device})
      .bind(4, ByteView(item.content))
      .bind(5, std::int64_t{item.created_at});
  PARLEY_TRY(stmt->run());
  return db_.last_insert_rowid();
}

Result<std::vector<PendingItem>> DeviceStore::pending_items() const {
  auto stmt = db_.prepare("SELECT seq, message_id, user, device, content, created_at FROM pending ORDER BY seq");
  if (!stmt) return stmt.error();
  std::vector<PendingItem> items;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return items;
    PendingItem item;
    item.seq = stmt->column_int(0);
    auto id = column_message_id(*stmt, 1, "pending message id");
    if (!id) return id.error();
    auto device = column_u32(*stmt, 3, "pending recipient device id");
    if (!device) return device.error();
    item.message_id = *id;
    item.recipient.user = stmt->column_text(2);
    item.recipient.device = *device;
    item.content = stmt->column_blob(4);
    item.created_at = stmt->column_int(5);
    items.push_back(std::move(item));
  }
}

Status DeviceStore::pending_remove(std::int64_t seq) {
  auto stmt = db_.prepare("DELETE FROM pending WHERE seq = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, seq);
  return stmt->run();
}

}  // namespace parley::store
