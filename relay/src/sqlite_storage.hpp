// SPDX-License-Identifier: GPL-3.0-or-later
// The default Storage: one SQLite (optionally SQLCipher) file, DIR/relay.db, in WAL mode with
// synchronous=FULL, so a committed write is on disk. Outside a batch every operation runs in
// its own BEGIN IMMEDIATE transaction. One process owns the file: for several relays, see
// PgStorage.
#pragma once

#include <filesystem>
#include <memory>

#include "storage.hpp"

namespace parley::relay {

class SqliteStorage final : public Storage {
 public:
  // Opens or creates DIR/relay.db (creating DIR if needed). Errc::store_wrong_key if `key`
  // does not open an existing file.
  static Result<SqliteStorage> open(const std::filesystem::path& dir, const StoreKey& key, StorageLimits limits = {});
  static constexpr const char* kFileName = "relay.db";

  SqliteStorage(SqliteStorage&&) noexcept;
  SqliteStorage& operator=(SqliteStorage&&) noexcept;
  ~SqliteStorage() override;

  Status begin_batch() override;
  Status commit_batch() override;
  void rollback_batch() override;
  bool in_batch() const override;
  Status savepoint() override;
  Status release_savepoint() override;
  void rollback_savepoint() override;

  Result<std::uint32_t> register_device(const DeviceRecord& device, const std::vector<PreKeyRecord>& prekeys,
                                        const Admission& admission = {}) override;
  Result<AuthRecord> find_device(const Address& address) override;
  Result<std::uint32_t> upload_prekeys(const Address& address, const std::optional<SignedPreKeyRecord>& signed_prekey,
                                       const std::vector<PreKeyRecord>& prekeys) override;
  Result<std::uint32_t> prekey_count(const Address& address) override;
  Result<BundleRecord> fetch_bundle(const Address& address) override;

  Result<StoreOutcome> store_message(const Address& sender, const MessageId& message_id,
                                     const std::vector<Address>& recipients, ByteView payload, TimeMs now) override;
  Result<MailboxPage> load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                   std::size_t max_bytes) override;
  Result<std::uint32_t> ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) override;
  Result<std::uint32_t> mailbox_size(const Address& recipient) override;
  Result<std::uint32_t> prune_dedup(TimeMs before) override;
  Result<std::uint32_t> prune_expired(TimeMs before, std::uint32_t max_messages) override;
  Result<std::uint64_t> message_count() override;

  Status mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs now) override;
  Result<bool> revoke_invite(ByteView token_hash) override;
  Result<bool> remove_device(const Address& address) override;
  Result<std::uint32_t> purge_mailbox(const Address& address) override;
  Result<RelayStats> stats(TimeMs now) override;

  Result<std::vector<std::uint64_t>> mailbox_depths() override;
  Status ping() override;
  // Bytes of live pages: (page_count - freelist_count) * page_size. Acks and purges give
  // pages back to the freelist, so this falls again when mail is taken.
  Result<std::uint64_t> used_bytes() override;

  // --- SQLite only ---
  // PRAGMA integrity_check: ok, or Errc::store_corrupt with SQLite's first complaints.
  Status integrity_check();
  // An online copy of the whole database into `destination` (a new file, same key) with
  // SQLite's backup API, in one step: a consistent snapshot as of one read transaction, while
  // writers (the relay) go on. Returns the pages copied.
  Result<std::uint64_t> backup_to(const std::filesystem::path& destination, const StoreKey& key);

 private:
  struct Impl;
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  template <class F>
  auto atomic(F&& body) -> decltype(body());
  Status use_invite(const Admission& admission);
  // store_message's rows: the message, its mailbox rows, the dedup entry and the refusals.
  Status write_message(const Address& sender, ByteView id, const StoreOutcome& out, ByteView payload, TimeMs now);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::relay
