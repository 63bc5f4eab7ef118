// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's side of a relay connection (engine/relay_link.hpp): the handshake's order,
// bundle fetches in flight, and pauses a busy relay asked for, on a virtual clock.
#include <gtest/gtest.h>

#include "engine/relay_link.hpp"

namespace parley::engine {
namespace {

const Address kPeer{"peer", 1};
const Address kOther{"other", 2};

MessageId id_of(std::uint8_t n) {
  MessageId id{};
  id.bytes[0] = n;
  return id;
}

RelayLink ready_link(std::uint32_t first_request_id = 1) {
  RelayLink link(first_request_id);
  link.opened();
  EXPECT_TRUE(link.challenged(false).ok());
  EXPECT_TRUE(link.authenticated().ok());
  return link;
}

TEST(RelayLinkTest, FramesOutOfTheHandshakesOrderAreProtocolViolations) {
  RelayLink link;
  EXPECT_EQ(link.challenged(false).error().code, Errc::protocol_violation);  // not open
  link.opened();
  EXPECT_EQ(link.authenticated().error().code, Errc::protocol_violation);  // AuthOk before a challenge
  ASSERT_TRUE(link.challenged(true).ok());
  EXPECT_EQ(link.challenged(true).error().code, Errc::protocol_violation);  // a second challenge
  auto registered = link.authenticated();
  ASSERT_TRUE(registered.ok());
  EXPECT_TRUE(*registered);  // this connection registered the device
  EXPECT_TRUE(link.ready());
  EXPECT_EQ(link.authenticated().error().code, Errc::protocol_violation);  // a second AuthOk
}

TEST(RelayLinkTest, AuthenticatingReportsWhetherThisConnectionRegistered) {
  RelayLink link;
  link.opened();
  ASSERT_TRUE(link.challenged(false).ok());
  EXPECT_FALSE(*link.authenticated());
}

TEST(RelayLinkTest, OneBundleFetchPerPeerIsInFlightAndOnlyWhenReady) {
  RelayLink link;
  EXPECT_FALSE(link.ask_bundle(kPeer).has_value());  // closed: asked again at AuthOk
  link = ready_link();
  auto first = link.ask_bundle(kPeer);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(link.ask_bundle(kPeer).has_value());  // already in flight
  auto other = link.ask_bundle(kOther);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(*first, *other);
  EXPECT_FALSE(link.answered(*other + 100).has_value());  // never asked
  EXPECT_EQ(link.answered(*first), kPeer);
  EXPECT_FALSE(link.answered(*first).has_value());  // answered once
  EXPECT_TRUE(link.ask_bundle(kPeer).has_value());  // may be asked again
}

TEST(RelayLinkTest, RequestIdsSkipZeroWhenTheyWrap) {
  RelayLink link = ready_link(0xFFFFFFFFu);
  EXPECT_EQ(link.ask_bundle(kPeer), 0xFFFFFFFFu);
  EXPECT_EQ(link.ask_bundle(kOther), 1u);  // 0 means "no request" on the wire
  EXPECT_FALSE(link.answered(0).has_value());
}

TEST(RelayLinkTest, ClosingForgetsEveryRequestInFlight) {
  RelayLink link = ready_link();
  auto id = link.ask_bundle(kPeer);
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(link.closed());
  EXPECT_FALSE(link.closed());  // was not open any more
  EXPECT_EQ(link.requests_in_flight(), 0u);
  EXPECT_FALSE(link.answered(*id).has_value());  // a stale answer is not taken for a new one
}

TEST(RelayLinkTest, PausedSendsAndFetchesComeDueOnceTheirPauseIsOver) {
  RelayLink link = ready_link();
  link.resend_later(id_of(1), 100);
  link.resend_later(id_of(2), 300);
  link.refetch_later(kPeer, 200);
  EXPECT_EQ(link.next_retry(), 100);
  EXPECT_FALSE(link.due(99));
  ASSERT_TRUE(link.due(100));
  auto due = link.take_due(200);
  EXPECT_EQ(due.resends, std::set<MessageId>{id_of(1)});
  EXPECT_EQ(due.refetches, std::vector<Address>{kPeer});
  EXPECT_EQ(link.next_retry(), 300);
  EXPECT_TRUE(link.take_due(299).resends.empty());  // taken once
  EXPECT_EQ(link.take_due(300).resends, std::set<MessageId>{id_of(2)});
  EXPECT_FALSE(link.next_retry().has_value());
}

TEST(RelayLinkTest, PausesWaitForAConnectionAndAReconnectEndsThem) {
  RelayLink link = ready_link();
  link.resend_later(id_of(1), 100);
  link.refetch_later(kPeer, 100);
  link.closed();
  EXPECT_FALSE(link.next_retry().has_value());  // no timer while disconnected
  EXPECT_FALSE(link.due(1000));
  EXPECT_TRUE(link.take_due(1000).resends.empty());
  link.opened();
  ASSERT_TRUE(link.challenged(false).ok());
  ASSERT_TRUE(link.authenticated().ok());
  // AuthOk resends the whole outbox and asks for every bundle: the pauses are over.
  EXPECT_FALSE(link.next_retry().has_value());
  EXPECT_FALSE(link.due(1000));
}

}  // namespace
}  // namespace parley::engine
