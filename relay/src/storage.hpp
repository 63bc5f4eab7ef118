// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's durable state: devices and their public keys, one-time prekeys, and per-device
// mailboxes of opaque payloads. One SQLite (optionally SQLCipher) file, DIR/relay.db, in WAL
// mode with synchronous=FULL: a committed write is on disk.
//
// Storage is synchronous and single-threaded; the server drives it from one thread through
// StorageWorker (group commit). Every operation is atomic on its own: outside a batch it runs
// in its own BEGIN IMMEDIATE transaction, inside a batch (begin_batch .. commit_batch) in a
// savepoint, so a failed operation leaves nothing behind and never spoils its neighbours.
//
// What is stored: addresses, registration ids, public keys, signatures, message ids, opaque
// payloads, timestamps. Nothing else is known to the relay.
#pragma once

#include <cstdint>
#include <filesystem>
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
  // Opens or creates DIR/relay.db (creating DIR if needed). Errc::store_wrong_key if `key`
  // does not open an existing file.
  static Result<Storage> open(const std::filesystem::path& dir, const StoreKey& key, StorageLimits limits = {});
  static constexpr const char* kFileName = "relay.db";

  Storage(Storage&&) noexcept;
  Storage& operator=(Storage&&) noexcept;
  ~Storage();

  // --- batches (group commit): every operation between these shares one transaction ---
  Status begin_batch();
  Status commit_batch();
  void rollback_batch();
  bool in_batch() const;
  // A savepoint around one job inside a batch: released on success, rolled back on failure.
  Status savepoint();
  Status release_savepoint();
  void rollback_savepoint();

  // --- devices and prekeys ---
  // Creates the device, or (same identity key) replaces its registration id and signed
  // prekey and adds the one-time prekeys. A different identity key fails with
  // Errc::device_exists. Returns the number of one-time prekeys now stored.
  // Registers a new device, or re-registers one with the same identity key (a retry: it needs
  // no token). A new device under invite admission uses one use of the invite whose hash is
  // given: invite_required if none was given, invite_invalid if it is unknown, revoked, used
  // up or expired.
  Result<std::uint32_t> register_device(const DeviceRecord& device, const std::vector<PreKeyRecord>& prekeys,
                                        const Admission& admission = {});
  // The device and its one-time prekey count; Errc::unknown_device if not registered.
  Result<AuthRecord> find_device(const Address& address);
  // Replaces the signed prekey (if given) and adds one-time prekeys (same id: replaced).
  // Errc::limit_exceeded if the device would hold more than max_stored_prekeys.
  Result<std::uint32_t> upload_prekeys(const Address& address, const std::optional<SignedPreKeyRecord>& signed_prekey,
                                       const std::vector<PreKeyRecord>& prekeys);
  Result<std::uint32_t> prekey_count(const Address& address);
  // The device's bundle; the lowest-id one-time prekey is removed in the same transaction,
  // so each is handed out at most once. Errc::unknown_device if not registered.
  Result<BundleRecord> fetch_bundle(const Address& address);

  // --- mailboxes ---
  // Stores one message row and one mailbox row per recipient that can take it (registered,
  // mailbox below max_mailbox; repeated recipients count once), and refuses the others.
  // A new message that would take the live pages past max_storage_bytes, or that the disk has
  // no room for, fails as a whole with kStorageFull (relay_errors.hpp); nothing is stored.
  // If at least one took it, (sender, message_id) is remembered with the refusals in the
  // same transaction, so a retry is a duplicate: nothing is stored again and it gets the
  // first copy's refusals. If none took it, nothing is stored or remembered. An empty
  // recipient list is Errc::invalid_argument.
  Result<StoreOutcome> store_message(const Address& sender, const MessageId& message_id,
                                     const std::vector<Address>& recipients, ByteView payload, TimeMs now);
  // Mailbox rows of `recipient` with delivery_id > after, in order: at most max_count rows
  // and, past the first row, at most max_bytes of payload.
  Result<MailboxPage> load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                   std::size_t max_bytes);
  // Deletes the listed rows from `recipient`'s own mailbox (others' rows and unknown ids are
  // ignored) and every message no mailbox row references any more. Returns rows deleted.
  Result<std::uint32_t> ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids);
  Result<std::uint32_t> mailbox_size(const Address& recipient);
  // Forgets send-dedup entries (and their refusals) older than `before` (their messages may
  // be long delivered).
  Result<std::uint32_t> prune_dedup(TimeMs before);
  // Deletes up to `max_messages` messages stored before `before`, with their mailbox rows
  // (keeping mailbox counts right). Returns how many messages went; call again while it
  // returns `max_messages`.
  Result<std::uint32_t> prune_expired(TimeMs before, std::uint32_t max_messages);

  // Counts for tests and logs.
  Result<std::uint64_t> message_count();
  // --- administration (parley-relay admin) ---
  // An invite good for `uses` registrations until `expires_at`.
  Status mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs now);
  Result<bool> revoke_invite(ByteView token_hash);  // false: no such invite
  // Deletes the device, its prekeys and its mailbox; its address is free again. False: unknown.
  Result<bool> remove_device(const Address& address);
  // Deletes every message queued for the device; returns how many.
  Result<std::uint32_t> purge_mailbox(const Address& address);
  Result<RelayStats> stats(TimeMs now);

  // Queued messages of every non-empty mailbox (for the depth histogram; a full index scan).
  Result<std::vector<std::uint64_t>> mailbox_depths();
  // A trivial read: the database answers (GET /readyz).
  Status ping();
  // Bytes of live pages: (page_count - freelist_count) * page_size. Acks and purges give
  // pages back to the freelist, so this falls again when mail is taken.
  Result<std::uint64_t> used_bytes();
  // PRAGMA integrity_check: ok, or Errc::store_corrupt with SQLite's first complaints.
  Status integrity_check();
  // An online copy of the whole database into `destination` (a new file, same key) with
  // SQLite's backup API, in one step: a consistent snapshot as of one read transaction, while
  // writers (the relay) go on. Returns the pages copied.
  Result<std::uint64_t> backup_to(const std::filesystem::path& destination, const StoreKey& key);

 private:
  struct Impl;
  explicit Storage(std::unique_ptr<Impl> impl);
  template <class F>
  auto atomic(F&& body) -> decltype(body());
  Status use_invite(const Admission& admission);
  // store_message's rows: the message, its mailbox rows, the dedup entry and the refusals.
  Status write_message(const Address& sender, ByteView id, const StoreOutcome& out, ByteView payload, TimeMs now);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::relay
