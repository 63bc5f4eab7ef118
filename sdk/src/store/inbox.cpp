// SPDX-License-Identifier: GPL-3.0-or-later
// Inbox de-duplication: the relay may deliver a message again after a lost acknowledgement.
#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {

Result<bool> DeviceStore::inbox_seen(const Address& sender, const MessageId& id) const {
  auto stmt = db_.prepare("SELECT 1 FROM inbox_seen WHERE user = ?1 AND device = ?2 AND message_id = ?3");
  if (!stmt) return stmt.error();
  stmt->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id_bytes(id));
  return stmt->step();
}

// Marking twice keeps the first time seen.
Status DeviceStore::inbox_mark(const Address& sender, const MessageId& id, TimeMs now) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO inbox_seen (user, device, message_id, seen_at) VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id_bytes(id)).bind(4, std::int64_t{now});
  return stmt->run();
}

}  // namespace parley::store
