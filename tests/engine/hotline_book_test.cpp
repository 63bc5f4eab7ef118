// SPDX-License-Identifier: GPL-3.0-or-later
// The hotline state rebuilt from committed history (engine/hotline_book.hpp): a real store,
// a real signed charter with an ack_required channel, history rows written by hand.
#include <gtest/gtest.h>

#include "engine/hotline_book.hpp"
#include "hotline/hotline_fixture.hpp"
#include "support/temp_dir.hpp"

namespace parley::engine {
namespace {

using namespace hotline::test;
using charter::test::Keys;
using charter::test::TestCell;

constexpr TimeMs kSkew = 60'000;
constexpr TimeMs kNow = kT0 + 10'000;

class HotlineBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_hotline_channel(cell_);
    store_ = must(store::DeviceStore::open(dir_.file("device.db"), StoreKey::passphrase("k")));
    const auto log = charter::test::log_from(cell_.chain(), cell_.chain().size());
    ASSERT_TRUE(cells::CellBook::persist(*store_, id(), log, 1, kT0).ok());
    book_.emplace(must(cells::CellBook::load(*store_)));
    hotline_.emplace(*store_, *book_, kSkew);
  }

  CellId id() const { return cell_.state().cell_id; }

  store::HistoryRecord row(const Address& sender, std::uint32_t n, TimeMs sent_at, TimeMs received_at) const {
    store::HistoryRecord r;
    const CellId cell = id();
    r.cell_id = Bytes(cell.begin(), cell.end());
    r.channel = kChannel;
    r.sender = sender;
    r.message_id = message_id(n);
    r.epoch = cell_.state().epoch;
    r.sent_at = sent_at;
    r.received_at = received_at;
    r.kind = static_cast<std::uint8_t>(cells::ChannelMessageKind::text);
    r.body = {'h', 'i'};
    r.post_number = n;
    return r;
  }
  store::HistoryRecord ack_row(const Address& sender, std::uint32_t n, const hotline::MessageRef& target,
                               TimeMs at) const {
    store::HistoryRecord r = row(sender, n, at, at);
    r.kind = static_cast<std::uint8_t>(cells::ChannelMessageKind::hotline);
    r.body = hotline::encode(hotline::Body{hotline::Acknowledgement{target}});
    return r;
  }
  void add(const store::HistoryRecord& r) { ASSERT_TRUE(store_->history_add(r).ok()); }

  parley::test::TempDir dir_;
  Keys keys_;
  TestCell cell_{keys_};
  std::unique_ptr<store::DeviceStore> store_;
  std::optional<cells::CellBook> book_;
  std::optional<HotlineBook> hotline_;
};

TEST(ReceiverTimeTest, TheSendersClockIsBelievedOnlyWithinTheSkewBeforeReceipt) {
  EXPECT_EQ(receiver_time(kNow - 5'000, kNow, kSkew), kNow - 5'000);
  EXPECT_EQ(receiver_time(kNow - 3'600'000, kNow, kSkew), kNow - kSkew);  // backdated
  EXPECT_EQ(receiver_time(kNow + 3'600'000, kNow, kSkew), kNow);          // from the future
}

TEST_F(HotlineBookTest, ATrackerIsRebuiltFromHistoryWhateverOrderItArrivedIn) {
  const hotline::MessageRef flash{kIlOfficer, message_id(1)};
  add(ack_row(kSyOfficer, 2, flash, kT0 + 2'000));  // the acknowledgement came first
  add(row(kIlOfficer, 1, kT0 + 1'000, kT0 + 1'000));
  hotline::AckTracker* t = hotline_->tracker(id(), kChannel);
  ASSERT_NE(t, nullptr);
  ASSERT_NE(t->find(flash), nullptr);
  const auto status = t->status(flash, kNow);
  ASSERT_TRUE(status.count("SY"));
  EXPECT_EQ(status.at("SY"), hotline::PartyStatus::acknowledged);
}

TEST_F(HotlineBookTest, OnlyAckRequiredChannelsOfKnownCellsHaveATracker) {
  EXPECT_EQ(hotline_->tracker(id(), "intel"), nullptr);
  CellId other{};
  other.fill(0x99);
  EXPECT_EQ(hotline_->tracker(other, kChannel), nullptr);
}

TEST_F(HotlineBookTest, WhatIsBuiltInsideATransactionIsNotKept) {
  const hotline::MessageRef flash{kIlOfficer, message_id(1)};
  ASSERT_TRUE(store_->db().begin().ok());
  book_->begin();
  add(row(kIlOfficer, 1, kT0, kT0));
  hotline::AckTracker* inside = hotline_->tracker(id(), kChannel);
  ASSERT_NE(inside, nullptr);
  EXPECT_NE(inside->find(flash), nullptr);  // the transaction reads its own rows
  ASSERT_TRUE(store_->db().rollback().ok());
  book_->discard();
  hotline::AckTracker* after = hotline_->tracker(id(), kChannel);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->find(flash), nullptr);  // the rolled-back post is not remembered
}

TEST_F(HotlineBookTest, DeadlinesCountFromReceiverTimeNotABackdatedSentAt) {
  add(row(kIlOfficer, 1, kNow - 3'600'000, kNow));  // claims to be an hour old
  const auto deadline = hotline_->next_deadline();
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(*deadline, kNow - kSkew + TimeMs(kPolicyDeadlineSeconds) * 1000);
}

TEST_F(HotlineBookTest, EveryAckRequiredChannelIsVisitedEvenBeforeFirstUse) {
  add(row(kIlOfficer, 1, kT0, kT0));
  std::vector<std::string> visited;
  hotline_->for_each_tracker([&](const CellId& cell, const std::string& channel, hotline::AckTracker& t) {
    EXPECT_EQ(cell, id());
    EXPECT_NE(t.find({kIlOfficer, message_id(1)}), nullptr);
    visited.push_back(channel);
  });
  EXPECT_EQ(visited, std::vector<std::string>{kChannel});
}

TEST_F(HotlineBookTest, ReceiptsOwedAreTakenOnce) {
  hotline_->receipt_due(ReceiptDue{id(), kChannel, {kIlOfficer, message_id(1)}});
  EXPECT_EQ(hotline_->take_receipts().size(), 1u);
  EXPECT_TRUE(hotline_->take_receipts().empty());
}

}  // namespace
}  // namespace parley::engine
