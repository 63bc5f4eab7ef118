// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: hands a StoreKey to SQLCipher.
#pragma once

#include "parley/error.hpp"
#include "parley/store_key.hpp"

struct sqlite3;

namespace parley::store {

// Rejects keys that SQLCipher would silently misread: an empty passphrase (no encryption at
// all) and a passphrase written in SQLCipher's raw-key syntax x'<hex>' (used without KDF, and
// it would open a file created with the matching raw key). Touches no file.
Status check_key(const StoreKey& key);

// sqlite3_key() with the raw key as the string x'<64 hex>' or the passphrase as-is (PBKDF2
// inside SQLCipher); nothing for StoreKey::none(). Call before the first read of the file.
Status apply_key(sqlite3* db, const StoreKey& key);

// sqlite3_rekey() to a raw key (x'<64 hex>'): re-encrypts every page in one transaction.
Status rekey_to(sqlite3* db, const StoreKey& raw);

}  // namespace parley::store
