// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's durable state behind one interface: devices and their public keys, one-time
// prekeys, and per-device mailboxes of opaque payloads. Implementations: SqliteStorage
// (sqlite_storage.hpp, the default: one embedded file), PgStorage (pg_storage.hpp: several
// relays sharing one PostgreSQL) and MemoryStorage (memory_storage.hpp: tests, nothing durable).
// tests/relay/storage_conformance_test.cpp runs the same cases against all three.
//
// A Storage is synchronous and single-threaded; the server drives it from one thread through
// StorageWorker (group commit). Every operation is atomic on its own: outside a batch it runs
// in its own transaction, inside a batch (begin_batch .. commit_batch) in a savepoint, so a
// failed operation leaves nothing behind and never spoils its neighbours.
//
// What is stored: addresses, registration ids, public keys, signatures, message ids, opaque
// payloads, timestamps. Nothing else is known to the relay.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "parley/error.hpp"
#include "parley/store_key.hpp"
#include "parley/types.hpp"

namespace parley::relay {

struct PreKeyRecord {
  std::uint32_t id = 0;
  Bytes public_key;  // 33 bytes
};

struct SignedPreKeyRecord {
  std::uint32_t id = 0;
  Bytes public_key;  // 33 bytes
  Bytes signature;   // 64 bytes, by the identity key over public_key
};

struct DeviceRecord {
  Address address;
  std::uint32_t registration_id = 0;
  Bytes identity_key;  // 33 bytes
  SignedPreKeyRecord signed_prekey;
};

// What FetchBundle hands out. `one_time_prekey` has been deleted from the store already.
struct BundleRecord {
  DeviceRecord device;
  std::optional<PreKeyRecord> one_time_prekey;
  std::uint32_t prekeys_remaining = 0;
};

struct StoredMessage {
  std::uint64_t delivery_id = 0;  // mailbox row sequence number, increasing
  Address sender;
  MessageId message_id;
  Bytes payload;
  TimeMs stored_at_ms = 0;
};

struct MailboxPage {
  std::vector<StoredMessage> messages;  // in mailbox order
  bool more = false;                    // stopped at a limit: more rows may follow
};

struct AuthRecord {
  DeviceRecord device;
  std::uint32_t prekeys_remaining = 0;
};

// A recipient a message was not stored for: Errc::unknown_device or Errc::mailbox_full.
struct Refusal {
  Address recipient;
  Errc code = Errc::unknown_device;
  friend bool operator==(const Refusal&, const Refusal&) = default;
};

// What store_message did. `accepted` empty and `duplicate` false: no recipient could take
// the message, nothing was stored and nothing remembered (a retry tries again).
struct StoreOutcome {
  bool duplicate = false;          // (sender, message_id) was stored before: nothing stored now
  std::vector<Address> accepted;   // mailboxes the message went into now (empty for a duplicate)
  std::vector<Refusal> refused;    // in recipient order; for a duplicate, the first copy's
};

// How a new device is admitted: openly, or by an invite token (given as its SHA-256).
struct Admission {
  bool open = true;
  Bytes token_hash;  // empty: the device gave no token
  TimeMs now = 0;
};

struct RelayStats {
  std::uint64_t devices = 0;
  std::uint64_t messages = 0;
  std::uint64_t mailbox_rows = 0;
  std::uint64_t active_invites = 0;  // with uses left and not expired
};

struct StorageLimits {
  std::uint32_t max_mailbox = 10000;
  std::uint32_t max_stored_prekeys = 2000;
  std::uint64_t max_storage_bytes = 0;  // live database pages; 0: no quota
};

class Storage {
 public:
  virtual ~Storage() = default;

  // --- batches (group commit): every operation between these shares one transaction ---
  virtual Status begin_batch() = 0;
  // kStorageRetry (relay_errors.hpp): the database gave the transaction up (a serialization
  // failure or a deadlock with another relay); nothing of it was kept and the whole batch may
  // run again.
  virtual Status commit_batch() = 0;
  virtual void rollback_batch() = 0;
  virtual bool in_batch() const = 0;
  // A savepoint around one job inside a batch: released on success, rolled back on failure.
  virtual Status savepoint() = 0;
  virtual Status release_savepoint() = 0;
  virtual void rollback_savepoint() = 0;

