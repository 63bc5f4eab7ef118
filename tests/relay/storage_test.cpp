// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's storage, directly: prekey hand-out, mailboxes, idempotency, durability.
#include "sqlite_storage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "storage_worker.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"

namespace parley::relay {
namespace {

using parley::test::TempDir;

Bytes filled(std::size_t n, std::uint8_t value) { return Bytes(n, value); }

DeviceRecord device(const std::string& user, std::uint32_t id, std::uint8_t key_byte = 0x11) {
  DeviceRecord d;
  d.address = Address{user, id};
  d.registration_id = 77;
  d.identity_key = filled(33, key_byte);
  d.identity_key[0] = 0x05;
  d.signed_prekey = SignedPreKeyRecord{1, filled(33, 0x22), filled(64, 0x33)};
  return d;
}

std::vector<PreKeyRecord> prekeys(std::uint32_t first, std::uint32_t count) {
  std::vector<PreKeyRecord> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(PreKeyRecord{first + i, filled(33, static_cast<std::uint8_t>(first + i))});
  return out;
}

MessageId mid(std::uint8_t seed) {
  MessageId id;
  id.bytes.fill(seed);
  return id;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

template <class T>
T must(Result<T> result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  if (!result.ok()) throw std::runtime_error(result.error().to_string());
  return std::move(result).value();
}

// store_message's `duplicate`, failing the test on an error.
bool dup(Result<StoreOutcome> result) { return must(std::move(result)).duplicate; }

class StorageTest : public ::testing::Test {
 protected:
  SqliteStorage open(StorageLimits limits = {}) { return must(SqliteStorage::open(dir.path(), StoreKey::none(), limits)); }
  TempDir dir;
};

TEST_F(StorageTest, RegisterIsIdempotentForTheSameIdentityKey) {
  auto s = open();
  EXPECT_EQ(must(s.register_device(device("alice", 1), prekeys(1, 5))), 5u);
  // Same identity key: signed prekey replaced, prekeys added (same ids replaced).
  auto again = device("alice", 1);
  again.signed_prekey.id = 9;
  EXPECT_EQ(must(s.register_device(again, prekeys(4, 5))), 8u);
  auto found = must(s.find_device(Address{"alice", 1}));
  EXPECT_EQ(found.device.signed_prekey.id, 9u);
  EXPECT_EQ(found.prekeys_remaining, 8u);
}

TEST_F(StorageTest, RegisterWithAnotherIdentityKeyFailsWithDeviceExists) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("alice", 1, 0x11), prekeys(1, 3)).ok());
  auto other = s.register_device(device("alice", 1, 0x44), prekeys(10, 3));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::device_exists);
  // Nothing of the failed registration was stored.
  auto found = must(s.find_device(Address{"alice", 1}));
  EXPECT_EQ(found.device.identity_key, device("alice", 1, 0x11).identity_key);
  EXPECT_EQ(found.prekeys_remaining, 3u);
}

TEST_F(StorageTest, UnknownDevices) {
  auto s = open();
  EXPECT_EQ(s.find_device(Address{"nobody", 1}).error().code, Errc::unknown_device);
  EXPECT_EQ(s.fetch_bundle(Address{"nobody", 1}).error().code, Errc::unknown_device);
  ASSERT_TRUE(s.register_device(device("alice", 1), {}).ok());
  // Nobody registered among the recipients: refused, nothing stored.
  auto sent = must(s.store_message(Address{"alice", 1}, mid(1), {Address{"nobody", 2}}, text("x"), 1));
  EXPECT_TRUE(sent.accepted.empty());
  EXPECT_EQ(sent.refused, (std::vector<Refusal>{{Address{"nobody", 2}, Errc::unknown_device}}));
  EXPECT_EQ(must(s.message_count()), 0u);
}

