// SPDX-License-Identifier: GPL-3.0-or-later
// Inbox de-duplication is per sender device and message id, and persists.
#include <gtest/gtest.h>

#include <string>

#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::message_id;
using test_util::must_open;
using test_util::raw_key;

bool seen(const DeviceStore& store, const Address& sender, const MessageId& id) {
  auto result = store.inbox_seen(sender, id);
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  return result.ok() && *result;
}

TEST(Inbox, MarkThenSeenOnlyForThatSenderDeviceAndId) {
  parley::test::TempDir dir;
  auto store = must_open(dir.file("device.db"), raw_key());
  ASSERT_NE(store, nullptr);
  const Address bob{"bob", 1};
  EXPECT_FALSE(seen(*store, bob, message_id(1)));
  PARLEY_ASSERT_OK(store->inbox_mark(bob, message_id(1), 1000));
  EXPECT_TRUE(seen(*store, bob, message_id(1)));
  EXPECT_FALSE(seen(*store, bob, message_id(2)));
  EXPECT_FALSE(seen(*store, Address{"bob", 2}, message_id(1)));
  EXPECT_FALSE(seen(*store, Address{"carol", 1}, message_id(1)));
  EXPECT_FALSE(seen(*store, Address{"bo", 1}, message_id(1)));
}

TEST(Inbox, MarkingTwiceIsFineAndKeepsTheFirstTime) {
  parley::test::TempDir dir;
  auto store = must_open(dir.file("device.db"), raw_key());
  ASSERT_NE(store, nullptr);
  const Address bob{"bob", 1};
  PARLEY_ASSERT_OK(store->inbox_mark(bob, message_id(1), 1000));
  PARLEY_ASSERT_OK(store->inbox_mark(bob, message_id(1), 2000));
  auto stmt = store->db().prepare("SELECT count(*), min(seen_at) FROM inbox_seen");
  PARLEY_ASSERT_OK(stmt);
  ASSERT_TRUE(*stmt->step());
  EXPECT_EQ(stmt->column_int(0), 1);
  EXPECT_EQ(stmt->column_int(1), 1000);
}

TEST(Inbox, SeenSurvivesReopen) {
  parley::test::TempDir dir;
  const Address bob{"bob", 1};
  {
    auto store = must_open(dir.file("device.db"), raw_key());
    ASSERT_NE(store, nullptr);
    PARLEY_ASSERT_OK(store->inbox_mark(bob, message_id(4), 1));
  }
  auto store = must_open(dir.file("device.db"), raw_key());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(seen(*store, bob, message_id(4)));
  EXPECT_FALSE(seen(*store, bob, message_id(5)));
}

}  // namespace
}  // namespace parley::store
