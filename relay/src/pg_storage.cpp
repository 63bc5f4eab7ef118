// SPDX-License-Identifier: GPL-3.0-or-later
#include "pg_storage.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "relay_errors.hpp"

namespace parley::relay {

namespace {

constexpr int kSchemaVersion = 1;  // PostgreSQL's own line of versions, apart from SQLite's
constexpr int kMaxAttempts = 10;   // per operation outside a batch

// As SqliteStorage's schema, in portable SQL. "user" is reserved in PostgreSQL: user_name.
// messages.id only needs to be unique (a distributed database may hand out sparse values);
// mailbox order comes from devices.last_seq.
constexpr const char* kSchema = R"sql(
SET LOCAL client_min_messages = warning;
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS devices(
  user_name TEXT NOT NULL,
  device BIGINT NOT NULL,
  registration_id BIGINT NOT NULL,
  identity_key BYTEA NOT NULL,
  signed_prekey_id BIGINT NOT NULL,
  signed_prekey BYTEA NOT NULL,
  signed_prekey_signature BYTEA NOT NULL,
  mailbox_count BIGINT NOT NULL DEFAULT 0,
  last_seq BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(user_name, device));
CREATE TABLE IF NOT EXISTS one_time_prekeys(
  user_name TEXT NOT NULL,
  device BIGINT NOT NULL,
  key_id BIGINT NOT NULL,
  public_key BYTEA NOT NULL,
  PRIMARY KEY(user_name, device, key_id));
CREATE TABLE IF NOT EXISTS messages(
  id BIGSERIAL PRIMARY KEY,
  sender_user TEXT NOT NULL,
  sender_device BIGINT NOT NULL,
  message_id BYTEA NOT NULL,
  payload BYTEA NOT NULL,
  stored_at_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(stored_at_ms);
CREATE TABLE IF NOT EXISTS mailbox(
  recipient_user TEXT NOT NULL,
  recipient_device BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  message BIGINT NOT NULL,
  PRIMARY KEY(recipient_user, recipient_device, seq));
CREATE INDEX IF NOT EXISTS mailbox_by_message ON mailbox(message);
CREATE TABLE IF NOT EXISTS send_dedup(
  sender_user TEXT NOT NULL,
  sender_device BIGINT NOT NULL,
  message_id BYTEA NOT NULL,
  stored_at_ms BIGINT NOT NULL,
  PRIMARY KEY(sender_user, sender_device, message_id));
CREATE INDEX IF NOT EXISTS send_dedup_by_time ON send_dedup(stored_at_ms);
CREATE TABLE IF NOT EXISTS send_refused(
  sender_user TEXT NOT NULL,
  sender_device BIGINT NOT NULL,
  message_id BYTEA NOT NULL,
  ord BIGINT NOT NULL,
  recipient_user TEXT NOT NULL,
  recipient_device BIGINT NOT NULL,
  code BIGINT NOT NULL,
  stored_at_ms BIGINT NOT NULL,
  PRIMARY KEY(sender_user, sender_device, message_id, ord));
CREATE INDEX IF NOT EXISTS send_refused_by_time ON send_refused(stored_at_ms);
CREATE TABLE IF NOT EXISTS invites(
  token_hash BYTEA PRIMARY KEY,
  uses_left BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL);
INSERT INTO meta(key, value) VALUES('schema_version', 1) ON CONFLICT (key) DO NOTHING;
)sql";

constexpr const char* kBegin = "BEGIN ISOLATION LEVEL SERIALIZABLE";

PgParams who(const Address& a) {
  PgParams p;
  p.add(a.user).add(std::int64_t{a.device});
  return p;
}

Error unknown(const Address& address) {
  return make_error(Errc::unknown_device, "device " + address.to_string() + " is not registered");
}

Errc stored_code(std::int64_t code) {
  return code >= 0 && code <= 0xffff && errc_known(static_cast<std::uint16_t>(code)) ? static_cast<Errc>(code)
                                                                                      : Errc::store_corrupt;
}

}  // namespace

PgStorage::PgStorage(PgConnection connection, StorageLimits limits, bool notify)
    : db_(std::move(connection)), limits_(limits), notify_(notify) {}

Result<std::unique_ptr<PgStorage>> PgStorage::open(const std::string& url, StorageLimits limits, bool notify) {
  auto connection = PgConnection::connect(url);
  if (!connection) return std::move(connection).error();
  std::unique_ptr<PgStorage> storage(new PgStorage(std::move(connection).value(), limits, notify));
  // Relays starting together race on CREATE ... IF NOT EXISTS (it is not atomic in
  // PostgreSQL): the loser sees a duplicate in the catalog and simply tries again.
  Status created;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    created = storage->db_.exec_script((std::string("BEGIN;") + kSchema + "COMMIT;").c_str());
    if (created) break;
    (void)storage->db_.exec_script("ROLLBACK");
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
  if (!created) return std::move(created).error();
  auto version = storage->db_.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version) return std::move(version).error();
  if (version->size() != 1 || version->integer(0, 0) != kSchemaVersion)
    return make_error(Errc::store_corrupt, "the relay's PostgreSQL schema has version " +
                                               (version->size() ? std::to_string(version->integer(0, 0)) : "?") +
                                               ", this build knows " + std::to_string(kSchemaVersion));
  return storage;
}

