// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlite_storage.hpp"

#include <algorithm>
#include <system_error>
#include <unordered_map>

#include <sqlite3.h>

#include "backup.hpp"
#include "relay_errors.hpp"
#include "store/database.hpp"

namespace parley::relay {

namespace {

// 2: send_refused (partial sends). A version-1 file is upgraded in place when opened: the new
// table is created empty, which is exactly the state of a file whose sends all went through.
constexpr int kSchemaVersion = 3;

// mailbox.seq is AUTOINCREMENT so a delivery id is never reused, even after the newest row
// is acked and deleted: clients may rely on ids increasing.
// send_dedup outlives the message rows: a retried Send whose first copy was already
// delivered and acked is still recognised as a duplicate.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices(
  user TEXT NOT NULL,
  device INTEGER NOT NULL,
  registration_id INTEGER NOT NULL,
  identity_key BLOB NOT NULL,
  signed_prekey_id INTEGER NOT NULL,
  signed_prekey BLOB NOT NULL,
  signed_prekey_signature BLOB NOT NULL,
  mailbox_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user, device)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS one_time_prekeys(
  user TEXT NOT NULL,
  device INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  PRIMARY KEY(user, device, key_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY,
  sender_user TEXT NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  payload BLOB NOT NULL,
  stored_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailbox(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient_user TEXT NOT NULL,
  recipient_device INTEGER NOT NULL,
  message INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS mailbox_by_recipient ON mailbox(recipient_user, recipient_device, seq);
CREATE INDEX IF NOT EXISTS mailbox_by_message ON mailbox(message);
CREATE TABLE IF NOT EXISTS send_dedup(
  sender_user TEXT NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  stored_at_ms INTEGER NOT NULL,
  PRIMARY KEY(sender_user, sender_device, message_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS send_dedup_by_time ON send_dedup(stored_at_ms);
CREATE TABLE IF NOT EXISTS send_refused(
  sender_user TEXT NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  ord INTEGER NOT NULL,
  recipient_user TEXT NOT NULL,
  recipient_device INTEGER NOT NULL,
  code INTEGER NOT NULL,
  stored_at_ms INTEGER NOT NULL,
  PRIMARY KEY(sender_user, sender_device, message_id, ord)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS send_refused_by_time ON send_refused(stored_at_ms);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(stored_at_ms);
CREATE TABLE IF NOT EXISTS invites(
  token_hash BLOB PRIMARY KEY,
  uses_left INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// --- statements (cached by the address of these constants) ---
constexpr const char* kSelectSchemaVersion = "SELECT value FROM meta WHERE key = 'schema_version'";
constexpr const char* kInsertSchemaVersion = "INSERT INTO meta(key, value) VALUES('schema_version', ?1)";
constexpr const char* kUpdateSchemaVersion = "UPDATE meta SET value = ?1 WHERE key = 'schema_version'";

constexpr const char* kSelectDevice =
    "SELECT registration_id, identity_key, signed_prekey_id, signed_prekey, signed_prekey_signature "
    "FROM devices WHERE user = ?1 AND device = ?2";
constexpr const char* kInsertDevice =
    "INSERT INTO devices(user, device, registration_id, identity_key, signed_prekey_id, signed_prekey, "
    "signed_prekey_signature) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kUpdateRegistration =
    "UPDATE devices SET registration_id = ?3, signed_prekey_id = ?4, signed_prekey = ?5, "
    "signed_prekey_signature = ?6 WHERE user = ?1 AND device = ?2";
constexpr const char* kUpdateSignedPreKey =
    "UPDATE devices SET signed_prekey_id = ?3, signed_prekey = ?4, signed_prekey_signature = ?5 "
    "WHERE user = ?1 AND device = ?2";
constexpr const char* kSelectMailboxCount = "SELECT mailbox_count FROM devices WHERE user = ?1 AND device = ?2";
constexpr const char* kAddMailboxCount =
    "UPDATE devices SET mailbox_count = mailbox_count + ?3 WHERE user = ?1 AND device = ?2";

constexpr const char* kInsertPreKey =
    "INSERT OR REPLACE INTO one_time_prekeys(user, device, key_id, public_key) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kCountPreKeys = "SELECT COUNT(*) FROM one_time_prekeys WHERE user = ?1 AND device = ?2";
constexpr const char* kFirstPreKey =
    "SELECT key_id, public_key FROM one_time_prekeys WHERE user = ?1 AND device = ?2 ORDER BY key_id LIMIT 1";
constexpr const char* kDeletePreKey = "DELETE FROM one_time_prekeys WHERE user = ?1 AND device = ?2 AND key_id = ?3";

constexpr const char* kSelectDedup =
    "SELECT 1 FROM send_dedup WHERE sender_user = ?1 AND sender_device = ?2 AND message_id = ?3";
constexpr const char* kInsertDedup =
    "INSERT INTO send_dedup(sender_user, sender_device, message_id, stored_at_ms) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kPruneDedup = "DELETE FROM send_dedup WHERE stored_at_ms < ?1";
constexpr const char* kSelectRefused =
    "SELECT recipient_user, recipient_device, code FROM send_refused "
    "WHERE sender_user = ?1 AND sender_device = ?2 AND message_id = ?3 ORDER BY ord";
constexpr const char* kInsertRefused =
    "INSERT INTO send_refused(sender_user, sender_device, message_id, ord, recipient_user, recipient_device, code, "
    "stored_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kPruneRefused = "DELETE FROM send_refused WHERE stored_at_ms < ?1";
constexpr const char* kInsertMessage =
    "INSERT INTO messages(sender_user, sender_device, message_id, payload, stored_at_ms) VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr const char* kInsertMailbox = "INSERT INTO mailbox(recipient_user, recipient_device, message) VALUES(?1, ?2, ?3)";
constexpr const char* kLoadMailbox =
    "SELECT m.seq, g.sender_user, g.sender_device, g.message_id, g.payload, g.stored_at_ms "
    "FROM mailbox m JOIN messages g ON g.id = m.message "
    "WHERE m.recipient_user = ?1 AND m.recipient_device = ?2 AND m.seq > ?3 ORDER BY m.seq LIMIT ?4";
constexpr const char* kSelectOwnMailboxRow =
    "SELECT message FROM mailbox WHERE seq = ?1 AND recipient_user = ?2 AND recipient_device = ?3";
constexpr const char* kDeleteMailboxRow = "DELETE FROM mailbox WHERE seq = ?1";
constexpr const char* kDeleteOrphanMessage =
    "DELETE FROM messages WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM mailbox WHERE message = ?1)";
constexpr const char* kCountMessages = "SELECT COUNT(*) FROM messages";
constexpr const char* kMailboxDepths =
    "SELECT COUNT(*) FROM mailbox GROUP BY recipient_user, recipient_device";
constexpr const char* kPing = "SELECT 1 FROM meta LIMIT 1";
constexpr const char* kInsertInvite =
    "INSERT INTO invites(token_hash, uses_left, expires_at_ms, created_at_ms) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kSelectInvite = "SELECT uses_left, expires_at_ms FROM invites WHERE token_hash = ?1";
constexpr const char* kUseInvite = "UPDATE invites SET uses_left = uses_left - 1 WHERE token_hash = ?1";
constexpr const char* kDeleteInvite = "DELETE FROM invites WHERE token_hash = ?1";
constexpr const char* kCountInvites = "SELECT COUNT(*) FROM invites WHERE uses_left > 0 AND expires_at_ms > ?1";
constexpr const char* kDeleteDevice = "DELETE FROM devices WHERE user = ?1 AND device = ?2";
constexpr const char* kDeleteDevicePreKeys = "DELETE FROM one_time_prekeys WHERE user = ?1 AND device = ?2";
constexpr const char* kPurgeMailbox = "DELETE FROM mailbox WHERE recipient_user = ?1 AND recipient_device = ?2";
constexpr const char* kDeleteAllOrphans =
    "DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM mailbox WHERE mailbox.message = messages.id)";
constexpr const char* kResetMailboxCount = "UPDATE devices SET mailbox_count = 0 WHERE user = ?1 AND device = ?2";
constexpr const char* kCountDevices = "SELECT COUNT(*) FROM devices";
constexpr const char* kSelectExpired = "SELECT id FROM messages WHERE stored_at_ms < ?1 ORDER BY stored_at_ms LIMIT ?2";
constexpr const char* kSelectMessageRecipients = "SELECT recipient_user, recipient_device FROM mailbox WHERE message = ?1";
constexpr const char* kDeleteMessageRows = "DELETE FROM mailbox WHERE message = ?1";
constexpr const char* kDeleteMessage = "DELETE FROM messages WHERE id = ?1";
constexpr const char* kCountMailboxRows = "SELECT COUNT(*) FROM mailbox";

constexpr const char* kPageCount = "PRAGMA page_count";
constexpr const char* kFreelistCount = "PRAGMA freelist_count";
constexpr const char* kPageSize = "PRAGMA page_size";

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// `error` came from a statement that failed because the disk (or a file-system quota) is full.
// The store layer keeps SQLite's message, not its code, and a later reset may clear the
// connection's error code: look at both.
bool disk_full(const Error& error, store::Database& db) {
  if (error.code != Errc::store_io) return false;
  return (sqlite3_extended_errcode(db.handle()) & 0xff) == SQLITE_FULL ||
         error.message.find(sqlite3_errstr(SQLITE_FULL)) != std::string::npos;
}

Error storage_full(std::string why) { return make_error(kStorageFull, std::move(why)); }

}  // namespace

struct SqliteStorage::Impl {
  store::Database db;  // declared first: destroyed after the statements below
  std::unordered_map<const char*, store::Statement> statements;
  StorageLimits limits;
  bool in_batch = false;
  int depth = 0;  // nesting of atomic() outside a batch

  Impl(store::Database d, StorageLimits l) : db(std::move(d)), limits(l) {}
  ~Impl() { statements.clear(); }

  // A cached prepared statement, reset when the Use goes out of scope so no read
  // snapshot outlives the operation.
  class Use {
   public:
    explicit Use(store::Statement* s) : s_(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() { (void)s_->reset(); }
    store::Statement* operator->() const { return s_; }
    store::Statement& operator*() const { return *s_; }

   private:
    store::Statement* s_;
  };

  Result<store::Statement*> statement(const char* sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
      auto prepared = db.prepare(sql);
      if (!prepared) return std::move(prepared).error();
      it = statements.emplace(sql, std::move(prepared).value()).first;
    }
    return &it->second;
  }
};

#define PARLEY_STMT(var, sql)                          \
  auto var##_prepared = impl_->statement(sql);         \
  if (!var##_prepared) return std::move(var##_prepared).error(); \
  Impl::Use var(*var##_prepared)

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::SqliteStorage(SqliteStorage&&) noexcept = default;
SqliteStorage& SqliteStorage::operator=(SqliteStorage&&) noexcept = default;
SqliteStorage::~SqliteStorage() = default;

Result<SqliteStorage> SqliteStorage::open(const std::filesystem::path& dir, const StoreKey& key, StorageLimits limits) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::store_io, "cannot create data directory " + dir.string() + ": " + ec.message());
  store::DatabaseOptions options;
  options.wal = true;
  options.synchronous_full = true;
  auto db = store::Database::open((dir / kFileName).string(), key, options);
  if (!db) return std::move(db).error();
  SqliteStorage storage(std::make_unique<Impl>(std::move(db).value(), limits));
  auto& database = storage.impl_->db;
  auto created = store::in_transaction(database, [&]() -> Status {
    PARLEY_TRY(database.exec(kSchema));
    auto select = database.prepare(kSelectSchemaVersion);
    if (!select) return std::move(select).error();
    auto row = select->step();
    if (!row) return std::move(row).error();
    if (!*row) {
      auto insert = database.prepare(kInsertSchemaVersion);
      if (!insert) return std::move(insert).error();
      insert->bind(1, std::int64_t{kSchemaVersion});
      return insert->run();
    }
    if (select->column_int(0) == 1 || select->column_int(0) == 2) {
      // kSchema above has just created what they lack (send_refused, invites).
      auto update = database.prepare(kUpdateSchemaVersion);
      if (!update) return std::move(update).error();
      update->bind(1, std::int64_t{kSchemaVersion});
      return update->run();
    }
    if (select->column_int(0) != kSchemaVersion)
      return make_error(Errc::store_corrupt, "relay database has schema version " +
                                                 std::to_string(select->column_int(0)) + ", this build knows " +
                                                 std::to_string(kSchemaVersion));
    return {};
  });
  if (!created) return std::move(created).error();
  return storage;
}

// --- batches ---

Status SqliteStorage::begin_batch() {
  if (impl_->in_batch || impl_->depth > 0) return make_error(Errc::internal, "a storage batch is already open");
  PARLEY_TRY(impl_->db.begin());
  impl_->in_batch = true;
  return {};
}

Status SqliteStorage::commit_batch() {
  if (!impl_->in_batch) return make_error(Errc::internal, "no storage batch is open");
  auto committed = impl_->db.commit();
  if (!committed) {
    const bool full = disk_full(committed.error(), impl_->db);  // before the rollback resets it
    (void)impl_->db.rollback();
    impl_->in_batch = false;
    if (full) return storage_full("the relay's disk is full: " + committed.error().message);
    return committed;
  }
  impl_->in_batch = false;
  return committed;
}

void SqliteStorage::rollback_batch() {
  if (!impl_->in_batch) return;
  (void)impl_->db.rollback();
  impl_->in_batch = false;
}

bool SqliteStorage::in_batch() const { return impl_->in_batch; }

Status SqliteStorage::savepoint() { return impl_->db.exec("SAVEPOINT job"); }
Status SqliteStorage::release_savepoint() { return impl_->db.exec("RELEASE job"); }
void SqliteStorage::rollback_savepoint() { (void)impl_->db.exec("ROLLBACK TO job; RELEASE job"); }

template <class F>
auto SqliteStorage::atomic(F&& body) -> decltype(body()) {
  if (!impl_->in_batch && impl_->depth == 0) {
    ++impl_->depth;
    auto result = store::in_transaction(impl_->db, body);
    --impl_->depth;
    return result;
  }
  if (auto began = impl_->db.exec("SAVEPOINT op"); !began) return began.error();
  auto result = body();
  if (!result.ok()) {
    (void)impl_->db.exec("ROLLBACK TO op; RELEASE op");
    return result;
  }
  if (auto released = impl_->db.exec("RELEASE op"); !released) {
    (void)impl_->db.exec("ROLLBACK TO op; RELEASE op");
    return released.error();
  }
  return result;
}

// --- devices and prekeys ---

namespace {

Result<std::optional<DeviceRecord>> read_device(store::Statement& select, const Address& address) {
  select.bind(1, address.user).bind(2, std::int64_t{address.device});
  auto row = select.step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<DeviceRecord>{};
  DeviceRecord device;
  device.address = address;
  device.registration_id = static_cast<std::uint32_t>(select.column_int(0));
  device.identity_key = select.column_blob(1);
  device.signed_prekey.id = static_cast<std::uint32_t>(select.column_int(2));
  device.signed_prekey.public_key = select.column_blob(3);
  device.signed_prekey.signature = select.column_blob(4);
  return std::optional<DeviceRecord>(std::move(device));
}

Error unknown(const Address& address) {
  return make_error(Errc::unknown_device, "device " + address.to_string() + " is not registered");
}

}  // namespace

Result<std::uint32_t> SqliteStorage::prekey_count(const Address& address) {
  PARLEY_STMT(count, kCountPreKeys);
  count->bind(1, address.user).bind(2, std::int64_t{address.device});
  auto row = count->step();
  if (!row) return std::move(row).error();
  return static_cast<std::uint32_t>(*row ? count->column_int(0) : 0);
}

Result<std::uint32_t> SqliteStorage::register_device(const DeviceRecord& device, const std::vector<PreKeyRecord>& prekeys,
                                               const Admission& admission) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::optional<DeviceRecord> existing;
    {
      PARLEY_STMT(select, kSelectDevice);
      auto found = read_device(*select, device.address);
      if (!found) return std::move(found).error();
      existing = std::move(*found);
    }
    if (existing) {
      if (existing->identity_key != device.identity_key)
        return make_error(Errc::device_exists,
                          "device " + device.address.to_string() + " is registered with another identity key");
      PARLEY_STMT(update, kUpdateRegistration);
      update->bind(1, device.address.user)
          .bind(2, std::int64_t{device.address.device})
          .bind(3, std::int64_t{device.registration_id})
          .bind(4, std::int64_t{device.signed_prekey.id})
          .bind(5, ByteView(device.signed_prekey.public_key))
          .bind(6, ByteView(device.signed_prekey.signature));
      PARLEY_TRY(update->run());
    } else {
      if (!admission.open) PARLEY_TRY(use_invite(admission));
      PARLEY_STMT(insert, kInsertDevice);
      insert->bind(1, device.address.user)
          .bind(2, std::int64_t{device.address.device})
          .bind(3, std::int64_t{device.registration_id})
          .bind(4, ByteView(device.identity_key))
          .bind(5, std::int64_t{device.signed_prekey.id})
          .bind(6, ByteView(device.signed_prekey.public_key))
          .bind(7, ByteView(device.signed_prekey.signature));
      PARLEY_TRY(insert->run());
    }
    return upload_prekeys(device.address, std::nullopt, prekeys);
  });
}

Result<AuthRecord> SqliteStorage::find_device(const Address& address) {
  return atomic([&]() -> Result<AuthRecord> {
    AuthRecord out;
    {
      PARLEY_STMT(select, kSelectDevice);
      auto found = read_device(*select, address);
      if (!found) return std::move(found).error();
      if (!*found) return unknown(address);
      out.device = std::move(**found);
    }
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    out.prekeys_remaining = *count;
    return out;
  });
}

Result<std::uint32_t> SqliteStorage::upload_prekeys(const Address& address,
                                              const std::optional<SignedPreKeyRecord>& signed_prekey,
                                              const std::vector<PreKeyRecord>& prekeys) {
  return atomic([&]() -> Result<std::uint32_t> {
    if (signed_prekey) {
      PARLEY_STMT(update, kUpdateSignedPreKey);
      update->bind(1, address.user)
          .bind(2, std::int64_t{address.device})
          .bind(3, std::int64_t{signed_prekey->id})
          .bind(4, ByteView(signed_prekey->public_key))
          .bind(5, ByteView(signed_prekey->signature));
      PARLEY_TRY(update->run());
      if (impl_->db.changes() == 0) return unknown(address);
    }
    if (!prekeys.empty()) {
      PARLEY_STMT(insert, kInsertPreKey);
      for (const auto& prekey : prekeys) {
        PARLEY_TRY(insert->reset());
        insert->bind(1, address.user)
            .bind(2, std::int64_t{address.device})
            .bind(3, std::int64_t{prekey.id})
            .bind(4, ByteView(prekey.public_key));
        PARLEY_TRY(insert->run());
      }
    }
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    if (*count > impl_->limits.max_stored_prekeys)
      return make_error(Errc::limit_exceeded, "device " + address.to_string() + " would hold " +
                                                  std::to_string(*count) + " one-time prekeys; the limit is " +
                                                  std::to_string(impl_->limits.max_stored_prekeys));
    return *count;
  });
}

Result<BundleRecord> SqliteStorage::fetch_bundle(const Address& address) {
  return atomic([&]() -> Result<BundleRecord> {
    BundleRecord out;
    {
      PARLEY_STMT(select, kSelectDevice);
      auto found = read_device(*select, address);
      if (!found) return std::move(found).error();
      if (!*found) return unknown(address);
      out.device = std::move(**found);
    }
    {
      PARLEY_STMT(first, kFirstPreKey);
      first->bind(1, address.user).bind(2, std::int64_t{address.device});
      auto row = first->step();
      if (!row) return std::move(row).error();
      if (*row) out.one_time_prekey = PreKeyRecord{static_cast<std::uint32_t>(first->column_int(0)), first->column_blob(1)};
    }
    if (out.one_time_prekey) {
      // Deleted in the same transaction that read it: no two fetches get the same key.
      PARLEY_STMT(erase, kDeletePreKey);
      erase->bind(1, address.user).bind(2, std::int64_t{address.device}).bind(3, std::int64_t{out.one_time_prekey->id});
      PARLEY_TRY(erase->run());
    }
    auto count = prekey_count(address);
    if (!count) return std::move(count).error();
    out.prekeys_remaining = *count;
    return out;
  });
}

// --- mailboxes ---

Result<StoreOutcome> SqliteStorage::store_message(const Address& sender, const MessageId& message_id,
                                            const std::vector<Address>& recipients, ByteView payload, TimeMs now) {
  return atomic([&]() -> Result<StoreOutcome> {
    const ByteView id(message_id.bytes.data(), message_id.bytes.size());
    StoreOutcome out;
    {
      PARLEY_STMT(seen, kSelectDedup);
      seen->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id);
      auto row = seen->step();
      if (!row) return std::move(row).error();
      out.duplicate = *row;
    }
    if (out.duplicate) {
      // The same answer as the first copy got: the sender learns the refusals even if that
      // SendAck was lost, and the accepted mailboxes are neither filled twice nor touched.
      PARLEY_STMT(refused, kSelectRefused);
      refused->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id);
      while (true) {
        auto row = refused->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        Refusal r;
        r.recipient.user = refused->column_text(0);
        r.recipient.device = static_cast<std::uint32_t>(refused->column_int(1));
        const auto code = refused->column_int(2);
        r.code = code >= 0 && code <= 0xffff && errc_known(static_cast<std::uint16_t>(code)) ? static_cast<Errc>(code)
                                                                                              : Errc::store_corrupt;
        out.refused.push_back(std::move(r));
      }
      return out;
    }
    if (recipients.empty()) return make_error(Errc::invalid_argument, "a message needs at least one recipient");
    {
      PARLEY_STMT(count, kSelectMailboxCount);
      for (const auto& r : recipients) {
        // A repeated recipient gets one copy and, if refused, one refusal.
        if (std::find(out.accepted.begin(), out.accepted.end(), r) != out.accepted.end()) continue;
        if (std::any_of(out.refused.begin(), out.refused.end(), [&](const Refusal& x) { return x.recipient == r; }))
          continue;
        PARLEY_TRY(count->reset());
        count->bind(1, r.user).bind(2, std::int64_t{r.device});
        auto row = count->step();
        if (!row) return std::move(row).error();
        if (!*row)
          out.refused.push_back(Refusal{r, Errc::unknown_device});
        else if (count->column_int(0) >= std::int64_t{impl_->limits.max_mailbox})
          out.refused.push_back(Refusal{r, Errc::mailbox_full});
        else
          out.accepted.push_back(r);
      }
    }
    if (out.accepted.empty()) return out;  // nothing stored, nothing remembered
    if (impl_->limits.max_storage_bytes > 0) {
      auto used = used_bytes();
      if (!used) return std::move(used).error();
      if (*used + payload.size() > impl_->limits.max_storage_bytes)
        return storage_full("the relay's storage quota is full (" + std::to_string(*used) + " of " +
                            std::to_string(impl_->limits.max_storage_bytes) + " bytes used); retry later");
    }
    auto written = write_message(sender, id, out, payload, now);
    if (!written) {
      if (disk_full(written.error(), impl_->db)) return storage_full("the relay's disk is full: " + written.error().message);
      return std::move(written).error();
    }
    return out;
  });
}

Status SqliteStorage::write_message(const Address& sender, ByteView id, const StoreOutcome& out, ByteView payload,
                              TimeMs now) {
  {
    std::int64_t message_row = 0;
    {
      PARLEY_STMT(insert, kInsertMessage);
      insert->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id).bind(4, payload).bind(5, now);
      PARLEY_TRY(insert->run());
      message_row = impl_->db.last_insert_rowid();
    }
    {
      PARLEY_STMT(insert, kInsertMailbox);
      PARLEY_STMT(bump, kAddMailboxCount);
      for (const auto& r : out.accepted) {
        PARLEY_TRY(insert->reset());
        insert->bind(1, r.user).bind(2, std::int64_t{r.device}).bind(3, message_row);
        PARLEY_TRY(insert->run());
        PARLEY_TRY(bump->reset());
        bump->bind(1, r.user).bind(2, std::int64_t{r.device}).bind(3, std::int64_t{1});
        PARLEY_TRY(bump->run());
      }
    }
    {
      PARLEY_STMT(remember, kInsertDedup);
      remember->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, id).bind(4, now);
      PARLEY_TRY(remember->run());
    }
    if (!out.refused.empty()) {
      PARLEY_STMT(insert, kInsertRefused);
      for (std::size_t i = 0; i < out.refused.size(); ++i) {
        const Refusal& r = out.refused[i];
        PARLEY_TRY(insert->reset());
        insert->bind(1, sender.user)
            .bind(2, std::int64_t{sender.device})
            .bind(3, id)
            .bind(4, static_cast<std::int64_t>(i))
            .bind(5, r.recipient.user)
            .bind(6, std::int64_t{r.recipient.device})
            .bind(7, static_cast<std::int64_t>(r.code))
            .bind(8, now);
        PARLEY_TRY(insert->run());
      }
    }
  }
  return {};
}

