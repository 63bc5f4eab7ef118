// SPDX-License-Identifier: GPL-3.0-or-later
// Store writes inside in_transaction: all of them land, or none.
#include <gtest/gtest.h>

#include <string>

#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::message_id;
using test_util::must_open;
using test_util::raw_key;

const Address kBob{"bob", 1};

// One write to each table a decrypt-and-reply step touches.
Status write_everything(DeviceStore& store) {
  PARLEY_TRY(store.meta_set("counter", bytes("1")));
  PARLEY_TRY(store.session_store(kBob, bytes("advanced-session")));
  PARLEY_TRY(store.prekey_remove(4));
  PARLEY_TRY(store.inbox_mark(kBob, message_id(1), 10));
  OutboxItem out;
  out.message_id = message_id(2);
  out.recipients = {kBob};
  out.payload = bytes("reply");
  PARLEY_TRY(store.outbox_put(out));
  PendingItem pending;
  pending.message_id = message_id(3);
  pending.recipient = kBob;
  pending.content = bytes("later");
  auto seq = store.pending_put(pending);
  if (!seq) return seq.error();
  return {};
}

// Nothing of write_everything() is visible, and prekey 4 is still there.
void expect_untouched(const DeviceStore& store) {
  auto meta = store.meta_get("counter");
  PARLEY_ASSERT_OK(meta);
  EXPECT_FALSE(meta->has_value());
  auto session = store.session_load(kBob);
  PARLEY_ASSERT_OK(session);
  EXPECT_FALSE(session->has_value());
  auto prekey = store.prekey_load(4);
  PARLEY_ASSERT_OK(prekey);
  EXPECT_TRUE(prekey->has_value());
  auto seen = store.inbox_seen(kBob, message_id(1));
  PARLEY_ASSERT_OK(seen);
  EXPECT_FALSE(*seen);
  auto outbox = store.outbox_items();
  PARLEY_ASSERT_OK(outbox);
  EXPECT_TRUE(outbox->empty());
  auto pending = store.pending_items();
  PARLEY_ASSERT_OK(pending);
  EXPECT_TRUE(pending->empty());
}

class StoreTransaction : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = must_open(path_, raw_key());
    ASSERT_NE(store_, nullptr);
    PARLEY_ASSERT_OK(store_->prekey_store(4, bytes("one-time prekey")));
  }
  void reopen() {
    store_.reset();
    store_ = must_open(path_, raw_key());
    ASSERT_NE(store_, nullptr);
  }

  parley::test::TempDir dir_;
  std::string path_ = dir_.file("device.db");
  std::unique_ptr<DeviceStore> store_;
};

TEST_F(StoreTransaction, FailedBodyLeavesNoTrace) {
  auto result = in_transaction(store_->db(), [&]() -> Status {
    PARLEY_TRY(write_everything(*store_));
    return make_error(Errc::bad_mac, "decryption failed after the writes");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::bad_mac);
  expect_untouched(*store_);
  reopen();
  expect_untouched(*store_);
}

TEST_F(StoreTransaction, FailingStoreCallRollsBackEarlierWrites) {
  auto result = in_transaction(store_->db(), [&]() -> Status {
    PARLEY_TRY(write_everything(*store_));
    OutboxItem bad;
    bad.message_id = message_id(9);
    bad.recipients = {Address{std::string(kMaxUserNameBytes + 1, 'u'), 1}};  // refused
    return store_->outbox_put(bad);
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::invalid_argument);
  expect_untouched(*store_);
}

// The counterpart: the same writes do land when the body succeeds.
TEST_F(StoreTransaction, SuccessfulBodyCommitsEverything) {
  PARLEY_ASSERT_OK(in_transaction(store_->db(), [&]() -> Status { return write_everything(*store_); }));
  reopen();
  auto meta = store_->meta_get("counter");
  PARLEY_ASSERT_OK(meta);
  EXPECT_TRUE(meta->has_value());
  auto prekey = store_->prekey_load(4);
  PARLEY_ASSERT_OK(prekey);
  EXPECT_FALSE(prekey->has_value());
  auto seen = store_->inbox_seen(kBob, message_id(1));
  PARLEY_ASSERT_OK(seen);
  EXPECT_TRUE(*seen);
  auto outbox = store_->outbox_items();
  PARLEY_ASSERT_OK(outbox);
  EXPECT_EQ(outbox->size(), 1u);
  auto pending = store_->pending_items();
  PARLEY_ASSERT_OK(pending);
  EXPECT_EQ(pending->size(), 1u);
}

// A rolled-back pending_put does not burn its sequence number.
TEST_F(StoreTransaction, RollbackDoesNotAdvancePendingSequence) {
  PendingItem item;
  item.message_id = message_id(1);
  item.recipient = kBob;
  std::int64_t inside = 0;
  auto result = in_transaction(store_->db(), [&]() -> Status {
    auto seq = store_->pending_put(item);
    if (!seq) return seq.error();
    inside = *seq;
    return make_error(Errc::internal, "abandon");
  });
  ASSERT_FALSE(result.ok());
  auto after = store_->pending_put(item);
  PARLEY_ASSERT_OK(after);
  EXPECT_EQ(*after, inside);
}

}  // namespace
}  // namespace parley::store
