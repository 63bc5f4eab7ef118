// SPDX-License-Identifier: GPL-3.0-or-later
// The Storage contract, run against every implementation: the embedded SQLite file, a
// PostgreSQL server the suite starts itself (skipped, saying why, where it cannot start one),
// and memory.
// Concurrency cases use two Storage objects on the same data: two connections, as two relays
// on one PostgreSQL would have.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "memory_storage.hpp"
#include "pg_server.hpp"
#include "pg_storage.hpp"
#include "relay_errors.hpp"
#include "sqlite_storage.hpp"
#include "storage_worker.hpp"
#include "support/temp_dir.hpp"

namespace parley::relay {
namespace {

DeviceRecord device(const std::string& user, std::uint32_t id, std::uint8_t key_byte = 0x11) {
  DeviceRecord d;
  d.address = Address{user, id};
  d.registration_id = 77;
  d.identity_key = Bytes(33, key_byte);
  d.identity_key[0] = 0x05;
  d.signed_prekey = SignedPreKeyRecord{1, Bytes(33, 0x22), Bytes(64, 0x33)};
  return d;
}

std::vector<PreKeyRecord> prekeys(std::uint32_t first, std::uint32_t count) {
  std::vector<PreKeyRecord> out;
  for (std::uint32_t i = 0; i < count; ++i)
    out.push_back(PreKeyRecord{first + i, Bytes(33, static_cast<std::uint8_t>(first + i))});
  return out;
}

MessageId mid(std::uint32_t seed) {
  MessageId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(seed >> (8 * (i % 4)));
  return id;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

template <class T>
T must(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.error().to_string());
  return std::move(result).value();
}

bool dup(Result<StoreOutcome> result) { return must(std::move(result)).duplicate; }

class StorageConformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == "postgres") {
      // Started once per process, and only when a postgres case runs (ctest runs each alone).
      if (!pg_ && pg_why_.empty()) pg_ = test::PgServer::start(pg_why_).release();
      if (!pg_) GTEST_SKIP() << "no PostgreSQL for the conformance suite: " << pg_why_;
      database_ = "conformance_" + std::to_string(++databases_);
      ASSERT_TRUE(pg_->create_database(database_));
    }
  }

  // A new Storage on this test's data; a second call is a second connection to the same data.
  std::unique_ptr<Storage> open(StorageLimits limits = {}) {
    if (GetParam() == "postgres") return must(PgStorage::open(pg_->url(database_), limits));
    if (GetParam() == "memory") {
      if (!memory_) memory_ = std::make_unique<MemoryStorage>();
      return memory_->connect(limits);
    }
    return std::make_unique<SqliteStorage>(must(SqliteStorage::open(dir_.path(), StoreKey::none(), limits)));
  }

  static inline test::PgServer* pg_ = nullptr;
  static inline std::string pg_why_;
  static inline int databases_ = 0;
  parley::test::TempDir dir_;
  std::string database_;
  std::unique_ptr<MemoryStorage> memory_;  // holds the data that open() connects to
};

TEST_P(StorageConformance, RegistrationIsIdempotentForOneIdentityKeyAndRefusesAnother) {
  auto s = open();
  EXPECT_EQ(must(s->register_device(device("bob", 1), prekeys(1, 5))), 5u);
  EXPECT_EQ(must(s->register_device(device("bob", 1), prekeys(6, 5))), 10u);
  auto other = s->register_device(device("bob", 1, 0x44), {});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::device_exists);
  auto found = must(s->find_device(Address{"bob", 1}));
  EXPECT_EQ(found.device.identity_key, device("bob", 1).identity_key);
  EXPECT_EQ(found.prekeys_remaining, 10u);
  EXPECT_EQ(s->find_device(Address{"nobody", 1}).error().code, Errc::unknown_device);
  EXPECT_EQ(s->fetch_bundle(Address{"nobody", 1}).error().code, Errc::unknown_device);
  EXPECT_EQ(s->mailbox_size(Address{"nobody", 1}).error().code, Errc::unknown_device);
}

