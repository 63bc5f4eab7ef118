// SPDX-License-Identifier: GPL-3.0-or-later
// The one place that picks a Storage implementation from the configuration (`storage`).
#pragma once

#include <memory>

#include "config.hpp"
#include "storage.hpp"

namespace parley::relay {

// The limits the configuration sets for a Storage.
StorageLimits storage_limits(const RelayConfig& config);

// SqliteStorage in data_dir, or PgStorage at postgres_url (its schema created if missing).
Result<std::unique_ptr<Storage>> open_storage(const RelayConfig& config);

// Where the storage lives, for logs and errors (never the URL: it may hold a password).
std::string storage_description(const RelayConfig& config);

}  // namespace parley::relay