TEST_F(StorageTest, OneTimePreKeysAreHandedOutOnceThenTheSignedPreKeyIsTheFallback) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("bob", 1), prekeys(1, 3)).ok());
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 3; ++i) {
    auto bundle = must(s.fetch_bundle(Address{"bob", 1}));
    ASSERT_TRUE(bundle.one_time_prekey.has_value());
    EXPECT_TRUE(seen.insert(bundle.one_time_prekey->id).second) << "prekey handed out twice";
    EXPECT_EQ(bundle.prekeys_remaining, static_cast<std::uint32_t>(2 - i));
  }
  auto fallback = must(s.fetch_bundle(Address{"bob", 1}));
  EXPECT_FALSE(fallback.one_time_prekey.has_value());
  EXPECT_EQ(fallback.device.signed_prekey.id, 1u);
  EXPECT_EQ(fallback.device.signed_prekey.public_key, filled(33, 0x22));
  EXPECT_EQ(fallback.device.identity_key, device("bob", 1).identity_key);
  EXPECT_EQ(fallback.prekeys_remaining, 0u);
}

TEST_F(StorageTest, RacingFetchesOnTwoConnectionsNeverShareAPreKey) {
  constexpr std::uint32_t kKeys = 60;
  {
    auto s = open();
    ASSERT_TRUE(s.register_device(device("bob", 1), prekeys(1, kKeys)).ok());
  }
  // Two independent connections to the same file, fetching as fast as they can.
  auto fetch_all = [&]() {
    auto s = must(SqliteStorage::open(dir.path(), StoreKey::none()));
    std::vector<std::uint32_t> got;
    for (std::uint32_t i = 0; i < kKeys; ++i) {
      auto bundle = s.fetch_bundle(Address{"bob", 1});
      if (!bundle.ok()) {
        ADD_FAILURE() << bundle.error().to_string();
        break;
      }
      if (bundle->one_time_prekey) got.push_back(bundle->one_time_prekey->id);
    }
    return got;
  };
  auto a = std::async(std::launch::async, fetch_all);
  auto b = std::async(std::launch::async, fetch_all);
  auto ids = a.get();
  auto more = b.get();
  ids.insert(ids.end(), more.begin(), more.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "a one-time prekey was handed out twice";
  EXPECT_EQ(ids.size(), kKeys) << "every prekey handed out exactly once";
}

TEST_F(StorageTest, RacingFetchesThroughTheWorkerNeverShareAPreKey) {
  constexpr std::uint32_t kKeys = 100;
  auto s = open();
  ASSERT_TRUE(s.register_device(device("bob", 1), prekeys(1, kKeys)).ok());
  StorageWorker worker(std::make_unique<SqliteStorage>(std::move(s)));
  std::mutex mutex;
  std::vector<std::uint32_t> ids;
  std::atomic<int> finished{0};
  constexpr int kFetches = 150;  // more fetches than keys: the rest fall back
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kFetches / 3; ++i)
        worker.submit<BundleRecord>([](Storage& st) { return st.fetch_bundle(Address{"bob", 1}); },
                                    [&](Result<BundleRecord> r) {
                                      ASSERT_TRUE(r.ok());
                                      if (r->one_time_prekey) {
                                        std::lock_guard lock(mutex);
                                        ids.push_back(r->one_time_prekey->id);
                                      }
                                      ++finished;
                                    });
    });
  }
  for (auto& t : threads) t.join();
  worker.stop();
  EXPECT_EQ(finished.load(), kFetches);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "a one-time prekey was handed out twice";
  EXPECT_EQ(ids.size(), kKeys);
}

