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

// Cells (issue 3): charters, this device's sending keys per channel, installed key tags,
// channel history and envelopes held until their key or charter epoch arrives.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE charter_commits (
  cell_id   BLOB NOT NULL,
  epoch     INTEGER NOT NULL,
  bytes     BLOB NOT NULL,
  signature BLOB NOT NULL,
  PRIMARY KEY (cell_id, epoch)
) WITHOUT ROWID;

CREATE TABLE channel_send_keys (
  cell_id     BLOB NOT NULL,
  channel     TEXT NOT NULL,
  generation  INTEGER NOT NULL,
  distributed BLOB NOT NULL,
  sent_count  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (cell_id, channel)
) WITHOUT ROWID;

CREATE TABLE channel_key_tags (
  tag        BLOB PRIMARY KEY NOT NULL,
  cell_id    BLOB NOT NULL,
  channel    TEXT NOT NULL,
  generation INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channel_history (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  cell_id     BLOB NOT NULL,
  channel     TEXT NOT NULL,
  user        TEXT NOT NULL,
  device      INTEGER NOT NULL,
  message_id  BLOB NOT NULL,
  epoch       INTEGER NOT NULL,
  sent_at     INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  kind        INTEGER NOT NULL,
  body        BLOB NOT NULL,
  UNIQUE (cell_id, user, device, message_id)
);

CREATE TABLE held_envelopes (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  user        TEXT NOT NULL,
  device      INTEGER NOT NULL,
  payload     BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
)sql";

// Recovery of lost channel traffic: post numbers (own counter, received ones in history),
// per-sender cursors (the lowest post number not yet accounted for) and the exact key
// distributions this device sent, so that one can be sent again when a reader lost it; and
// party-admin proposals waiting for a supervisor's decision; hotline fields of messages
// (precedence, attestation) and the overdue acknowledgements already reported.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE channel_send_keys ADD COLUMN next_post INTEGER NOT NULL DEFAULT 1;
ALTER TABLE channel_history ADD COLUMN post_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel_history ADD COLUMN precedence INTEGER NOT NULL DEFAULT 1;
ALTER TABLE channel_history ADD COLUMN attestation BLOB NOT NULL DEFAULT x'';
CREATE INDEX channel_history_posts ON channel_history (cell_id, channel, user, device, post_number);

CREATE TABLE channel_cursors (
  cell_id   BLOB NOT NULL,
  channel   TEXT NOT NULL,
  user      TEXT NOT NULL,
  device    INTEGER NOT NULL,
  next_post INTEGER NOT NULL,
  PRIMARY KEY (cell_id, channel, user, device)
) WITHOUT ROWID;

CREATE TABLE sent_distributions (
  cell_id    BLOB NOT NULL,
  channel    TEXT NOT NULL,
  generation INTEGER NOT NULL,
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  body       BLOB NOT NULL,
  PRIMARY KEY (cell_id, channel, generation, user, device)
) WITHOUT ROWID;

CREATE TABLE hotline_overdue (
  cell_id    BLOB NOT NULL,
  channel    TEXT NOT NULL,
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  party      TEXT NOT NULL,
  PRIMARY KEY (cell_id, channel, user, device, message_id, party)
) WITHOUT ROWID;

CREATE TABLE cell_proposals (
  cell_id     BLOB NOT NULL,
  id          BLOB NOT NULL,
  bytes       BLOB NOT NULL,
  signature   BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (cell_id, id)
) WITHOUT ROWID;
)sql";

// Trust (issue 11): when this device applied each charter epoch (the freshness window of
// posts naming an older epoch is measured from it; 0 for epochs applied before this
// version, which count as long ago), and posts waiting for a charter epoch this device heard of.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE charter_commits ADD COLUMN applied_at INTEGER NOT NULL DEFAULT 0;


CREATE TABLE queued_posts (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  cell_id    BLOB NOT NULL,
  channel    TEXT NOT NULL,
  kind       INTEGER NOT NULL,
  body       BLOB NOT NULL,
  precedence INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  created_at INTEGER NOT NULL
);

)sql";

// Joining (issue 11): anchors the app gave out of band, and Welcomes that matched none,
// waiting for the app to accept or decline them.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE join_anchors (
  kind     INTEGER NOT NULL,
  value    BLOB NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;

CREATE TABLE cell_invitations (
  genesis      BLOB PRIMARY KEY,
  cell_id      BLOB NOT NULL,
  from_user    TEXT NOT NULL,
  from_device  INTEGER NOT NULL,
  welcome      BLOB NOT NULL,
  received_at  INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Where each reader's share of this device's posts on a channel starts (issue 11): sent in
// every key distribution, so that a reader who lost its first key still asks for the posts
// it was meant to read.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE channel_reader_since (
  cell_id    BLOB NOT NULL,
  channel    TEXT NOT NULL,
  user       TEXT NOT NULL,
  device     INTEGER NOT NULL,
  first_post INTEGER NOT NULL,
  PRIMARY KEY (cell_id, channel, user, device)
) WITHOUT ROWID;
)sql";

// Consent for new readers (issue 15): the co-signatures a commit carries are not part of its
// signed bytes, so they are kept beside them (the whole "PLS1" container, only when present).
constexpr std::string_view kVersion7 = R"sql(
ALTER TABLE charter_commits ADD COLUMN co_signed BLOB NOT NULL DEFAULT x'';
)sql";

constexpr std::array kMigrations = {
    Migration{1, kVersion1},
    Migration{2, kVersion2},
    Migration{3, kVersion3},
    Migration{4, kVersion4},
    Migration{5, kVersion5},
    Migration{6, kVersion6},
    Migration{7, kVersion7},
};

static_assert(kMigrations.back().to_version == kDeviceSchemaVersion);

}  // namespace

std::span<const Migration> device_migrations() { return kMigrations; }

}  // namespace parley::store
