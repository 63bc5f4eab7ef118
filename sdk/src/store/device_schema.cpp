// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/device_schema.hpp"

#include <array>

namespace parley::store {
namespace {

// Users are TEXT, devices and ids INTEGER (uint32), records and ids opaque BLOBs.
// Tables keyed by address use WITHOUT ROWID: the primary key is the only lookup.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE local_identity (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  user            TEXT NOT NULL,
  device          INTEGER NOT NULL,
  registration_id INTEGER NOT NULL,
  public          BLOB NOT NULL,
  private         BLOB NOT NULL
);

CREATE TABLE identities (
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  PRIMARY KEY (user, device)
) WITHOUT ROWID;

CREATE TABLE prekeys (
  id     INTEGER PRIMARY KEY,
  record BLOB NOT NULL
);

CREATE TABLE signed_prekeys (
  id     INTEGER PRIMARY KEY,
  record BLOB NOT NULL
);

CREATE TABLE sessions (
  user   TEXT NOT NULL,
  device INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (user, device)
) WITHOUT ROWID;

CREATE TABLE sender_keys (
  group_id BLOB NOT NULL,
  user     TEXT NOT NULL,
  device   INTEGER NOT NULL,
  record   BLOB NOT NULL,
  PRIMARY KEY (group_id, user, device)
) WITHOUT ROWID;

CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id BLOB NOT NULL UNIQUE,
  recipients BLOB NOT NULL,
  payload    BLOB NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE pending (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id BLOB NOT NULL,
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  content    BLOB NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE inbox_seen (
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  seen_at    INTEGER NOT NULL,
  PRIMARY KEY (user, device, message_id)
) WITHOUT ROWID;
)sql";

constexpr std::array kMigrations = {
    Migration{1, kVersion1},
};

static_assert(kMigrations.back().to_version == kDeviceSchemaVersion);

}  // namespace

std::span<const Migration> device_migrations() { return kMigrations; }

}  // namespace parley::store
