// SPDX-License-Identifier: GPL-3.0-or-later
// Contents waiting for a session: sequence numbers, order, removal.
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

PendingItem item(std::uint8_t id, Address to, std::string_view content) {
  PendingItem p;
  p.seq = 999;  // ignored: the store assigns seq
  p.message_id = message_id(id);
  p.recipient = std::move(to);
  p.content = bytes(content);
  p.created_at = 100 - id;
  return p;
}

class Pending : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    store_.reset();
    store_ = must_open(path_, raw_key());
    ASSERT_NE(store_, nullptr);
  }
  std::vector<PendingItem> items() {
    auto all = store_->pending_items();
    EXPECT_TRUE(all.ok()) << all.error().to_string();
    return all.ok() ? *all : std::vector<PendingItem>{};
  }
  std::int64_t put(const PendingItem& p) {
    auto seq = store_->pending_put(p);
    EXPECT_TRUE(seq.ok()) << seq.error().to_string();
    return seq.ok() ? *seq : -1;
  }

  parley::test::TempDir dir_;
  std::string path_ = dir_.file("device.db");
  std::unique_ptr<DeviceStore> store_;
};

TEST_F(Pending, ItemsComeBackInCreationOrderWithTheirSeq) {
  const std::int64_t a = put(item(5, {"carol", 1}, "to carol"));
  const std::int64_t b = put(item(1, {"bob", 2}, "to bob"));
  const std::int64_t c = put(item(3, {"alice", 1}, "to alice"));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  auto all = items();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, a);
  EXPECT_EQ(all[0].message_id, message_id(5));
  EXPECT_EQ(all[0].recipient, (Address{"carol", 1}));
  EXPECT_EQ(all[0].content, bytes("to carol"));
  EXPECT_EQ(all[0].created_at, 95);
  EXPECT_EQ(all[1].seq, b);
  EXPECT_EQ(all[1].recipient, (Address{"bob", 2}));
  EXPECT_EQ(all[2].seq, c);
  EXPECT_EQ(all[2].content, bytes("to alice"));
}

// Several recipients of one message each get their own entry.
TEST_F(Pending, SameMessageIdForSeveralRecipientsIsKept) {
  put(item(1, {"bob", 1}, "hi"));
  put(item(1, {"bob", 2}, "hi"));
  EXPECT_EQ(items().size(), 2u);
}

TEST_F(Pending, RemoveDeletesOnlyThatSeq) {
  const std::int64_t a = put(item(1, {"bob", 1}, "a"));
  const std::int64_t b = put(item(2, {"bob", 1}, "b"));
  const std::int64_t c = put(item(3, {"bob", 1}, "c"));
  PARLEY_ASSERT_OK(store_->pending_remove(b));
  auto all = items();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].seq, a);
  EXPECT_EQ(all[1].seq, c);
  PARLEY_ASSERT_OK(store_->pending_remove(b));  // already gone: nothing else removed
  EXPECT_EQ(items().size(), 2u);
}

// A seq is never handed out twice, even after the newest item is removed and the store
// reopened, so a caller holding an old seq cannot remove a newer item.
TEST_F(Pending, SeqIsNeverReused) {
  put(item(1, {"bob", 1}, "a"));
  const std::int64_t last = put(item(2, {"bob", 1}, "b"));
  PARLEY_ASSERT_OK(store_->pending_remove(last));
  open();
  EXPECT_GT(put(item(3, {"bob", 1}, "c")), last);
}

TEST_F(Pending, SurvivesReopen) {
  put(item(1, {"bob", 1}, "a"));
  put(item(2, {"carol", 7}, "b"));
  open();
  auto all = items();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].recipient, (Address{"carol", 7}));
  EXPECT_EQ(all[1].content, bytes("b"));
}

}  // namespace
}  // namespace parley::store