TEST_P(StorageConformance, OneTimePreKeysGoOutOnceLowestFirstThenTheSignedPreKeyAlone) {
  auto s = open();
  ASSERT_TRUE(s->register_device(device("bob", 1), prekeys(10, 3)).ok());
  for (std::uint32_t expected : {10u, 11u, 12u}) {
    auto bundle = must(s->fetch_bundle(Address{"bob", 1}));
    ASSERT_TRUE(bundle.one_time_prekey);
    EXPECT_EQ(bundle.one_time_prekey->id, expected);
    EXPECT_EQ(bundle.prekeys_remaining, 12u - expected);
  }
  auto fallback = must(s->fetch_bundle(Address{"bob", 1}));
  EXPECT_FALSE(fallback.one_time_prekey);
  EXPECT_EQ(fallback.device.signed_prekey.signature, Bytes(64, 0x33));
  // A new signed prekey replaces the old one; the limit on stored one-time prekeys holds.
  ASSERT_TRUE(s->upload_prekeys(Address{"bob", 1}, SignedPreKeyRecord{2, Bytes(33, 1), Bytes(64, 2)}, {}).ok());
  EXPECT_EQ(must(s->find_device(Address{"bob", 1})).device.signed_prekey.id, 2u);
  EXPECT_EQ(s->upload_prekeys(Address{"nobody", 1}, SignedPreKeyRecord{2, Bytes(33, 1), Bytes(64, 2)}, {}).error().code,
            Errc::unknown_device);
}

TEST_P(StorageConformance, StoredPreKeysAreLimited) {
  StorageLimits limits;
  limits.max_stored_prekeys = 8;
  auto s = open(limits);
  ASSERT_TRUE(s->register_device(device("bob", 1), prekeys(1, 5)).ok());
  auto over = s->upload_prekeys(Address{"bob", 1}, std::nullopt, prekeys(100, 4));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::limit_exceeded);
  EXPECT_EQ(must(s->prekey_count(Address{"bob", 1})), 5u) << "a refused upload leaves nothing behind";
  EXPECT_EQ(must(s->upload_prekeys(Address{"bob", 1}, std::nullopt, prekeys(1, 8))), 8u) << "same ids are replaced";
}

TEST_P(StorageConformance, SendIsIdempotentAndRefusalsAreRemembered) {
  StorageLimits limits;
  limits.max_mailbox = 1;
  auto s = open(limits);
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s->register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1}, ghost{"ghost", 1};
  ASSERT_FALSE(dup(s->store_message(a, mid(1), {c}, text("fills c"), 1)));
  auto first = must(s->store_message(a, mid(2), {b, ghost, c, b}, text("hello"), 2));
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.accepted, std::vector<Address>{b});
  EXPECT_EQ(first.refused, (std::vector<Refusal>{{ghost, Errc::unknown_device}, {c, Errc::mailbox_full}}));
  auto again = must(s->store_message(a, mid(2), {b, ghost, c}, text("retry"), 3));
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.accepted.empty());
  EXPECT_EQ(again.refused, first.refused);
  EXPECT_EQ(must(s->message_count()), 2u);
  // Nobody could take it: nothing stored, nothing remembered.
  auto none = must(s->store_message(a, mid(3), {ghost}, text("x"), 4));
  EXPECT_FALSE(none.duplicate);
  EXPECT_TRUE(none.accepted.empty());
  EXPECT_EQ(must(s->message_count()), 2u);
  EXPECT_EQ(s->store_message(a, mid(4), {}, text("x"), 5).error().code, Errc::invalid_argument);
  // Still a duplicate once delivered and acked, until the dedup window is pruned.
  auto page = must(s->load_mailbox(b, 0, 10, 1 << 20));
  ASSERT_EQ(page.messages.size(), 1u);
  ASSERT_EQ(must(s->ack(b, std::vector<std::uint64_t>{page.messages[0].delivery_id})), 1u);
  EXPECT_TRUE(dup(s->store_message(a, mid(2), {b}, text("late"), 6)));
  EXPECT_EQ(must(s->prune_dedup(100)), 2u);
  EXPECT_FALSE(dup(s->store_message(a, mid(2), {b}, text("new"), 101)));
}

