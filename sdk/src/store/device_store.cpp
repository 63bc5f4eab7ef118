// SPDX-License-Identifier: GPL-3.0-or-later
// Opening and migrating the device store; local identity and meta values.
#include "store/device_store.hpp"

#include <string>

#include "store/device_schema.hpp"
#include "store/rows.hpp"

namespace parley::store {
namespace {

Result<int> user_version(Database& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  return *row ? static_cast<int>(stmt->column_int(0)) : 0;
}

Result<bool> has_tables(Database& db) {
  auto stmt = db.prepare("SELECT 1 FROM sqlite_master LIMIT 1");
  if (!stmt) return stmt.error();
  return stmt->step();
}

}  // namespace

Result<std::unique_ptr<DeviceStore>> DeviceStore::open(const std::string& path, const StoreKey& key) {
  auto db = Database::open(path, key);
  if (!db) return std::move(db).error();
  // Removed one-time prekeys and superseded session states must not survive in free pages.
  PARLEY_TRY(db->exec("PRAGMA secure_delete = ON"));
  std::unique_ptr<DeviceStore> store(new DeviceStore(std::move(*db)));
  if (auto migrated = store->migrate(); !migrated) {
    Error error = std::move(migrated).error();
    error.message = "store file '" + path + "': " + error.message;
    return error;
  }
  return Result<std::unique_ptr<DeviceStore>>(std::move(store));
}

Status DeviceStore::migrate() {
  auto current = user_version(db_);
  if (!current) return current.error();
  if (*current == kDeviceSchemaVersion) return {};  // the common case takes no write lock

  return in_transaction(db_, [&]() -> Status {
    auto version = user_version(db_);  // again, under the lock: another process may have migrated
    if (!version) return version.error();
    if (*version > kDeviceSchemaVersion)
      return make_error(Errc::unsupported_version, "schema version " + std::to_string(*version) +
                                                       " was written by a newer build; this build reads up to " +
                                                       std::to_string(kDeviceSchemaVersion));
    if (*version == 0) {
      auto foreign = has_tables(db_);
      if (!foreign) return foreign.error();
      if (*foreign) return make_error(Errc::store_corrupt, "the file holds tables but is not a Parley device store");
    }
    for (const Migration& step : device_migrations()) {
      if (step.to_version <= *version) continue;
      PARLEY_TRY(db_.exec(step.sql));
      PARLEY_TRY(db_.exec("PRAGMA user_version = " + std::to_string(step.to_version)));
    }
    return {};
  });
}

Result<std::optional<LocalIdentity>> DeviceStore::local_identity() const {
  auto stmt = db_.prepare("SELECT user, device, registration_id, public, private FROM local_identity WHERE id = 1");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<LocalIdentity>();

  LocalIdentity identity;
  identity.address.user = stmt->column_text(0);
  auto device = column_u32(*stmt, 1, "local identity device id");
  if (!device) return device.error();
  auto registration = column_u32(*stmt, 2, "local identity registration id");
  if (!registration) return registration.error();
  identity.address.device = *device;
  identity.registration_id = *registration;
  identity.identity_public = stmt->column_blob(3);
  identity.identity_private = stmt->column_blob(4);
  return std::optional<LocalIdentity>(std::move(identity));
}

Status DeviceStore::set_local_identity(const LocalIdentity& identity) {
  auto stmt = db_.prepare(
      "INSERT OR REPLACE INTO local_identity (id, user, device, registration_id, public, private) "
      "VALUES (1, ?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, identity.address.user)
      .bind(2, std::int64_t{identity.address.device})
      .bind(3, std::int64_t{identity.registration_id})
      .bind(4, ByteView(identity.identity_public))
      .bind(5, ByteView(identity.identity_private));
  return stmt->run();
}

Result<std::optional<Bytes>> DeviceStore::meta_get(std::string_view key) const {
  auto stmt = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, key);
  return optional_blob(*stmt);
}

Status DeviceStore::meta_set(std::string_view key, ByteView value) {
  auto stmt = db_.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, key).bind(2, value);
  return stmt->run();
}

}  // namespace parley::store