  // --- devices and prekeys ---
  // Registers a new device, or re-registers one with the same identity key (a retry: it needs
  // no token): replaces its registration id and signed prekey and adds the one-time prekeys.
  // A different identity key fails with Errc::device_exists. A new device under invite
  // admission uses one use of the invite whose hash is given: invite_required if none was
  // given, invite_invalid if it is unknown, revoked, used up or expired. Returns the number of
  // one-time prekeys now stored.
  virtual Result<std::uint32_t> register_device(const DeviceRecord& device, const std::vector<PreKeyRecord>& prekeys,
                                                const Admission& admission = {}) = 0;
  // The device and its one-time prekey count; Errc::unknown_device if not registered.
  virtual Result<AuthRecord> find_device(const Address& address) = 0;
  // Replaces the signed prekey (if given) and adds one-time prekeys (same id: replaced).
  // Errc::limit_exceeded if the device would hold more than max_stored_prekeys.
  virtual Result<std::uint32_t> upload_prekeys(const Address& address,
                                               const std::optional<SignedPreKeyRecord>& signed_prekey,
                                               const std::vector<PreKeyRecord>& prekeys) = 0;
  virtual Result<std::uint32_t> prekey_count(const Address& address) = 0;
  // The device's bundle; the lowest-id one-time prekey is removed in the same transaction,
  // so each is handed out at most once. Errc::unknown_device if not registered.
  virtual Result<BundleRecord> fetch_bundle(const Address& address) = 0;

  // --- mailboxes ---
  // Stores one message row and one mailbox row per recipient that can take it (registered,
  // mailbox below max_mailbox; repeated recipients count once), and refuses the others.
  // A new message that would take the storage past max_storage_bytes, or that the disk has
  // no room for, fails as a whole with kStorageFull (relay_errors.hpp); nothing is stored.
  // If at least one took it, (sender, message_id) is remembered with the refusals in the
  // same transaction, so a retry is a duplicate: nothing is stored again and it gets the
  // first copy's refusals. If none took it, nothing is stored or remembered. An empty
  // recipient list is Errc::invalid_argument.
  virtual Result<StoreOutcome> store_message(const Address& sender, const MessageId& message_id,
                                             const std::vector<Address>& recipients, ByteView payload,
                                             TimeMs now) = 0;
  // Mailbox rows of `recipient` with delivery_id > after, in order: at most max_count rows
  // and, past the first row, at most max_bytes of payload. Delivery ids increase within a
  // mailbox in commit order, so a reader that remembers the last id it saw misses nothing.
  virtual Result<MailboxPage> load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                           std::size_t max_bytes) = 0;
  // Deletes the listed rows from `recipient`'s own mailbox (others' rows and unknown ids are
  // ignored) and every message no mailbox row references any more. Returns rows deleted.
  virtual Result<std::uint32_t> ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) = 0;
  virtual Result<std::uint32_t> mailbox_size(const Address& recipient) = 0;
  // Forgets send-dedup entries (and their refusals) older than `before` (their messages may
  // be long delivered).
  virtual Result<std::uint32_t> prune_dedup(TimeMs before) = 0;
  // Deletes up to `max_messages` messages stored before `before`, with their mailbox rows
  // (keeping mailbox counts right). Returns how many messages went; call again while it
  // returns `max_messages`.
  virtual Result<std::uint32_t> prune_expired(TimeMs before, std::uint32_t max_messages) = 0;
  virtual Result<std::uint64_t> message_count() = 0;

  // --- administration (parley-relay admin) ---
  // An invite good for `uses` registrations until `expires_at`.
  virtual Status mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs now) = 0;
  virtual Result<bool> revoke_invite(ByteView token_hash) = 0;  // false: no such invite
  // Deletes the device, its prekeys and its mailbox; its address is free again. False: unknown.
  virtual Result<bool> remove_device(const Address& address) = 0;
  // Deletes every message queued for the device; returns how many.
  virtual Result<std::uint32_t> purge_mailbox(const Address& address) = 0;
  virtual Result<RelayStats> stats(TimeMs now) = 0;

  // Queued messages of every non-empty mailbox (for the depth histogram; a full scan).
  virtual Result<std::vector<std::uint64_t>> mailbox_depths() = 0;
  // A trivial read: the database answers (GET /readyz).
  virtual Status ping() = 0;
  // Bytes the stored data takes, compared with max_storage_bytes.
  virtual Result<std::uint64_t> used_bytes() = 0;
};

}  // namespace parley::relay