TEST_F(StorageTest, SendIsIdempotentOnSenderAndMessageId) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("alice", 1), {}).ok());
  ASSERT_TRUE(s.register_device(device("bob", 1), {}).ok());
  const Address alice{"alice", 1}, bob{"bob", 1};
  EXPECT_FALSE(dup(s.store_message(alice, mid(1), {bob}, text("first"), 10)));
  EXPECT_TRUE(dup(s.store_message(alice, mid(1), {bob}, text("retry"), 11)));
  EXPECT_EQ(must(s.mailbox_size(bob)), 1u);
  EXPECT_EQ(must(s.message_count()), 1u);
  // Another sender may use the same id.
  EXPECT_FALSE(dup(s.store_message(bob, mid(1), {bob}, text("other"), 12)));
  EXPECT_EQ(must(s.mailbox_size(bob)), 2u);
  // Still a duplicate after the first copy was delivered and acked.
  auto page = must(s.load_mailbox(bob, 0, 10, 1 << 20));
  ASSERT_EQ(page.messages.size(), 2u);
  EXPECT_EQ(must(s.ack(bob, std::vector<std::uint64_t>{page.messages[0].delivery_id})), 1u);
  EXPECT_TRUE(dup(s.store_message(alice, mid(1), {bob}, text("late retry"), 13)));
  EXPECT_EQ(must(s.mailbox_size(bob)), 1u);
}

TEST_F(StorageTest, OneMessageRowPerSendAndOneMailboxRowPerRecipient) {
  auto s = open();
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s.register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1};
  ASSERT_FALSE(dup(s.store_message(a, mid(1), {b, c, b}, text("hello"), 5)));  // duplicate recipient folded
  EXPECT_EQ(must(s.message_count()), 1u);
  EXPECT_EQ(must(s.mailbox_size(b)), 1u);
  EXPECT_EQ(must(s.mailbox_size(c)), 1u);
  auto for_b = must(s.load_mailbox(b, 0, 10, 1 << 20));
  ASSERT_EQ(for_b.messages.size(), 1u);
  EXPECT_EQ(for_b.messages[0].sender, a);
  EXPECT_EQ(for_b.messages[0].message_id, mid(1));
  EXPECT_EQ(for_b.messages[0].payload, text("hello"));
  EXPECT_EQ(for_b.messages[0].stored_at_ms, 5);
  // The message row lives until the last recipient acks.
  EXPECT_EQ(must(s.ack(b, std::vector<std::uint64_t>{for_b.messages[0].delivery_id})), 1u);
  EXPECT_EQ(must(s.message_count()), 1u);
  auto for_c = must(s.load_mailbox(c, 0, 10, 1 << 20));
  EXPECT_EQ(must(s.ack(c, std::vector<std::uint64_t>{for_c.messages[0].delivery_id})), 1u);
  EXPECT_EQ(must(s.message_count()), 0u);
}

TEST_F(StorageTest, MailboxIsDeliveredInOrderAndPaged) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
  ASSERT_TRUE(s.register_device(device("b", 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1};
  for (std::uint8_t i = 0; i < 10; ++i)
    ASSERT_FALSE(dup(s.store_message(a, mid(i), {b}, Bytes(100, i), 100 + i)));
  auto first = must(s.load_mailbox(b, 0, 4, 1 << 20));
  ASSERT_EQ(first.messages.size(), 4u);
  EXPECT_TRUE(first.more);
  auto rest = must(s.load_mailbox(b, first.messages.back().delivery_id, 100, 1 << 20));
  ASSERT_EQ(rest.messages.size(), 6u);
  EXPECT_FALSE(rest.more);
  std::vector<StoredMessage> all = first.messages;
  all.insert(all.end(), rest.messages.begin(), rest.messages.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].message_id, mid(static_cast<std::uint8_t>(i))) << "out of order at " << i;
    if (i > 0) {
      EXPECT_GT(all[i].delivery_id, all[i - 1].delivery_id);
    }
  }
  // Byte budget: at least one row, then stop before exceeding it.
  auto small = must(s.load_mailbox(b, 0, 100, 250));
  EXPECT_EQ(small.messages.size(), 2u);
  EXPECT_TRUE(small.more);
  auto tiny = must(s.load_mailbox(b, 0, 100, 1));
  EXPECT_EQ(tiny.messages.size(), 1u);
  // Delivery ids keep increasing even after the newest row was acked (never reused).
  const std::uint64_t newest = all.back().delivery_id;
  ASSERT_EQ(must(s.ack(b, std::vector<std::uint64_t>{newest})), 1u);
  ASSERT_FALSE(dup(s.store_message(a, mid(200), {b}, text("later"), 1)));
  auto later = must(s.load_mailbox(b, newest, 10, 1 << 20));
  ASSERT_EQ(later.messages.size(), 1u);
  EXPECT_GT(later.messages[0].delivery_id, newest);
}

