// SPDX-License-Identifier: GPL-3.0-or-later
// Storage in memory, nothing durable: for tests that want the relay's storage rules without a
// file or a server (and, later, a sans-IO relay core driven by engine tests). It passes the
// same conformance suite as SqliteStorage and PgStorage.
//
// Several MemoryStorage objects made by connect() share one data set, as several connections
// share a database. A transaction (an operation outside a batch, or a whole batch) holds the
// data set's lock from its first statement to its end, so transactions never interleave; a
// failed operation or savepoint puts back a copy taken when it began.
#pragma once

#include <memory>
#include <mutex>

#include "storage.hpp"

namespace parley::relay {

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(StorageLimits limits = {});
  // Another connection to this storage's data, with its own limits.
  std::unique_ptr<MemoryStorage> connect(StorageLimits limits) const;
  ~MemoryStorage() override;

  Status begin_batch() override;
  Status commit_batch() override;
  void rollback_batch() override;
  bool in_batch() const override { return in_batch_; }
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
  Status ping() override { return {}; }
  // Payload bytes of the stored messages, as on PostgreSQL.
  Result<std::uint64_t> used_bytes() override;

  struct State;  // the tables
  struct Data;   // State plus the lock the connections share

 private:
  MemoryStorage(std::shared_ptr<Data> data, StorageLimits limits);
  // Runs `body` as one transaction (or inside the open batch), putting the data back on failure.
  template <class F>
  auto atomic(F&& body) -> decltype(body());
  // The data, for the open transaction (atomic() or a batch holds the lock).
  State& state();
  Status use_invite(const Admission& admission);

  std::shared_ptr<Data> data_;
  StorageLimits limits_;
  std::unique_lock<std::mutex> held_;  // while a transaction of this connection is open
  bool in_batch_ = false;
  std::unique_ptr<State> batch_copy_;  // the data as the batch began
  std::unique_ptr<State> job_copy_;    // the data as the current savepoint began
};

}  // namespace parley::relay