// --- transactions ---

Result<PgRows> PgStorage::run(const char* sql, const PgParams& params) {
  auto rows = db_.exec(sql, params);
  if (!rows && rows.error().code == kStorageRetry) doomed_ = true;
  return rows;
}

Status PgStorage::begin() {
  if (db_.broken()) PARLEY_TRY(db_.reset());
  auto began = db_.exec_script(kBegin);
  if (!began && db_.broken()) {
    // The server restarted or dropped us since the last transaction: nothing was done yet, so
    // a new connection can simply start again.
    PARLEY_TRY(db_.reset());
    began = db_.exec_script(kBegin);
  }
  return began;
}

Status PgStorage::begin_batch() {
  if (in_batch_ || depth_ > 0) return make_error(Errc::internal, "a storage batch is already open");
  PARLEY_TRY(begin());
  in_batch_ = true;
  doomed_ = false;
  return {};
}

Status PgStorage::commit_batch() {
  if (!in_batch_) return make_error(Errc::internal, "no storage batch is open");
  in_batch_ = false;
  if (doomed_ || db_.transaction_failed()) {
    (void)db_.exec_script("ROLLBACK");
    if (doomed_) return make_error(kStorageRetry, "PostgreSQL: the batch lost a serialization conflict");
    return make_error(Errc::store_io, "PostgreSQL: the batch's transaction failed");
  }
  auto committed = db_.exec_script("COMMIT");
  if (!committed) (void)db_.exec_script("ROLLBACK");
  return committed;
}

void PgStorage::rollback_batch() {
  if (!in_batch_) return;
  (void)db_.exec_script("ROLLBACK");
  in_batch_ = false;
}

Status PgStorage::savepoint() { return db_.exec_script("SAVEPOINT job"); }
Status PgStorage::release_savepoint() { return db_.exec_script("RELEASE SAVEPOINT job"); }
void PgStorage::rollback_savepoint() { (void)db_.exec_script("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job"); }

template <class F>
auto PgStorage::atomic(F&& body) -> decltype(body()) {
  if (in_batch_ || depth_ > 0) {
    if (auto began = db_.exec_script("SAVEPOINT op"); !began) return began.error();
    auto result = body();
    if (!result.ok()) {
      (void)db_.exec_script("ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op");
      return result;
    }
    if (auto released = db_.exec_script("RELEASE SAVEPOINT op"); !released) return released.error();
    return result;
  }
  for (int attempt = 1;; ++attempt) {
    if (auto began = begin(); !began) return began.error();
    doomed_ = false;
    ++depth_;
    auto result = body();
    --depth_;
    Status finished;
    if (result.ok() && !doomed_) {
      finished = db_.exec_script("COMMIT");
      if (!finished) (void)db_.exec_script("ROLLBACK");
    } else {
      (void)db_.exec_script("ROLLBACK");
    }
    const bool retry = doomed_ || (!finished && finished.error().code == kStorageRetry);
    if (retry && attempt < kMaxAttempts) {
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt * 2));
      continue;
    }
    if (!finished) return finished.error();
    return result;
  }
}

