// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage_factory.hpp"

#include "pg_storage.hpp"
#include "sqlite_storage.hpp"

namespace parley::relay {

StorageLimits storage_limits(const RelayConfig& config) {
  StorageLimits limits;
  limits.max_mailbox = config.max_mailbox;
  limits.max_stored_prekeys = config.max_stored_prekeys;
  limits.max_storage_bytes = config.max_storage_bytes;
  return limits;
}

Result<std::unique_ptr<Storage>> open_storage(const RelayConfig& config) {
  if (config.storage == "postgres") {
    auto opened = PgStorage::open(config.postgres_url, storage_limits(config), config.postgres_notify);
    if (!opened) return std::move(opened).error();
    return std::unique_ptr<Storage>(std::move(opened).value());
  }
  auto opened = SqliteStorage::open(config.data_dir, config.store_key, storage_limits(config));
  if (!opened) return std::move(opened).error();
  return std::unique_ptr<Storage>(std::make_unique<SqliteStorage>(std::move(opened).value()));
}

std::string storage_description(const RelayConfig& config) {
  if (config.storage == "postgres") return "PostgreSQL";
  return "SQLite in " + config.data_dir;
}

}  // namespace parley::relay