Result<MailboxPage> SqliteStorage::load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                          std::size_t max_bytes) {
  MailboxPage page;
  if (max_count == 0) {
    page.more = true;
    return page;
  }
  return atomic([&]() -> Result<MailboxPage> {
    PARLEY_STMT(load, kLoadMailbox);
    load->bind(1, recipient.user)
        .bind(2, std::int64_t{recipient.device})
        .bind(3, i64(after))
        .bind(4, static_cast<std::int64_t>(max_count));
    std::size_t bytes = 0;
    while (true) {
      auto row = load->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      StoredMessage m;
      m.delivery_id = static_cast<std::uint64_t>(load->column_int(0));
      m.sender.user = load->column_text(1);
      m.sender.device = static_cast<std::uint32_t>(load->column_int(2));
      Bytes id = load->column_blob(3);
      if (id.size() != m.message_id.bytes.size())
        return make_error(Errc::store_corrupt, "stored message id has " + std::to_string(id.size()) + " bytes");
      std::copy(id.begin(), id.end(), m.message_id.bytes.begin());
      m.payload = load->column_blob(4);
      m.stored_at_ms = load->column_int(5);
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

Result<std::uint32_t> SqliteStorage::ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) {
  return atomic([&]() -> Result<std::uint32_t> {
    PARLEY_STMT(own, kSelectOwnMailboxRow);
    PARLEY_STMT(erase, kDeleteMailboxRow);
    PARLEY_STMT(orphan, kDeleteOrphanMessage);
    std::uint32_t deleted = 0;
    for (std::uint64_t id : delivery_ids) {
      PARLEY_TRY(own->reset());
      // WHERE recipient = self: a device can never remove another device's rows.
      own->bind(1, i64(id)).bind(2, recipient.user).bind(3, std::int64_t{recipient.device});
      auto row = own->step();
      if (!row) return std::move(row).error();
      if (!*row) continue;  // unknown, already acked, or not ours: ignored
      const std::int64_t message = own->column_int(0);
      PARLEY_TRY(own->reset());
      PARLEY_TRY(erase->reset());
      erase->bind(1, i64(id));
      PARLEY_TRY(erase->run());
      PARLEY_TRY(orphan->reset());
      orphan->bind(1, message);
      PARLEY_TRY(orphan->run());
      ++deleted;
    }
    if (deleted > 0) {
      PARLEY_STMT(bump, kAddMailboxCount);
      bump->bind(1, recipient.user).bind(2, std::int64_t{recipient.device}).bind(3, -std::int64_t{deleted});
      PARLEY_TRY(bump->run());
    }
    return deleted;
  });
}

Result<std::uint32_t> SqliteStorage::mailbox_size(const Address& recipient) {
  PARLEY_STMT(count, kSelectMailboxCount);
  count->bind(1, recipient.user).bind(2, std::int64_t{recipient.device});
  auto row = count->step();
  if (!row) return std::move(row).error();
  if (!*row) return unknown(recipient);
  return static_cast<std::uint32_t>(count->column_int(0));
}

Result<std::uint32_t> SqliteStorage::prune_dedup(TimeMs before) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::uint32_t pruned = 0;
    {
      PARLEY_STMT(prune, kPruneDedup);
      prune->bind(1, before);
      PARLEY_TRY(prune->run());
      pruned = static_cast<std::uint32_t>(impl_->db.changes());
    }
    // Same stored_at_ms as their dedup entry: they go together.
    PARLEY_STMT(refused, kPruneRefused);
    refused->bind(1, before);
    PARLEY_TRY(refused->run());
    return pruned;
  });
}