TEST_F(StorageTest, AckOnlyDeletesTheDevicesOwnRows) {
  auto s = open();
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s.register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1};
  ASSERT_FALSE(dup(s.store_message(a, mid(1), {b}, text("for b"), 1)));
  ASSERT_FALSE(dup(s.store_message(a, mid(2), {c}, text("for c"), 1)));
  const auto b_id = must(s.load_mailbox(b, 0, 10, 1 << 20)).messages.at(0).delivery_id;
  const auto c_id = must(s.load_mailbox(c, 0, 10, 1 << 20)).messages.at(0).delivery_id;
  // c acks b's row (and an id that does not exist): nothing happens.
  EXPECT_EQ(must(s.ack(c, std::vector<std::uint64_t>{b_id, 999999})), 0u);
  EXPECT_EQ(must(s.mailbox_size(b)), 1u);
  EXPECT_EQ(must(s.load_mailbox(b, 0, 10, 1 << 20)).messages.size(), 1u);
  // Its own row goes.
  EXPECT_EQ(must(s.ack(c, std::vector<std::uint64_t>{c_id, c_id})), 1u);
  EXPECT_EQ(must(s.mailbox_size(c)), 0u);
  EXPECT_EQ(must(s.message_count()), 1u);
}

TEST_F(StorageTest, FullMailboxRefusesOnlyThatRecipient) {
  StorageLimits limits;
  limits.max_mailbox = 3;
  auto s = open(limits);
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s.register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1};
  for (std::uint8_t i = 0; i < 3; ++i) ASSERT_FALSE(dup(s.store_message(a, mid(i), {b}, text("x"), 1)));
  auto partial = must(s.store_message(a, mid(10), {c, b}, text("x"), 1));
  EXPECT_FALSE(partial.duplicate);
  EXPECT_EQ(partial.accepted, std::vector<Address>{c});
  EXPECT_EQ(partial.refused, (std::vector<Refusal>{{b, Errc::mailbox_full}}));
  EXPECT_EQ(must(s.mailbox_size(c)), 1u);
  EXPECT_EQ(must(s.mailbox_size(b)), 3u);
  // Only b: nobody can take it, nothing is stored or remembered.
  auto none = must(s.store_message(a, mid(11), {b}, text("x"), 1));
  EXPECT_FALSE(none.duplicate);
  EXPECT_TRUE(none.accepted.empty());
  EXPECT_EQ(none.refused, (std::vector<Refusal>{{b, Errc::mailbox_full}}));
  EXPECT_EQ(must(s.message_count()), 4u);
  // A retry of an id that was stored is still a duplicate, not a failure.
  EXPECT_TRUE(dup(s.store_message(a, mid(0), {b}, text("x"), 1)));
  // After an ack there is room again: the id that nobody took was not remembered, so it goes
  // through now; the partially taken one stays what it was (b does not get it on a retry).
  const auto first = must(s.load_mailbox(b, 0, 1, 1 << 20)).messages.at(0).delivery_id;
  ASSERT_EQ(must(s.ack(b, std::vector<std::uint64_t>{first})), 1u);
  auto retried = must(s.store_message(a, mid(10), {c, b}, text("x"), 1));
  EXPECT_TRUE(retried.duplicate);
  EXPECT_TRUE(retried.accepted.empty());
  EXPECT_EQ(retried.refused, (std::vector<Refusal>{{b, Errc::mailbox_full}}));
  EXPECT_EQ(must(s.mailbox_size(c)), 1u);
  EXPECT_EQ(must(s.mailbox_size(b)), 2u);
  auto later = must(s.store_message(a, mid(11), {b}, text("x"), 1));
  EXPECT_FALSE(later.duplicate);
  EXPECT_EQ(later.accepted, std::vector<Address>{b});
  EXPECT_TRUE(later.refused.empty());
}

