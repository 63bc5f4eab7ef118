// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox: creation order, idempotent put, removal, and corrupt recipient lists.
#include <gtest/gtest.h>

#include <string>

#include "store/device_store.hpp"
#include "store/recipient_codec.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::message_id;
using test_util::must_open;
using test_util::raw_key;

OutboxItem item(std::uint8_t id, std::string_view payload, TimeMs created_at) {
  OutboxItem out;
  out.message_id = message_id(id);
  out.recipients = {Address{"bob", 1}, Address{"carol", 2}};
  out.payload = bytes(payload);
  out.created_at = created_at;
  return out;
}

std::vector<MessageId> ids_of(const std::vector<OutboxItem>& items) {
  std::vector<MessageId> ids;
  for (const auto& i : items) ids.push_back(i.message_id);
  return ids;
}

class Outbox : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = must_open(dir_.file("device.db"), raw_key());
    ASSERT_NE(store_, nullptr);
  }
  std::vector<OutboxItem> items() {
    auto all = store_->outbox_items();
    EXPECT_TRUE(all.ok()) << all.error().to_string();
    return all.ok() ? *all : std::vector<OutboxItem>{};
  }
  // Overwrites the stored recipient list of every outbox row.
  void set_raw_recipients(const Bytes& blob) {
    auto stmt = store_->db().prepare("UPDATE outbox SET recipients = ?1");
    PARLEY_ASSERT_OK(stmt);
    stmt->bind(1, ByteView(blob));
    PARLEY_ASSERT_OK(stmt->run());
  }

  parley::test::TempDir dir_;
  std::unique_ptr<DeviceStore> store_;
};

// Insertion order, not message id order and not created_at order.
TEST_F(Outbox, ItemsComeBackInCreationOrder) {
  PARLEY_ASSERT_OK(store_->outbox_put(item(9, "first", 300)));
  PARLEY_ASSERT_OK(store_->outbox_put(item(3, "second", 200)));
  PARLEY_ASSERT_OK(store_->outbox_put(item(7, "third", 100)));
  EXPECT_EQ(ids_of(items()), (std::vector<MessageId>{message_id(9), message_id(3), message_id(7)}));
}

// The first attempt's bytes are the ones to resend; a repeated put changes nothing.
TEST_F(Outbox, PutWithExistingIdIsANoOp) {
  PARLEY_ASSERT_OK(store_->outbox_put(item(1, "original", 10)));
  PARLEY_ASSERT_OK(store_->outbox_put(item(2, "other", 20)));
  OutboxItem again = item(1, "replacement", 30);
  again.recipients = {Address{"mallory", 5}};
  PARLEY_ASSERT_OK(store_->outbox_put(again));
  auto all = items();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].message_id, message_id(1));
  EXPECT_EQ(all[0].payload, bytes("original"));
  EXPECT_EQ(all[0].created_at, 10);
  EXPECT_EQ(all[0].recipients, (std::vector<Address>{{"bob", 1}, {"carol", 2}}));
  EXPECT_EQ(all[1].message_id, message_id(2));
}

TEST_F(Outbox, RemoveDeletesOnlyThatItem) {
  PARLEY_ASSERT_OK(store_->outbox_put(item(1, "a", 1)));
  PARLEY_ASSERT_OK(store_->outbox_put(item(2, "b", 2)));
  PARLEY_ASSERT_OK(store_->outbox_put(item(3, "c", 3)));
  PARLEY_ASSERT_OK(store_->outbox_remove(message_id(2)));
  EXPECT_EQ(ids_of(items()), (std::vector<MessageId>{message_id(1), message_id(3)}));
  // A duplicate acknowledgement removes nothing else.
  PARLEY_ASSERT_OK(store_->outbox_remove(message_id(2)));
  EXPECT_EQ(items().size(), 2u);
  // Put again after removal: it is new, so it goes to the end.
  PARLEY_ASSERT_OK(store_->outbox_put(item(2, "b again", 4)));
  EXPECT_EQ(ids_of(items()), (std::vector<MessageId>{message_id(1), message_id(3), message_id(2)}));
}

TEST_F(Outbox, EmptyRecipientsAndPayloadRoundTrip) {
  OutboxItem empty;
  empty.message_id = message_id(1);
  PARLEY_ASSERT_OK(store_->outbox_put(empty));
  auto all = items();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].recipients.empty());
  EXPECT_TRUE(all[0].payload.empty());
}

TEST_F(Outbox, OverlongRecipientNameIsRefusedAndNothingStored) {
  OutboxItem bad = item(1, "x", 1);
  bad.recipients.push_back(Address{std::string(kMaxUserNameBytes + 1, 'u'), 1});
  auto status = store_->outbox_put(bad);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::invalid_argument);
  EXPECT_TRUE(items().empty());
}

TEST_F(Outbox, CorruptRecipientBlobIsStoreCorrupt) {
  PARLEY_ASSERT_OK(store_->outbox_put(item(1, "payload", 1)));
  auto good = encode_recipients({Address{"bob", 1}, Address{"carol", 2}});
  PARLEY_ASSERT_OK(good);

  Bytes truncated(good->begin(), good->end() - 1);
  Bytes trailing = *good;
  trailing.push_back(0);
  Bytes wrong_format = *good;
  wrong_format[0] = 2;
  const std::vector<Bytes> corrupt = {{}, truncated, trailing, wrong_format, {1, 0xff, 0xff, 0xff, 0xff}};
  for (const Bytes& blob : corrupt) {
    set_raw_recipients(blob);
    auto all = store_->outbox_items();
    ASSERT_FALSE(all.ok()) << "blob of " << blob.size() << " bytes was accepted";
    EXPECT_EQ(all.error().code, Errc::store_corrupt) << all.error().to_string();
  }
  set_raw_recipients(*good);  // and the row reads fine again
  EXPECT_EQ(items().size(), 1u);
}

TEST_F(Outbox, MalformedMessageIdIsStoreCorrupt) {
  PARLEY_ASSERT_OK(store_->outbox_put(item(1, "payload", 1)));
  PARLEY_ASSERT_OK(store_->db().exec("UPDATE outbox SET message_id = x'0102'"));
  auto all = store_->outbox_items();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, Errc::store_corrupt);
}

}  // namespace
}  // namespace parley::store