Result<std::uint64_t> SqliteStorage::message_count() {
  PARLEY_STMT(count, kCountMessages);
  auto row = count->step();
  if (!row) return std::move(row).error();
  return static_cast<std::uint64_t>(count->column_int(0));
}

Result<std::vector<std::uint64_t>> SqliteStorage::mailbox_depths() {
  PARLEY_STMT(select, kMailboxDepths);
  std::vector<std::uint64_t> depths;
  while (true) {
    auto row = select->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    depths.push_back(static_cast<std::uint64_t>(select->column_int(0)));
  }
  return depths;
}

Result<std::uint64_t> SqliteStorage::used_bytes() {
  std::int64_t values[3] = {0, 0, 0};
  const char* pragmas[3] = {kPageCount, kFreelistCount, kPageSize};
  for (int i = 0; i < 3; ++i) {
    PARLEY_STMT(pragma, pragmas[i]);
    auto row = pragma->step();
    if (!row) return std::move(row).error();
    if (*row) values[i] = pragma->column_int(0);
  }
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, values[0] - values[1]) * values[2]);
}

Status SqliteStorage::integrity_check() { return check_integrity(impl_->db); }

Result<std::uint64_t> SqliteStorage::backup_to(const std::filesystem::path& destination, const StoreKey& key) {
  return backup_database(impl_->db, destination, key);
}