TEST_F(StorageTest, UnknownRecipientIsRefusedAndTheOthersGetTheMessage) {
  auto s = open();
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s.register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1}, ghost{"ghost", 1};
  auto out = must(s.store_message(a, mid(1), {b, ghost, c}, text("post"), 7));
  EXPECT_FALSE(out.duplicate);
  EXPECT_EQ(out.accepted, (std::vector<Address>{b, c}));
  EXPECT_EQ(out.refused, (std::vector<Refusal>{{ghost, Errc::unknown_device}}));
  EXPECT_EQ(must(s.message_count()), 1u);
  for (const Address& r : {b, c}) {
    auto page = must(s.load_mailbox(r, 0, 10, 1 << 20));
    ASSERT_EQ(page.messages.size(), 1u) << r.to_string();
    EXPECT_EQ(page.messages[0].payload, text("post"));
  }
  // The ghost registers later: a retry of the same send is a duplicate with the same answer;
  // it neither stores a second copy for b and c nor reaches the ghost now.
  ASSERT_TRUE(s.register_device(device("ghost", 1), {}).ok());
  auto retry = must(s.store_message(a, mid(1), {b, ghost, c}, text("post"), 8));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_TRUE(retry.accepted.empty());
  EXPECT_EQ(retry.refused, out.refused);
  EXPECT_EQ(must(s.mailbox_size(b)), 1u);
  EXPECT_EQ(must(s.mailbox_size(c)), 1u);
  EXPECT_EQ(must(s.mailbox_size(ghost)), 0u);
  EXPECT_EQ(must(s.message_count()), 1u);
  // ... also after b and c acked it (the message row is gone, the dedup entry is not).
  for (const Address& r : {b, c}) {
    auto id = must(s.load_mailbox(r, 0, 10, 1 << 20)).messages.at(0).delivery_id;
    ASSERT_EQ(must(s.ack(r, std::vector<std::uint64_t>{id})), 1u);
  }
  EXPECT_EQ(must(s.message_count()), 0u);
  EXPECT_EQ(must(s.store_message(a, mid(1), {b, ghost, c}, text("post"), 9)).refused, out.refused);
  // Refusals are pruned with their dedup entry.
  EXPECT_EQ(must(s.prune_dedup(100)), 1u);
  auto fresh = must(s.store_message(a, mid(1), {ghost}, text("post"), 200));
  EXPECT_FALSE(fresh.duplicate);
  EXPECT_EQ(fresh.accepted, std::vector<Address>{ghost});
}