TEST_P(StorageConformance, MailboxesAreDeliveredInOrderPagedAndAckedOnlyByTheirOwner) {
  auto s = open();
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s->register_device(device(name, 1), {}).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1};
  for (std::uint32_t i = 0; i < 10; ++i) ASSERT_FALSE(dup(s->store_message(a, mid(i), {b, c}, Bytes(100, 7), 100 + i)));
  auto first = must(s->load_mailbox(b, 0, 4, 1 << 20));
  ASSERT_EQ(first.messages.size(), 4u);
  EXPECT_TRUE(first.more);
  auto rest = must(s->load_mailbox(b, first.messages.back().delivery_id, 100, 1 << 20));
  ASSERT_EQ(rest.messages.size(), 6u);
  EXPECT_FALSE(rest.more);
  std::vector<StoredMessage> all = first.messages;
  all.insert(all.end(), rest.messages.begin(), rest.messages.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].message_id, mid(static_cast<std::uint32_t>(i)));
    EXPECT_EQ(all[i].sender, a);
    EXPECT_EQ(all[i].stored_at_ms, 100 + static_cast<TimeMs>(i));
    if (i > 0) {
      EXPECT_GT(all[i].delivery_id, all[i - 1].delivery_id);
    }
  }
  EXPECT_EQ(must(s->load_mailbox(b, 0, 100, 250)).messages.size(), 2u);  // byte budget
  EXPECT_EQ(must(s->load_mailbox(b, 0, 100, 1)).messages.size(), 1u);    // one row always
  // c cannot ack b's rows; b's acks free the message only once c has acked it too.
  std::vector<std::uint64_t> b_ids;
  for (const auto& m : all) b_ids.push_back(m.delivery_id);
  auto c_page = must(s->load_mailbox(c, 0, 100, 1 << 20));
  std::vector<std::uint64_t> c_ids;
  for (const auto& m : c_page.messages) c_ids.push_back(m.delivery_id);
  std::vector<std::uint64_t> foreign;
  for (auto id : b_ids)
    if (std::find(c_ids.begin(), c_ids.end(), id) == c_ids.end()) foreign.push_back(id);
  EXPECT_EQ(must(s->ack(c, foreign)), 0u);
  EXPECT_EQ(must(s->mailbox_size(b)), 10u);
  EXPECT_EQ(must(s->ack(b, b_ids)), 10u);
  EXPECT_EQ(must(s->ack(b, b_ids)), 0u) << "acks are idempotent";
  EXPECT_EQ(must(s->mailbox_size(b)), 0u);
  EXPECT_EQ(must(s->message_count()), 10u);
  EXPECT_EQ(must(s->ack(c, c_ids)), 10u);
  EXPECT_EQ(must(s->message_count()), 0u);
  // Ids never go back, even after the newest row was acked.
  ASSERT_FALSE(dup(s->store_message(a, mid(99), {b}, text("later"), 1)));
  auto later = must(s->load_mailbox(b, 0, 10, 1 << 20));
  ASSERT_EQ(later.messages.size(), 1u);
  EXPECT_GT(later.messages[0].delivery_id, b_ids.back());
}

TEST_P(StorageConformance, InvitesAdmitUntilUsedUpExpiredOrRevoked) {
  auto s = open();
  const Bytes hash(32, 9), other(32, 8);
  ASSERT_TRUE(s->mint_invite(hash, 1, 1000, 10).ok());
  ASSERT_TRUE(s->mint_invite(other, 5, 1000, 10).ok());
  Admission by_invite{false, {}, 500};
  EXPECT_EQ(s->register_device(device("a", 1), {}, by_invite).error().code, Errc::invite_required);
  by_invite.token_hash = Bytes(32, 1);
  EXPECT_EQ(s->register_device(device("a", 1), {}, by_invite).error().code, Errc::invite_invalid);
  by_invite.token_hash = hash;
  EXPECT_TRUE(s->register_device(device("a", 1), {}, by_invite).ok());
  EXPECT_TRUE(s->register_device(device("a", 1), {}, Admission{false, {}, 500}).ok()) << "a retry needs no token";
  EXPECT_EQ(s->register_device(device("b", 1), {}, by_invite).error().code, Errc::invite_invalid) << "used up";
  EXPECT_EQ(must(s->stats(500)).active_invites, 1u);
  by_invite.token_hash = other;
  by_invite.now = 2000;
  EXPECT_EQ(s->register_device(device("b", 1), {}, by_invite).error().code, Errc::invite_invalid) << "expired";
  EXPECT_TRUE(must(s->revoke_invite(other)));
  EXPECT_FALSE(must(s->revoke_invite(other)));
  by_invite.now = 500;
  EXPECT_EQ(s->register_device(device("b", 1), {}, by_invite).error().code, Errc::invite_invalid) << "revoked";
  EXPECT_FALSE(s->find_device(Address{"b", 1}).ok()) << "a refused registration leaves nothing behind";
}