Status SqliteStorage::ping() {
  PARLEY_STMT(select, kPing);
  auto row = select->step();
  if (!row) return std::move(row).error();
  return {};
}

Result<std::uint32_t> SqliteStorage::prune_expired(TimeMs before, std::uint32_t max_messages) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::vector<std::int64_t> ids;
    {
      PARLEY_STMT(select, kSelectExpired);
      select->bind(1, before).bind(2, std::int64_t{max_messages});
      while (true) {
        auto row = select->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        ids.push_back(select->column_int(0));
      }
    }
    for (const std::int64_t id : ids) {
      std::vector<Address> recipients;
      {
        PARLEY_STMT(select, kSelectMessageRecipients);
        select->bind(1, id);
        while (true) {
          auto row = select->step();
          if (!row) return std::move(row).error();
          if (!*row) break;
          recipients.push_back({select->column_text(0), static_cast<std::uint32_t>(select->column_int(1))});
        }
      }
      for (const auto& recipient : recipients) {
        PARLEY_STMT(count, kAddMailboxCount);
        count->bind(1, recipient.user).bind(2, std::int64_t{recipient.device}).bind(3, std::int64_t{-1});
        PARLEY_TRY(count->run());
      }
      {
        PARLEY_STMT(rows, kDeleteMessageRows);
        rows->bind(1, id);
        PARLEY_TRY(rows->run());
      }
      PARLEY_STMT(message, kDeleteMessage);
      message->bind(1, id);
      PARLEY_TRY(message->run());
    }
    return static_cast<std::uint32_t>(ids.size());
  });
}

