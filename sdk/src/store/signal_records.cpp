// SPDX-License-Identifier: GPL-3.0-or-later
// libsignal's persistent state as opaque blobs: remote identities, prekeys, signed prekeys,
// pairwise sessions and sender keys. Removing something absent is not an error: libsignal
// may remove a prekey that an earlier, interrupted run already removed.
#include <string>

#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {
namespace {

Result<std::optional<Bytes>> load_by_id(Database& db, std::string_view sql, std::uint32_t id) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{id});
  return optional_blob(*stmt);
}

Status write_by_id(Database& db, std::string_view sql, std::uint32_t id, ByteView record) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{id}).bind(2, record);
  return stmt->run();
}

Status remove_by_id(Database& db, std::string_view sql, std::uint32_t id) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{id});
  return stmt->run();
}

// Every row's first column as a uint32, in the query's order.
Result<std::vector<std::uint32_t>> u32_column(Statement& stmt, std::string_view what) {
  std::vector<std::uint32_t> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    auto value = column_u32(stmt, 0, what);
    if (!value) return value.error();
    out.push_back(*value);
  }
}

Result<std::vector<std::uint32_t>> all_ids(Database& db, std::string_view sql, std::string_view what) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt.error();
  return u32_column(*stmt, what);
}

}  // namespace

// --- remote identities ---

Result<std::optional<Bytes>> DeviceStore::identity_load(const Address& address) const {
  auto stmt = db_.prepare("SELECT public_key FROM identities WHERE user = ?1 AND device = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, address.user).bind(2, std::int64_t{address.device});
  return optional_blob(*stmt);
}

Status DeviceStore::identity_save(const Address& address, ByteView public_key) {
  auto stmt = db_.prepare("INSERT OR REPLACE INTO identities (user, device, public_key) VALUES (?1, ?2, ?3)");
  if (!stmt) return stmt.error();
  stmt->bind(1, address.user).bind(2, std::int64_t{address.device}).bind(3, public_key);
  return stmt->run();
}

// --- one-time prekeys ---

Result<std::optional<Bytes>> DeviceStore::prekey_load(std::uint32_t id) const {
  return load_by_id(db_, "SELECT record FROM prekeys WHERE id = ?1", id);
}

Status DeviceStore::prekey_store(std::uint32_t id, ByteView record) {
  return write_by_id(db_, "INSERT OR REPLACE INTO prekeys (id, record) VALUES (?1, ?2)", id, record);
}

Status DeviceStore::prekey_remove(std::uint32_t id) {
  return remove_by_id(db_, "DELETE FROM prekeys WHERE id = ?1", id);
}

Result<std::vector<std::uint32_t>> DeviceStore::prekey_ids() const {
  return all_ids(db_, "SELECT id FROM prekeys ORDER BY id", "prekey id");
}

// --- signed prekeys ---

Result<std::optional<Bytes>> DeviceStore::signed_prekey_load(std::uint32_t id) const {
  return load_by_id(db_, "SELECT record FROM signed_prekeys WHERE id = ?1", id);
}

Status DeviceStore::signed_prekey_store(std::uint32_t id, ByteView record) {
  return write_by_id(db_, "INSERT OR REPLACE INTO signed_prekeys (id, record) VALUES (?1, ?2)", id, record);
}

Status DeviceStore::signed_prekey_remove(std::uint32_t id) {
  return remove_by_id(db_, "DELETE FROM signed_prekeys WHERE id = ?1", id);
}

Result<std::vector<std::uint32_t>> DeviceStore::signed_prekey_ids() const {
  return all_ids(db_, "SELECT id FROM signed_prekeys ORDER BY id", "signed prekey id");
}

// --- pairwise sessions ---

Result<std::optional<Bytes>> DeviceStore::session_load(const Address& address) const {
  auto stmt = db_.prepare("SELECT record FROM sessions WHERE user = ?1 AND device = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, address.user).bind(2, std::int64_t{address.device});
  return optional_blob(*stmt);
}

Status DeviceStore::session_store(const Address& address, ByteView record) {
  return update_or_insert(db_, "UPDATE sessions SET record = ?3 WHERE user = ?1 AND device = ?2",
                          "INSERT INTO sessions (user, device, record) VALUES (?1, ?2, ?3)", [&](Statement& stmt) {
                            stmt.bind(1, address.user).bind(2, std::int64_t{address.device}).bind(3, record);
                          });
}

Status DeviceStore::session_delete(const Address& address) {
  auto stmt = db_.prepare("DELETE FROM sessions WHERE user = ?1 AND device = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, address.user).bind(2, std::int64_t{address.device});
  return stmt->run();
}

Status DeviceStore::session_delete_all(std::string_view user) {
  auto stmt = db_.prepare("DELETE FROM sessions WHERE user = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, user);
  return stmt->run();
}

Result<std::vector<std::uint32_t>> DeviceStore::session_devices(std::string_view user) const {
  auto stmt = db_.prepare("SELECT device FROM sessions WHERE user = ?1 ORDER BY device");
  if (!stmt) return stmt.error();
  stmt->bind(1, user);
  return u32_column(*stmt, "session device id");
}

// --- sender keys ---

Result<std::optional<Bytes>> DeviceStore::sender_key_load(ByteView group_id, const Address& sender) const {
  auto stmt = db_.prepare("SELECT record FROM sender_keys WHERE group_id = ?1 AND user = ?2 AND device = ?3");
  if (!stmt) return stmt.error();
  stmt->bind(1, group_id).bind(2, sender.user).bind(3, std::int64_t{sender.device});
  return optional_blob(*stmt);
}

Status DeviceStore::sender_key_store(ByteView group_id, const Address& sender, ByteView record) {
  return update_or_insert(
      db_, "UPDATE sender_keys SET record = ?4 WHERE group_id = ?1 AND user = ?2 AND device = ?3",
      "INSERT INTO sender_keys (group_id, user, device, record) VALUES (?1, ?2, ?3, ?4)", [&](Statement& stmt) {
        stmt.bind(1, group_id).bind(2, sender.user).bind(3, std::int64_t{sender.device}).bind(4, record);
      });
}

}  // namespace parley::store
