// SPDX-License-Identifier: GPL-3.0-or-later
// Storage on PostgreSQL through libpq, so that several relay processes can share one database.
//
// Every transaction is SERIALIZABLE: two relays acting on the same device at once (two sends
// into one mailbox, two fetches of one bundle, the same Send retried through another relay)
// behave as if one ran after the other, or one of them fails with a serialization failure and
// runs again (kStorageRetry; StorageWorker retries whole batches, operations outside a batch
// retry themselves). The SQL is deliberately plain (ON CONFLICT, no stored procedures, no
// advisory locks) so that PostgreSQL-compatible distributed databases have a chance to run it.
//
// Delivery ids are per mailbox: each device row holds its last one, and a send takes the next
// by updating that row, so two relays writing into one mailbox are ordered by its row lock and
// ids rise in commit order (a reader's "after" cursor never skips a row committed late).
//
// After a send commits, the database tells every listening relay on channel kNotifyChannel
// (payload: the recipient's address) through pg_notify inside the same transaction, so the
// notification goes out only if the rows are there. Relays must not rely on it (PgWakeups).
#pragma once

#include <memory>
#include <string>

#include "pg_connection.hpp"
#include "storage.hpp"

namespace parley::relay {

class PgStorage final : public Storage {
 public:
  static constexpr const char* kNotifyChannel = "parley_mail";

  // Connects and creates the schema if it is missing. Errc::store_io if the database cannot
  // be reached, Errc::store_corrupt if it holds a schema this build does not know.
  // `notify`: announce each stored message with pg_notify (off where the database has none).
  static Result<std::unique_ptr<PgStorage>> open(const std::string& url, StorageLimits limits = {},
                                                 bool notify = true);

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
  Status ping() override;
  // Payload bytes of the stored messages (a scan: PostgreSQL's files do not shrink on
  // delete, so their size would never let a refused sender in again).
  Result<std::uint64_t> used_bytes() override;

 private:
  PgStorage(PgConnection connection, StorageLimits limits, bool notify);
  // Runs `body` in its own SERIALIZABLE transaction (retried on kStorageRetry), or in a
  // savepoint when a batch or another operation already holds one.
  template <class F>
  auto atomic(F&& body) -> decltype(body());
  // BEGIN, on a new connection if the old one was lost.
  Status begin();
  // A statement; a kStorageRetry failure dooms the enclosing transaction.
  Result<PgRows> run(const char* sql, const PgParams& params = {});
  Status use_invite(const Admission& admission);
  Status write_message(const Address& sender, ByteView id, const StoreOutcome& out, ByteView payload, TimeMs now);

  PgConnection db_;
  StorageLimits limits_;
  bool notify_ = true;
  bool in_batch_ = false;
  bool doomed_ = false;  // the open transaction hit a serialization failure: it cannot commit
  int depth_ = 0;        // nesting of atomic() outside a batch
};

}  // namespace parley::relay