Status SqliteStorage::use_invite(const Admission& admission) {
  if (admission.token_hash.empty())
    return make_error(Errc::invite_required, "this relay registers new devices only with an invite token");
  PARLEY_STMT(select, kSelectInvite);
  select->bind(1, ByteView(admission.token_hash));
  auto row = select->step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(Errc::invite_invalid, "unknown or revoked invite token");
  if (select->column_int(0) <= 0) return make_error(Errc::invite_invalid, "the invite token has been used up");
  if (select->column_int(1) <= admission.now) return make_error(Errc::invite_invalid, "the invite token has expired");
  PARLEY_STMT(use, kUseInvite);
  use->bind(1, ByteView(admission.token_hash));
  return use->run();
}

Status SqliteStorage::mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs now) {
  return atomic([&]() -> Status {
    PARLEY_STMT(insert, kInsertInvite);
    insert->bind(1, token_hash).bind(2, std::int64_t{uses}).bind(3, expires_at).bind(4, now);
    return insert->run();
  });
}

Result<bool> SqliteStorage::revoke_invite(ByteView token_hash) {
  return atomic([&]() -> Result<bool> {
    PARLEY_STMT(remove, kDeleteInvite);
    remove->bind(1, token_hash);
    PARLEY_TRY(remove->run());
    return impl_->db.changes() > 0;
  });
}