// --- devices and prekeys ---

namespace {

constexpr const char* kSelectDevice =
    "SELECT registration_id, identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature "
    "FROM devices WHERE user_name = $1 AND device = $2";

DeviceRecord read_device(const PgRows& rows, const Address& address) {
  DeviceRecord device;
  device.address = address;
  device.registration_id = static_cast<std::uint32_t>(rows.integer(0, 0));
  device.identity_key = rows.bytes(0, 1);
  device.signed_prekey.id = static_cast<std::uint32_t>(rows.integer(0, 2));
  device.signed_prekey.public_key = rows.bytes(0, 3);
  device.signed_prekey.signature = rows.bytes(0, 4);
  return device;
}

}  // namespace

Result<std::uint32_t> PgStorage::prekey_count(const Address& address) {
  auto rows = run("SELECT COUNT(*) FROM one_time_prekeys WHERE user_name = $1 AND device = $2", who(address));
  if (!rows) return std::move(rows).error();
  return static_cast<std::uint32_t>(rows->integer(0, 0));
}

Result<std::uint32_t> PgStorage::register_device(const DeviceRecord& device, const std::vector<PreKeyRecord>& prekeys,
                                                 const Admission& admission) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto existing = run(kSelectDevice, who(device.address));
    if (!existing) return std::move(existing).error();
    if (existing->size() > 0) {
      if (existing->bytes(0, 1) != device.identity_key)
        return make_error(Errc::device_exists,
                          "device " + device.address.to_string() + " is registered with another identity key");
      auto params = who(device.address);
      params.add(std::int64_t{device.registration_id})
          .add(std::int64_t{device.signed_prekey.id})
          .add(ByteView(device.signed_prekey.public_key))
          .add(ByteView(device.signed_prekey.signature));
      PARLEY_TRY(run("UPDATE devices SET registration_id = $3, signed_prekey_id = $4, signed_prekey = $5, "
                     "signed_prekey_signature = $6 WHERE user_name = $1 AND device = $2",
                     params));
    } else {
      if (!admission.open) PARLEY_TRY(use_invite(admission));
      auto params = who(device.address);
      params.add(std::int64_t{device.registration_id})
          .add(ByteView(device.identity_key))
          .add(std::int64_t{device.signed_prekey.id})
          .add(ByteView(device.signed_prekey.public_key))
          .add(ByteView(device.signed_prekey.signature));
      PARLEY_TRY(run("INSERT INTO devices(user_name, device, registration_id, identity_key, signed_prekey_id, "
                     "signed_prekey, signed_prekey_signature) VALUES($1, $2, $3, $4, $5, $6, $7)",
                     params));
    }
    return upload_prekeys(device.address, std::nullopt, prekeys);
  });
}

Result<AuthRecord> PgStorage::find_device(const Address& address) {
  return atomic([&]() -> Result<AuthRecord> {
    auto rows = run(kSelectDevice, who(address));
    if (!rows) return std::move(rows).error();
    if (rows->size() == 0) return unknown(address);
    AuthRecord out;
    out.device = read_device(*rows, address);
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    out.prekeys_remaining = *count;
    return out;
  });
}

Result<std::uint32_t> PgStorage::upload_prekeys(const Address& address,
                                                const std::optional<SignedPreKeyRecord>& signed_prekey,
                                                const std::vector<PreKeyRecord>& prekeys) {
  return atomic([&]() -> Result<std::uint32_t> {
    if (signed_prekey) {
      auto params = who(address);
      params.add(std::int64_t{signed_prekey->id})
          .add(ByteView(signed_prekey->public_key))
          .add(ByteView(signed_prekey->signature));
      auto updated = run("UPDATE devices SET signed_prekey_id = $3, signed_prekey = $4, signed_prekey_signature = $5 "
                         "WHERE user_name = $1 AND device = $2",
                         params);
      if (!updated) return std::move(updated).error();
      if (updated->affected() == 0) return unknown(address);
    }
    for (const auto& prekey : prekeys) {
      auto params = who(address);
      params.add(std::int64_t{prekey.id}).add(ByteView(prekey.public_key));
      PARLEY_TRY(run("INSERT INTO one_time_prekeys(user_name, device, key_id, public_key) VALUES($1, $2, $3, $4) "
                     "ON CONFLICT (user_name, device, key_id) DO UPDATE SET public_key = EXCLUDED.public_key",
                     params));
    }
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    if (*count > limits_.max_stored_prekeys)
      return make_error(Errc::limit_exceeded, "device " + address.to_string() + " would hold " +
                                                  std::to_string(*count) + " one-time prekeys; the limit is " +
                                                  std::to_string(limits_.max_stored_prekeys));
    return *count;
  });
}

