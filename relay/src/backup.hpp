// SPDX-License-Identifier: GPL-3.0-or-later
// Online backup of the relay database with SQLite's backup API (`parley-relay admin backup`),
// and the integrity check the backup runs on its copy.
#pragma once

#include <cstdint>
#include <filesystem>

#include "parley/error.hpp"
#include "parley/store_key.hpp"
#include "store/database.hpp"

namespace parley::relay {

// Copies `source` into a new file `destination`, encrypted with `key` (the source's own key:
// SQLCipher copies pages as they are, so the two must match). The copy is written beside the
// destination as DEST.partial, checked, synced and renamed into place: DEST appears complete or
// not at all. Errc::invalid_argument if DEST exists; returns the pages copied.
Result<std::uint64_t> backup_database(store::Database& source, const std::filesystem::path& destination,
                                      const StoreKey& key);

// PRAGMA integrity_check on `db`: Errc::store_corrupt naming SQLite's first complaint.
Status check_integrity(store::Database& db);

}  // namespace parley::relay