Result<bool> SqliteStorage::remove_device(const Address& address) {
  return atomic([&]() -> Result<bool> {
    PARLEY_TRY(purge_mailbox(address));
    {
      PARLEY_STMT(prekeys, kDeleteDevicePreKeys);
      prekeys->bind(1, address.user).bind(2, std::int64_t{address.device});
      PARLEY_TRY(prekeys->run());
    }
    PARLEY_STMT(remove, kDeleteDevice);
    remove->bind(1, address.user).bind(2, std::int64_t{address.device});
    PARLEY_TRY(remove->run());
    return impl_->db.changes() > 0;
  });
}

Result<std::uint32_t> SqliteStorage::purge_mailbox(const Address& address) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::uint32_t purged = 0;
    {
      PARLEY_STMT(purge, kPurgeMailbox);
      purge->bind(1, address.user).bind(2, std::int64_t{address.device});
      PARLEY_TRY(purge->run());
      purged = static_cast<std::uint32_t>(impl_->db.changes());
    }
    {
      PARLEY_STMT(orphans, kDeleteAllOrphans);
      PARLEY_TRY(orphans->run());
    }
    PARLEY_STMT(reset, kResetMailboxCount);
    reset->bind(1, address.user).bind(2, std::int64_t{address.device});
    PARLEY_TRY(reset->run());
    return purged;
  });
}

Result<RelayStats> SqliteStorage::stats(TimeMs now) {
  RelayStats stats;
  const auto count = [&](const char* sql, std::uint64_t& out, bool with_now) -> Status {
    auto prepared = impl_->statement(sql);
    if (!prepared) return std::move(prepared).error();
    Impl::Use use(*prepared);
    if (with_now) use->bind(1, now);
    auto row = use->step();
    if (!row) return std::move(row).error();
    out = *row ? static_cast<std::uint64_t>(use->column_int(0)) : 0;
    return {};
  };
  PARLEY_TRY(count(kCountDevices, stats.devices, false));
  PARLEY_TRY(count(kCountMessages, stats.messages, false));
  PARLEY_TRY(count(kCountMailboxRows, stats.mailbox_rows, false));
  PARLEY_TRY(count(kCountInvites, stats.active_invites, true));
  return stats;
}

#undef PARLEY_STMT

}  // namespace parley::relay
