// SPDX-License-Identifier: GPL-3.0-or-later
// What the app is told about what it sent (engine/delivery_reports.hpp), driven directly:
// relay answers in, MessageSent / SendFailed out.
#include <gtest/gtest.h>

#include "engine/delivery_reports.hpp"

namespace parley::engine {
namespace {

const Address kA{"alice", 1};
const Address kB{"bob", 1};
const Address kC{"carol", 1};

MessageId id_of(std::uint8_t n) {
  MessageId id;
  id.bytes[0] = n;
  return id;
}

class DeliveryReportsTest : public ::testing::Test {
 protected:
  std::vector<Event> events_;
  DeliveryReports reports_{[this](Event e) { events_.push_back(std::move(e)); }};

  std::vector<MessageSent> sent() const {
    std::vector<MessageSent> out;
    for (const auto& e : events_)
      if (auto* s = std::get_if<MessageSent>(&e)) out.push_back(*s);
    return out;
  }
  std::vector<SendFailed> failed() const {
    std::vector<SendFailed> out;
    for (const auto& e : events_)
      if (auto* f = std::get_if<SendFailed>(&e)) out.push_back(*f);
    return out;
  }
};

TEST_F(DeliveryReportsTest, AnAcknowledgedSendIsSentForItsFirstAcceptedRecipient) {
  reports_.transmitted(id_of(1), {kA, kB});
  reports_.acknowledged(id_of(1), {wire::Refused{kA, Errc::mailbox_full}});
  ASSERT_EQ(sent().size(), 1u);
  EXPECT_EQ(sent()[0].recipient, kB);
  ASSERT_EQ(failed().size(), 1u);
  EXPECT_EQ(failed()[0].recipient, kA);
  EXPECT_EQ(failed()[0].error.code, Errc::mailbox_full);
  EXPECT_EQ(reports_.in_flight(), 0u);
}

TEST_F(DeliveryReportsTest, ARefusalNamingSomeoneElseIsIgnored) {
  reports_.transmitted(id_of(1), {kA});
  reports_.acknowledged(id_of(1), {wire::Refused{kC, Errc::unknown_device}});
  ASSERT_EQ(sent().size(), 1u);
  EXPECT_TRUE(failed().empty());
}

TEST_F(DeliveryReportsTest, AnAckForNothingInFlightSaysNothing) {
  reports_.acknowledged(id_of(9), {});
  EXPECT_TRUE(events_.empty());
}

TEST_F(DeliveryReportsTest, QuietControlTrafficIsNeverReported) {
  reports_.mark_quiet(id_of(2));
  reports_.transmitted(id_of(2), {kA});
  reports_.acknowledged(id_of(2), {});
  EXPECT_TRUE(events_.empty());
}

TEST_F(DeliveryReportsTest, APostIsSentOnlyOnceItsKeyDistributionsAreIn) {
  reports_.mark_quiet(id_of(10));
  reports_.mark_quiet(id_of(11));
  reports_.await_keys(id_of(1), {id_of(10), id_of(11)});
  reports_.transmitted(id_of(10), {kA});
  reports_.transmitted(id_of(11), {kB});
  reports_.transmitted(id_of(1), {kA, kB});
  reports_.acknowledged(id_of(1), {});
  reports_.acknowledged(id_of(10), {});
  EXPECT_TRUE(sent().empty());  // kB's key is not at the relay yet
  reports_.acknowledged(id_of(11), {});
  ASSERT_EQ(sent().size(), 1u);
  EXPECT_EQ(sent()[0].id, id_of(1));
  EXPECT_EQ(sent()[0].recipient, kA);
}

TEST_F(DeliveryReportsTest, AReaderWhoseKeyAndPostBothFailIsReportedOnce) {
  reports_.mark_quiet(id_of(10));
  reports_.await_keys(id_of(1), {id_of(10)});
  reports_.transmitted(id_of(10), {kA});
  reports_.transmitted(id_of(1), {kA, kB});
  reports_.acknowledged(id_of(10), {wire::Refused{kA, Errc::unknown_device}});
  reports_.acknowledged(id_of(1), {wire::Refused{kA, Errc::unknown_device}});
  ASSERT_EQ(failed().size(), 1u);
  EXPECT_EQ(failed()[0].id, id_of(1));  // against the post the app knows, not the key
  EXPECT_EQ(failed()[0].recipient, kA);
  ASSERT_EQ(sent().size(), 1u);
  EXPECT_EQ(sent()[0].recipient, kB);
}

TEST_F(DeliveryReportsTest, AKeyThatCouldNeverBeSentFailsItsPostForThatReader) {
  reports_.mark_quiet(id_of(10));
  reports_.await_keys(id_of(1), {id_of(10)});
  reports_.transmitted(id_of(1), {kA});
  reports_.never_sent(id_of(10), kA, make_error(Errc::untrusted_identity, "no session"));
  ASSERT_EQ(failed().size(), 1u);
  EXPECT_EQ(failed()[0].id, id_of(1));
  EXPECT_EQ(failed()[0].error.code, Errc::untrusted_identity);
}

TEST_F(DeliveryReportsTest, ASendRefusedForGoodFailsForEachRecipientWithItsOwnReason) {
  reports_.transmitted(id_of(1), {kA, kB});
  reports_.failed(id_of(1), make_error(Errc::unknown_device, "relay: nobody"),
                  {wire::Refused{kA, Errc::mailbox_full}});
  ASSERT_EQ(failed().size(), 2u);
  EXPECT_EQ(failed()[0].error.code, Errc::mailbox_full);
  EXPECT_EQ(failed()[1].error.code, Errc::unknown_device);
  EXPECT_TRUE(sent().empty());
}

TEST_F(DeliveryReportsTest, APausedSendIsNoLongerInFlightAndADisconnectForgetsAll) {
  reports_.transmitted(id_of(1), {kA});
  reports_.transmitted(id_of(2), {kB});
  reports_.paused(id_of(1));
  EXPECT_EQ(reports_.in_flight(), 1u);
  reports_.disconnected();
  EXPECT_EQ(reports_.in_flight(), 0u);
  reports_.acknowledged(id_of(2), {});
  EXPECT_TRUE(events_.empty());
}

}  // namespace
}  // namespace parley::engine