Result<BundleRecord> PgStorage::fetch_bundle(const Address& address) {
  return atomic([&]() -> Result<BundleRecord> {
    BundleRecord out;
    auto device = run(kSelectDevice, who(address));
    if (!device) return std::move(device).error();
    if (device->size() == 0) return unknown(address);
    out.device = read_device(*device, address);
    auto first = run("SELECT key_id, public_key FROM one_time_prekeys WHERE user_name = $1 AND device = $2 "
                     "ORDER BY key_id LIMIT 1",
                     who(address));
    if (!first) return std::move(first).error();
    if (first->size() > 0) {
      out.one_time_prekey = PreKeyRecord{static_cast<std::uint32_t>(first->integer(0, 0)), first->bytes(0, 1)};
      // Deleted in the transaction that read it; a concurrent fetch of the same key loses
      // the serialization conflict and runs again.
      auto params = who(address);
      params.add(std::int64_t{out.one_time_prekey->id});
      PARLEY_TRY(run("DELETE FROM one_time_prekeys WHERE user_name = $1 AND device = $2 AND key_id = $3", params));
    }
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    out.prekeys_remaining = *count;
    return out;
  });
}

// --- mailboxes ---

Result<StoreOutcome> PgStorage::store_message(const Address& sender, const MessageId& message_id,
                                              const std::vector<Address>& recipients, ByteView payload, TimeMs now) {
  return atomic([&]() -> Result<StoreOutcome> {
    const ByteView id(message_id.bytes.data(), message_id.bytes.size());
    StoreOutcome out;
    auto key = who(sender);
    key.add(id);
    auto seen = run("SELECT 1 FROM send_dedup WHERE sender_user = $1 AND sender_device = $2 AND message_id = $3", key);
    if (!seen) return std::move(seen).error();
    if (seen->size() > 0) {
      // The first copy's answer, refusals included; nothing is stored again.
      out.duplicate = true;
      auto refused = run("SELECT recipient_user, recipient_device, code FROM send_refused "
                         "WHERE sender_user = $1 AND sender_device = $2 AND message_id = $3 ORDER BY ord",
                         key);
      if (!refused) return std::move(refused).error();
      for (int i = 0; i < refused->size(); ++i)
        out.refused.push_back(Refusal{Address{refused->text(i, 0), static_cast<std::uint32_t>(refused->integer(i, 1))},
                                      stored_code(refused->integer(i, 2))});
      return out;
    }
    if (recipients.empty()) return make_error(Errc::invalid_argument, "a message needs at least one recipient");
    for (const auto& r : recipients) {
      if (std::find(out.accepted.begin(), out.accepted.end(), r) != out.accepted.end()) continue;
      if (std::any_of(out.refused.begin(), out.refused.end(), [&](const Refusal& x) { return x.recipient == r; }))
        continue;
      auto count = run("SELECT mailbox_count FROM devices WHERE user_name = $1 AND device = $2", who(r));
      if (!count) return std::move(count).error();
      if (count->size() == 0)
        out.refused.push_back(Refusal{r, Errc::unknown_device});
      else if (count->integer(0, 0) >= std::int64_t{limits_.max_mailbox})
        out.refused.push_back(Refusal{r, Errc::mailbox_full});
      else
        out.accepted.push_back(r);
    }
    if (out.accepted.empty()) return out;  // nothing stored, nothing remembered
    if (limits_.max_storage_bytes > 0) {
      auto used = used_bytes();
      if (!used) return std::move(used).error();
      if (*used + payload.size() > limits_.max_storage_bytes)
        return make_error(kStorageFull, "the relay's storage quota is full (" + std::to_string(*used) + " of " +
                                            std::to_string(limits_.max_storage_bytes) + " bytes used); retry later");
    }
    PARLEY_TRY(write_message(sender, id, out, payload, now));
    return out;
  });
}