TEST_F(StorageTest, RepeatedAndOnlyRefusedRecipients) {
  StorageLimits limits;
  limits.max_mailbox = 1;
  auto s = open(limits);
  for (auto name : {"a", "b", "full"}) ASSERT_TRUE(s.register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, full{"full", 1}, x{"x", 1}, y{"y", 1};
  ASSERT_FALSE(dup(s.store_message(a, mid(1), {full}, text("fill"), 1)));
  // Repeats count once, refused or accepted.
  auto out = must(s.store_message(a, mid(2), {x, b, x, full, b, full, x}, text("m"), 1));
  EXPECT_EQ(out.accepted, std::vector<Address>{b});
  EXPECT_EQ(out.refused, (std::vector<Refusal>{{x, Errc::unknown_device}, {full, Errc::mailbox_full}}));
  EXPECT_EQ(must(s.mailbox_size(b)), 1u);
  // Every recipient refused (mixed reasons): nothing stored, nothing remembered.
  const auto messages = must(s.message_count());
  auto none = must(s.store_message(a, mid(3), {y, full, y}, text("m"), 1));
  EXPECT_FALSE(none.duplicate);
  EXPECT_TRUE(none.accepted.empty());
  EXPECT_EQ(none.refused, (std::vector<Refusal>{{y, Errc::unknown_device}, {full, Errc::mailbox_full}}));
  EXPECT_EQ(must(s.message_count()), messages);
  EXPECT_FALSE(must(s.store_message(a, mid(3), {y, full}, text("m"), 1)).duplicate) << "not remembered";
  // No recipients at all is an error.
  auto empty = s.store_message(a, mid(4), {}, text("m"), 1);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST_F(StorageTest, VersionOneDatabaseIsUpgraded) {
  const Address a{"a", 1}, b{"b", 1};
  {
    auto s = open();
    ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
    ASSERT_TRUE(s.register_device(device("b", 1), {}).ok());
    ASSERT_FALSE(dup(s.store_message(a, mid(1), {b}, text("old"), 1)));
  }
  {
    // What a version-1 relay left behind: no send_refused table.
    auto db = store::Database::open((dir.path() / SqliteStorage::kFileName).string(), StoreKey::none(), {});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    ASSERT_TRUE(db->exec("DROP TABLE send_refused; UPDATE meta SET value = 1 WHERE key = 'schema_version'").ok());
  }
  auto s = open();
  EXPECT_TRUE(dup(s.store_message(a, mid(1), {b}, text("old"), 2)));
  auto out = must(s.store_message(a, mid(2), {b, Address{"x", 1}}, text("new"), 3));
  EXPECT_EQ(out.refused, (std::vector<Refusal>{{Address{"x", 1}, Errc::unknown_device}}));
  EXPECT_EQ(must(s.store_message(a, mid(2), {b}, text("new"), 4)).refused, out.refused);
}

TEST_F(StorageTest, PreKeyUploadLimits) {
  StorageLimits limits;
  limits.max_stored_prekeys = 10;
  auto s = open(limits);
  ASSERT_TRUE(s.register_device(device("a", 1), prekeys(1, 8)).ok());
  auto over = s.upload_prekeys(Address{"a", 1}, std::nullopt, prekeys(100, 5));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::limit_exceeded);
  EXPECT_EQ(must(s.prekey_count(Address{"a", 1})), 8u) << "the refused upload stored nothing";
  EXPECT_EQ(must(s.upload_prekeys(Address{"a", 1}, SignedPreKeyRecord{7, filled(33, 1), filled(64, 2)}, prekeys(100, 2))),
            10u);
  EXPECT_EQ(must(s.find_device(Address{"a", 1})).device.signed_prekey.id, 7u);
}

TEST_F(StorageTest, DataSurvivesReopen) {
  const Address a{"a", 1}, b{"b", 1};
  {
    auto s = open();
    ASSERT_TRUE(s.register_device(device("a", 1), prekeys(1, 4)).ok());
    ASSERT_TRUE(s.register_device(device("b", 1), {}).ok());
    ASSERT_FALSE(dup(s.store_message(a, mid(1), {b}, text("kept"), 42)));
    ASSERT_TRUE(must(s.fetch_bundle(a)).one_time_prekey.has_value());
  }
  auto s = open();
  auto found = must(s.find_device(a));
  EXPECT_EQ(found.prekeys_remaining, 3u);
  auto page = must(s.load_mailbox(b, 0, 10, 1 << 20));
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].payload, text("kept"));
  EXPECT_TRUE(dup(s.store_message(a, mid(1), {b}, text("kept"), 43))) << "dedup survives reopen";
}