TEST_P(StorageConformance, ExpiryPurgeAndRemovalKeepCountsRight) {
  auto s = open();
  for (auto name : {"a", "b", "c"}) ASSERT_TRUE(s->register_device(device(name, 1), prekeys(1, 3)).ok());
  const Address a{"a", 1}, b{"b", 1}, c{"c", 1};
  for (std::uint32_t i = 0; i < 5; ++i) ASSERT_FALSE(dup(s->store_message(a, mid(i), {b, c}, text("m"), 10 + i)));
  EXPECT_EQ(must(s->prune_expired(13, 2)), 2u);  // stored at 10 and 11
  EXPECT_EQ(must(s->prune_expired(13, 2)), 1u);  // 12
  EXPECT_EQ(must(s->mailbox_size(b)), 2u);
  EXPECT_EQ(must(s->mailbox_size(c)), 2u);
  auto depths = must(s->mailbox_depths());
  EXPECT_EQ(depths, (std::vector<std::uint64_t>{2, 2}));
  EXPECT_EQ(must(s->purge_mailbox(b)), 2u);
  EXPECT_EQ(must(s->mailbox_size(b)), 0u);
  EXPECT_EQ(must(s->message_count()), 2u) << "c still holds them";
  EXPECT_TRUE(must(s->remove_device(c)));
  EXPECT_FALSE(must(s->remove_device(c)));
  EXPECT_EQ(must(s->message_count()), 0u);
  auto stats = must(s->stats(0));
  EXPECT_EQ(stats.devices, 2u);
  EXPECT_EQ(stats.mailbox_rows, 0u);
  EXPECT_TRUE(s->register_device(device("c", 1, 0x55), {}).ok()) << "the address is free again";
  EXPECT_TRUE(s->ping().ok());
}

TEST_P(StorageConformance, QuotaRefusesWholeSendsAndLetsMailInAfterAnAck) {
  auto probe = open();
  ASSERT_TRUE(probe->register_device(device("a", 1), {}).ok());
  ASSERT_TRUE(probe->register_device(device("b", 1), {}).ok());
  const std::uint64_t empty = must(probe->used_bytes());
  probe.reset();
  StorageLimits limits;
  limits.max_storage_bytes = empty + 100000;
  auto s = open(limits);
  const Address a{"a", 1}, b{"b", 1};
  std::uint32_t stored = 0;
  for (; stored < 100; ++stored) {
    auto r = s->store_message(a, mid(stored), {b}, Bytes(8192, 1), 1);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, kStorageFull);
      break;
    }
  }
  EXPECT_GT(stored, 2u);
  EXPECT_LT(stored, 100u) << "the quota never refused";
  EXPECT_EQ(must(s->message_count()), stored) << "a refused Send leaves nothing behind";
  auto page = must(s->load_mailbox(b, 0, 1000, 1 << 30));
  std::vector<std::uint64_t> ids;
  for (const auto& m : page.messages) ids.push_back(m.delivery_id);
  ASSERT_EQ(must(s->ack(b, ids)), stored);
  EXPECT_TRUE(s->store_message(a, mid(1000), {b}, Bytes(8192, 1), 1).ok()) << "room again after the ack";
}

TEST_P(StorageConformance, GroupCommitIsolatesAFailingJob) {
  auto s = open();
  ASSERT_TRUE(s->register_device(device("a", 1), {}).ok());
  StorageWorker worker(std::move(s));
  std::vector<std::future<bool>> results;
  for (std::uint32_t i = 0; i < 20; ++i) {
    auto done = std::make_shared<std::promise<bool>>();
    results.push_back(done->get_future());
    const bool bad = i % 5 == 0;  // an empty recipient list fails that job alone
    worker.submit<StoreOutcome>(
        [i, bad](Storage& st) {
          return st.store_message(Address{"a", 1}, mid(i), bad ? std::vector<Address>{} : std::vector<Address>{{"a", 1}},
                                  text("m"), 1);
        },
        [done](Result<StoreOutcome> r) { done->set_value(r.ok()); });
  }
  int ok = 0;
  for (auto& r : results) ok += r.get() ? 1 : 0;
  EXPECT_EQ(ok, 16);
  worker.stop();
  EXPECT_EQ(must(open()->mailbox_size(Address{"a", 1})), 16u);
}