Status PgStorage::write_message(const Address& sender, ByteView id, const StoreOutcome& out, ByteView payload,
                                TimeMs now) {
  auto message = who(sender);
  message.add(id).add(payload).add(std::int64_t{now});
  auto inserted = run("INSERT INTO messages(sender_user, sender_device, message_id, payload, stored_at_ms) "
                      "VALUES($1, $2, $3, $4, $5) RETURNING id",
                      message);
  if (!inserted) return std::move(inserted).error();
  const std::int64_t row = inserted->integer(0, 0);
  for (const auto& r : out.accepted) {
    // The device row's lock orders writers into this mailbox: ids rise in commit order.
    auto seq = run("UPDATE devices SET mailbox_count = mailbox_count + 1, last_seq = last_seq + 1 "
                   "WHERE user_name = $1 AND device = $2 RETURNING last_seq",
                   who(r));
    if (!seq) return std::move(seq).error();
    if (seq->size() == 0) return unknown(r);
    auto params = who(r);
    params.add(seq->integer(0, 0)).add(row);
    PARLEY_TRY(run("INSERT INTO mailbox(recipient_user, recipient_device, seq, message) VALUES($1, $2, $3, $4)", params));
    if (notify_) {
      // Sent by the server at COMMIT only: a woken relay always finds the row.
      PgParams note;
      note.add(std::string_view(kNotifyChannel)).add(r.to_string());
      PARLEY_TRY(run("SELECT pg_notify($1, $2)", note));
    }
  }
  auto remember = who(sender);
  remember.add(id).add(std::int64_t{now});
  PARLEY_TRY(run("INSERT INTO send_dedup(sender_user, sender_device, message_id, stored_at_ms) VALUES($1, $2, $3, $4)",
                 remember));
  for (std::size_t i = 0; i < out.refused.size(); ++i) {
    const Refusal& r = out.refused[i];
    auto params = who(sender);
    params.add(id)
        .add(static_cast<std::int64_t>(i))
        .add(r.recipient.user)
        .add(std::int64_t{r.recipient.device})
        .add(static_cast<std::int64_t>(r.code))
        .add(std::int64_t{now});
    PARLEY_TRY(run("INSERT INTO send_refused(sender_user, sender_device, message_id, ord, recipient_user, "
                   "recipient_device, code, stored_at_ms) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
                   params));
  }
  return {};
}

Result<MailboxPage> PgStorage::load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                            std::size_t max_bytes) {
  MailboxPage page;
  if (max_count == 0) {
    page.more = true;
    return page;
  }
  return atomic([&]() -> Result<MailboxPage> {
    auto params = who(recipient);
    params.add(static_cast<std::int64_t>(after)).add(static_cast<std::int64_t>(max_count));
    auto rows = run("SELECT m.seq, g.sender_user, g.sender_device, g.message_id, g.payload, g.stored_at_ms "
                    "FROM mailbox m JOIN messages g ON g.id = m.message "
                    "WHERE m.recipient_user = $1 AND m.recipient_device = $2 AND m.seq > $3 ORDER BY m.seq LIMIT $4",
                    params);
    if (!rows) return std::move(rows).error();
    std::size_t bytes = 0;
    for (int i = 0; i < rows->size(); ++i) {
      StoredMessage m;
      m.delivery_id = static_cast<std::uint64_t>(rows->integer(i, 0));
      m.sender = Address{rows->text(i, 1), static_cast<std::uint32_t>(rows->integer(i, 2))};
      Bytes id = rows->bytes(i, 3);
      if (id.size() != m.message_id.bytes.size())
        return make_error(Errc::store_corrupt, "stored message id has " + std::to_string(id.size()) + " bytes");
      std::copy(id.begin(), id.end(), m.message_id.bytes.begin());
      m.payload = rows->bytes(i, 4);
      m.stored_at_ms = rows->integer(i, 5);
      if (!page.messages.empty() && bytes + m.payload.size() > max_bytes) {
        page.more = true;
        return page;
      }
      bytes += m.payload.size();
      page.messages.push_back(std::move(m));
    }
    page.more = page.messages.size() >= max_count;
    return page;
  });
}