TEST_F(StorageTest, GroupCommitRunsQueuedJobsInOneBatchAndIsolatesFailures) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
  ASSERT_TRUE(s.register_device(device("b", 1), {}).ok());
  StorageWorker worker(std::make_unique<SqliteStorage>(std::move(s)));
  // Block the worker on a first job so the next ones queue up behind it.
  std::promise<void> release, running;
  auto gate = release.get_future().share();
  worker.submit<bool>(
      [gate, &running](Storage&) -> Result<bool> {
        running.set_value();
        gate.wait();
        return true;
      },
      [](Result<bool>) {});
  running.get_future().wait();
  std::atomic<int> ok{0}, failed{0};
  const Address a{"a", 1}, b{"b", 1};
  for (std::uint8_t i = 0; i < 20; ++i) {
    const bool bad = i % 5 == 0;  // unknown recipient: fails alone
    worker.submit<StoreOutcome>(
        [=](Storage& st) { return st.store_message(a, mid(i), {bad ? Address{"zz", 1} : b}, text("m"), 1); },
        [&](Result<StoreOutcome> r) { (r.ok() && !r->accepted.empty() ? ok : failed)++; });
  }
  const auto before = worker.batches();
  release.set_value();
  worker.stop();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(failed.load(), 4);
  EXPECT_EQ(worker.batches() - before, 1u) << "the 20 queued jobs should share one transaction";
  auto reopened = must(SqliteStorage::open(dir.path(), StoreKey::none()));
  EXPECT_EQ(must(reopened.mailbox_size(b)), 16u);
}

TEST_F(StorageTest, CompletionComesOnlyAfterCommit) {
  auto s = open();
  ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
  StorageWorker worker(std::make_unique<SqliteStorage>(std::move(s)));
  std::promise<bool> visible;
  worker.submit<StoreOutcome>(
      [](Storage& st) { return st.store_message(Address{"a", 1}, mid(1), {Address{"a", 1}}, text("m"), 1); },
      [&](Result<StoreOutcome> r) {
        // Another connection sees the row as soon as the completion runs: it was committed.
        auto other = SqliteStorage::open(dir.path(), StoreKey::none());
        visible.set_value(r.ok() && other.ok() && other->mailbox_size(Address{"a", 1}).ok() &&
                          *other->mailbox_size(Address{"a", 1}) == 1u);
      });
  EXPECT_TRUE(visible.get_future().get());
}

TEST_F(StorageTest, EncryptedDatabaseHoldsNoPlaintextAndNeedsItsKey) {
  std::array<std::uint8_t, 32> raw{};
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 3 + 1);
  const std::string marker = "MARKER-payload-visible-only-without-encryption";
  {
    auto s = must(SqliteStorage::open(dir.path(), StoreKey::raw(raw)));
    ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
    ASSERT_FALSE(dup(s.store_message(Address{"a", 1}, mid(1), {Address{"a", 1}}, text(marker), 1)));
  }
  EXPECT_TRUE(parley::test::files_containing(dir.path(), marker).empty());
  EXPECT_TRUE(parley::test::files_containing(dir.path(), "one_time_prekeys").empty()) << "schema visible";
  auto wrong = SqliteStorage::open(dir.path(), StoreKey::none());
  ASSERT_FALSE(wrong.ok());
  auto right = must(SqliteStorage::open(dir.path(), StoreKey::raw(raw)));
  EXPECT_EQ(must(right.mailbox_size(Address{"a", 1})), 1u);
}

TEST_F(StorageTest, PlainDatabaseIsWhatTheEncryptedTestCompares) {
  // Counterpart of the test above: without a key the marker is on disk, so that test can fail.
  const std::string marker = "MARKER-payload-visible-only-without-encryption";
  {
    auto s = open();
    ASSERT_TRUE(s.register_device(device("a", 1), {}).ok());
    ASSERT_FALSE(dup(s.store_message(Address{"a", 1}, mid(1), {Address{"a", 1}}, text(marker), 1)));
  }
  EXPECT_FALSE(parley::test::files_containing(dir.path(), marker).empty());
}

}  // namespace
}  // namespace parley::relay