// Two connections fetch one device's bundle as fast as they can: no one-time prekey twice.
TEST_P(StorageConformance, RacingFetchesNeverShareAPreKey) {
  constexpr std::uint32_t kKeys = 40;
  ASSERT_TRUE(open()->register_device(device("bob", 1), prekeys(1, kKeys)).ok());
  auto fetch_all = [&](std::unique_ptr<Storage> s) {
    std::vector<std::uint32_t> got;
    for (std::uint32_t i = 0; i < kKeys; ++i) {
      auto bundle = s->fetch_bundle(Address{"bob", 1});
      if (!bundle.ok()) {
        ADD_FAILURE() << bundle.error().to_string();
        break;
      }
      if (bundle->one_time_prekey) got.push_back(bundle->one_time_prekey->id);
    }
    return got;
  };
  // Both opened before either races: the store layer applies SQLite's busy timeout only after
  // its key check, so an open racing a writer can fail with "database is locked".
  auto first = open();
  auto second = open();
  auto a = std::async(std::launch::async, fetch_all, std::move(first));
  auto b = std::async(std::launch::async, fetch_all, std::move(second));
  auto ids = a.get();
  auto more = b.get();
  ids.insert(ids.end(), more.begin(), more.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "a one-time prekey was handed out twice";
  EXPECT_EQ(ids.size(), kKeys);
}

// Two writers (two relays) fill one mailbox through their own group-commit workers while a
// reader follows it with an "after" cursor, as a connection does: the reader sees every
// message exactly once, because ids rise in commit order.
TEST_P(StorageConformance, ConcurrentWritersIntoOneMailboxMissNothingBehindTheCursor) {
  constexpr std::uint32_t kPerWriter = 60;
  {
    auto s = open();
    for (auto name : {"w1", "w2", "bob"}) ASSERT_TRUE(s->register_device(device(name, 1), {}).ok());
  }
  // Every connection opened before the race (see RacingFetchesNeverShareAPreKey).
  auto for_w1 = open();
  auto for_w2 = open();
  auto for_reader = open();
  std::atomic<bool> writing{true};
  auto write = [&](std::string sender, std::unique_ptr<Storage> storage) {
    StorageWorker worker(std::move(storage));
    std::vector<std::future<bool>> done;
    for (std::uint32_t i = 0; i < kPerWriter; ++i) {
      auto promise = std::make_shared<std::promise<bool>>();
      done.push_back(promise->get_future());
      worker.submit<StoreOutcome>(
          [sender, i](Storage& st) { return st.store_message(Address{sender, 1}, mid(i), {Address{"bob", 1}}, text(sender), 1); },
          [promise](Result<StoreOutcome> r) {
            if (!r.ok()) ADD_FAILURE() << r.error().to_string();
            promise->set_value(r.ok() && !r->duplicate);
          });
      if (i % 8 == 7) done.back().wait();  // several batches, not one
    }
    int ok = 0;
    for (auto& d : done) ok += d.get() ? 1 : 0;
    return ok;
  };
  auto reader = std::async(std::launch::async, [&, s = std::move(for_reader)] {
    std::map<std::string, std::set<std::uint32_t>> seen;
    std::uint64_t after = 0;
    int twice = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const bool last_round = !writing.load();
      auto page = s->load_mailbox(Address{"bob", 1}, after, 16, 1 << 20);
      if (!page.ok()) {
        ADD_FAILURE() << page.error().to_string();
        break;
      }
      for (const auto& m : page->messages) {
        after = m.delivery_id;
        const std::string who(m.payload.begin(), m.payload.end());
        const std::uint32_t n = m.message_id.bytes[0] | (m.message_id.bytes[1] << 8);
        if (!seen[who].insert(n).second) ++twice;
      }
      if (last_round && page->messages.empty()) break;
    }
    return std::make_pair(seen, twice);
  });
  auto w1 = std::async(std::launch::async, write, std::string("w1"), std::move(for_w1));
  auto w2 = std::async(std::launch::async, write, std::string("w2"), std::move(for_w2));
  EXPECT_EQ(w1.get(), static_cast<int>(kPerWriter));
  EXPECT_EQ(w2.get(), static_cast<int>(kPerWriter));
  writing = false;
  auto [seen, twice] = reader.get();
  EXPECT_EQ(twice, 0);
  EXPECT_EQ(seen["w1"].size(), kPerWriter) << "the cursor skipped rows committed late";
  EXPECT_EQ(seen["w2"].size(), kPerWriter) << "the cursor skipped rows committed late";
  EXPECT_EQ(must(open()->mailbox_size(Address{"bob", 1})), 2 * kPerWriter);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance, ::testing::Values("sqlite", "postgres", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::relay