Result<std::uint32_t> PgStorage::ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::uint32_t deleted = 0;
    for (std::uint64_t id : delivery_ids) {
      // Keyed by the recipient: a device can never remove another device's rows.
      auto params = who(recipient);
      params.add(static_cast<std::int64_t>(id));
      auto gone = run("DELETE FROM mailbox WHERE recipient_user = $1 AND recipient_device = $2 AND seq = $3 "
                      "RETURNING message",
                      params);
      if (!gone) return std::move(gone).error();
      if (gone->size() == 0) continue;  // unknown, already acked, or not ours: ignored
      PgParams message;
      message.add(gone->integer(0, 0));
      PARLEY_TRY(run("DELETE FROM messages WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM mailbox WHERE message = $1)",
                     message));
      ++deleted;
    }
    if (deleted > 0) {
      auto params = who(recipient);
      params.add(-std::int64_t{deleted});
      PARLEY_TRY(run("UPDATE devices SET mailbox_count = mailbox_count + $3 WHERE user_name = $1 AND device = $2",
                     params));
    }
    return deleted;
  });
}

Result<std::uint32_t> PgStorage::mailbox_size(const Address& recipient) {
  auto rows = run("SELECT mailbox_count FROM devices WHERE user_name = $1 AND device = $2", who(recipient));
  if (!rows) return std::move(rows).error();
  if (rows->size() == 0) return unknown(recipient);
  return static_cast<std::uint32_t>(rows->integer(0, 0));
}

Result<std::uint32_t> PgStorage::prune_dedup(TimeMs before) {
  return atomic([&]() -> Result<std::uint32_t> {
    PgParams params;
    params.add(std::int64_t{before});
    auto pruned = run("DELETE FROM send_dedup WHERE stored_at_ms < $1", params);
    if (!pruned) return std::move(pruned).error();
    PARLEY_TRY(run("DELETE FROM send_refused WHERE stored_at_ms < $1", params));
    return static_cast<std::uint32_t>(pruned->affected());
  });
}

Result<std::uint32_t> PgStorage::prune_expired(TimeMs before, std::uint32_t max_messages) {
  return atomic([&]() -> Result<std::uint32_t> {
    PgParams params;
    params.add(std::int64_t{before}).add(std::int64_t{max_messages});
    auto ids = run("SELECT id FROM messages WHERE stored_at_ms < $1 ORDER BY stored_at_ms LIMIT $2", params);
    if (!ids) return std::move(ids).error();
    for (int i = 0; i < ids->size(); ++i) {
      PgParams message;
      message.add(ids->integer(i, 0));
      auto rows = run("DELETE FROM mailbox WHERE message = $1 RETURNING recipient_user, recipient_device", message);
      if (!rows) return std::move(rows).error();
      for (int r = 0; r < rows->size(); ++r) {
        PgParams recipient;
        recipient.add(rows->text(r, 0)).add(rows->integer(r, 1));
        PARLEY_TRY(run("UPDATE devices SET mailbox_count = mailbox_count - 1 WHERE user_name = $1 AND device = $2",
                       recipient));
      }
      PARLEY_TRY(run("DELETE FROM messages WHERE id = $1", message));
    }
    return static_cast<std::uint32_t>(ids->size());
  });
}

Result<std::uint64_t> PgStorage::message_count() {
  auto rows = run("SELECT COUNT(*) FROM messages");
  if (!rows) return std::move(rows).error();
  return static_cast<std::uint64_t>(rows->integer(0, 0));
}

// --- administration ---

Status PgStorage::use_invite(const Admission& admission) {
  if (admission.token_hash.empty())
    return make_error(Errc::invite_required, "this relay registers new devices only with an invite token");
  PgParams hash;
  hash.add(ByteView(admission.token_hash));
  auto rows = run("SELECT uses_left, expires_at_ms FROM invites WHERE token_hash = $1", hash);
  if (!rows) return std::move(rows).error();
  if (rows->size() == 0) return make_error(Errc::invite_invalid, "unknown or revoked invite token");
  if (rows->integer(0, 0) <= 0) return make_error(Errc::invite_invalid, "the invite token has been used up");
  if (rows->integer(0, 1) <= admission.now) return make_error(Errc::invite_invalid, "the invite token has expired");
  PARLEY_TRY(run("UPDATE invites SET uses_left = uses_left - 1 WHERE token_hash = $1", hash));
  return {};
}

