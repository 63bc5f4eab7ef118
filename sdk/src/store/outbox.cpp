// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox: payloads resent with the same message id until the relay acknowledges them.
#include "store/device_store.hpp"
#include "store/recipient_codec.hpp"
#include "store/rows.hpp"

namespace parley::store {

// A second put of the same id must not replace the first: the payload was produced by a
// ratchet step that cannot be repeated, so the first bytes are the ones to resend (OR IGNORE
// on the UNIQUE message_id). A single-row VALUES insert, not INSERT ... SELECT: inside a
// transaction the latter needs a statement journal, into which SQLCipher encrypts every page
// the statement touches (rows.hpp, "statement journals").
Status DeviceStore::outbox_put(const OutboxItem& item) {
  auto recipients = encode_recipients(item.recipients);
  if (!recipients) return recipients.error();
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO outbox (message_id, recipients, payload, created_at) VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, id_bytes(item.message_id))
      .bind(2, ByteView(*recipients))
      .bind(3, ByteView(item.payload))
      .bind(4, std::int64_t{item.created_at});
  return stmt->run();
}

Result<std::vector<OutboxItem>> DeviceStore::outbox_items() const {
  auto stmt = db_.prepare("SELECT message_id, recipients, payload, created_at FROM outbox ORDER BY seq");
  if (!stmt) return stmt.error();
  std::vector<OutboxItem> items;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return items;
    OutboxItem item;
    auto id = column_message_id(*stmt, 0, "outbox message id");
    if (!id) return id.error();
    auto recipients = decode_recipients(stmt->column_blob(1));
    if (!recipients) return recipients.error();
    item.message_id = *id;
    item.recipients = std::move(*recipients);
    item.payload = stmt->column_blob(2);
    item.created_at = stmt->column_int(3);
    items.push_back(std::move(item));
  }
}

Status DeviceStore::outbox_remove(const MessageId& id) {
  auto stmt = db_.prepare("DELETE FROM outbox WHERE message_id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, id_bytes(id));
  return stmt->run();
}

}  // namespace parley::store