Status PgStorage::mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs now) {
  return atomic([&]() -> Status {
    PgParams params;
    params.add(token_hash).add(std::int64_t{uses}).add(std::int64_t{expires_at}).add(std::int64_t{now});
    PARLEY_TRY(run("INSERT INTO invites(token_hash, uses_left, expires_at_ms, created_at_ms) VALUES($1, $2, $3, $4)",
                   params));
    return {};
  });
}

Result<bool> PgStorage::revoke_invite(ByteView token_hash) {
  return atomic([&]() -> Result<bool> {
    PgParams params;
    params.add(token_hash);
    auto gone = run("DELETE FROM invites WHERE token_hash = $1", params);
    if (!gone) return std::move(gone).error();
    return gone->affected() > 0;
  });
}

Result<bool> PgStorage::remove_device(const Address& address) {
  return atomic([&]() -> Result<bool> {
    PARLEY_TRY(purge_mailbox(address));
    PARLEY_TRY(run("DELETE FROM one_time_prekeys WHERE user_name = $1 AND device = $2", who(address)));
    auto gone = run("DELETE FROM devices WHERE user_name = $1 AND device = $2", who(address));
    if (!gone) return std::move(gone).error();
    return gone->affected() > 0;
  });
}

Result<std::uint32_t> PgStorage::purge_mailbox(const Address& address) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto purged = run("DELETE FROM mailbox WHERE recipient_user = $1 AND recipient_device = $2 RETURNING message",
                      who(address));
    if (!purged) return std::move(purged).error();
    for (int i = 0; i < purged->size(); ++i) {
      PgParams message;
      message.add(purged->integer(i, 0));
      PARLEY_TRY(run("DELETE FROM messages WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM mailbox WHERE message = $1)",
                     message));
    }
    PARLEY_TRY(run("UPDATE devices SET mailbox_count = 0 WHERE user_name = $1 AND device = $2", who(address)));
    return static_cast<std::uint32_t>(purged->size());
  });
}

Result<RelayStats> PgStorage::stats(TimeMs now) {
  PgParams params;
  params.add(std::int64_t{now});
  auto rows = run("SELECT (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM messages), "
                  "(SELECT COUNT(*) FROM mailbox), "
                  "(SELECT COUNT(*) FROM invites WHERE uses_left > 0 AND expires_at_ms > $1)",
                  params);
  if (!rows) return std::move(rows).error();
  RelayStats stats;
  stats.devices = static_cast<std::uint64_t>(rows->integer(0, 0));
  stats.messages = static_cast<std::uint64_t>(rows->integer(0, 1));
  stats.mailbox_rows = static_cast<std::uint64_t>(rows->integer(0, 2));
  stats.active_invites = static_cast<std::uint64_t>(rows->integer(0, 3));
  return stats;
}

Result<std::vector<std::uint64_t>> PgStorage::mailbox_depths() {
  auto rows = run("SELECT COUNT(*) FROM mailbox GROUP BY recipient_user, recipient_device");
  if (!rows) return std::move(rows).error();
  std::vector<std::uint64_t> depths;
  for (int i = 0; i < rows->size(); ++i) depths.push_back(static_cast<std::uint64_t>(rows->integer(i, 0)));
  return depths;
}

Status PgStorage::ping() {
  if (db_.broken() && !in_batch_) PARLEY_TRY(db_.reset());
  PARLEY_TRY(run("SELECT 1 FROM meta LIMIT 1"));
  return {};
}

Result<std::uint64_t> PgStorage::used_bytes() {
  auto rows = run("SELECT COALESCE(SUM(octet_length(payload)), 0) FROM messages");
  if (!rows) return std::move(rows).error();
  return static_cast<std::uint64_t>(rows->integer(0, 0));
}

}  // namespace parley::relay
