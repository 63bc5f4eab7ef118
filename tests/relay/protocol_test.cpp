// SPDX-License-Identifier: GPL-3.0-or-later
// The relay protocol against a real parley-relay process, over raw WebSocket frames.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

namespace websocket = boost::beast::websocket;
using parley::test::RelayProcess;
using parley::test::TempDir;
using std::chrono::milliseconds;

// The next frame is a non-fatal Failure with `code`.
void expect_failure(WsClient& client, Errc code, std::uint32_t request_id = 0, const MessageId* id = nullptr) {
  auto frame = client.read();
  const auto* failure = as_failure(frame);
  ASSERT_NE(failure, nullptr) << describe(frame);
  EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(code)) << describe(frame);
  EXPECT_FALSE(failure->fatal());
  EXPECT_EQ(failure->request_id(), request_id);
  if (id) {
    ASSERT_NE(failure->message_id(), nullptr);
    EXPECT_EQ(Bytes(failure->message_id()->begin(), failure->message_id()->end()),
              Bytes(id->bytes.begin(), id->bytes.end()));
  }
}

const wire::Deliver* expect_deliver(const std::optional<Frame>& frame) {
  if (!frame || frame->type() != wire::RelayBody::Deliver) {
    ADD_FAILURE() << "expected Deliver, got " << describe(frame);
    return nullptr;
  }
  return frame->frame->body_as_Deliver();
}

Bytes payload_of(const wire::Deliver* d) { return Bytes(d->payload()->begin(), d->payload()->end()); }
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

class RelayProtocolTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    relay = std::make_unique<RelayProcess>(dir.file("relay"), std::move(args));
    relay->start();
  }
  void SetUp() override {}
  std::uint16_t port() const { return relay->port(); }

  TempDir dir;
  std::unique_ptr<RelayProcess> relay;
};

TEST_F(RelayProtocolTest, HealthzAnswersOkAndEverythingElse404) {
  start();
  std::string body;
  EXPECT_EQ(parley::test::http_get_status(port(), "/healthz", &body), 200);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ(parley::test::http_get_status(port(), "/"), 404);
  EXPECT_EQ(parley::test::http_get_status(port(), "/healthz/x"), 404);
}

TEST_F(RelayProtocolTest, ChallengeNoncesAre32FreshBytesPerConnection) {
  start();
  WsClient a(port()), b(port(), "/any/path");
  EXPECT_EQ(a.nonce().size(), 32u);
  EXPECT_EQ(b.nonce().size(), 32u);
  EXPECT_NE(a.nonce(), b.nonce());
  EXPECT_NE(a.nonce(), Bytes(32, 0));
}

TEST_F(RelayProtocolTest, RegisterThenAuthenticate) {
  start();
  auto alice = TestDevice::make("alice", 1, 5);
  {
    WsClient c(port());
    c.send(register_frame(alice, c.nonce()));
    auto ok = c.read();
    ASSERT_TRUE(ok && ok->type() == wire::RelayBody::AuthOk) << describe(ok);
    EXPECT_EQ(ok->frame->body_as_AuthOk()->prekeys_remaining(), 5u);
  }
  {
    WsClient c(port());
    c.send(authenticate_frame(alice, c.nonce()));
    auto ok = c.read();
    ASSERT_TRUE(ok && ok->type() == wire::RelayBody::AuthOk) << describe(ok);
    EXPECT_EQ(ok->frame->body_as_AuthOk()->prekeys_remaining(), 5u);
    // 5 < threshold 10: PreKeysLow right after.
    auto low = c.read();
    ASSERT_TRUE(low && low->type() == wire::RelayBody::PreKeysLow) << describe(low);
    EXPECT_EQ(low->frame->body_as_PreKeysLow()->remaining(), 5u);
  }
  {
    // Re-registering with the same identity key is idempotent (ids 1..5 again: still 5).
    WsClient c(port());
    c.send(register_frame(alice, c.nonce()));
    auto ok = c.read();
    ASSERT_TRUE(ok && ok->type() == wire::RelayBody::AuthOk) << describe(ok);
    EXPECT_EQ(ok->frame->body_as_AuthOk()->prekeys_remaining(), 5u);
  }
}

TEST_F(RelayProtocolTest, BadAuthSignatureIsAuthFailedAndCloses) {
  start();
  auto alice = TestDevice::make("alice", 1, 1);
  connect_registered(port(), alice);
  WsClient c(port());
  Bytes wrong_nonce = c.nonce();
  wrong_nonce[0] ^= 0xff;  // signed, but not for this challenge
  c.send(authenticate_frame(alice, wrong_nonce));
  expect_fatal(c, Errc::auth_failed);
}

TEST_F(RelayProtocolTest, SignatureByAnotherKeyIsAuthFailed) {
  start();
  auto alice = TestDevice::make("alice", 1, 1);
  auto mallory = TestDevice::make("alice", 1, 0);  // same address, other keys
  connect_registered(port(), alice);
  WsClient c(port());
  c.send(authenticate_frame(mallory, c.nonce()));
  expect_fatal(c, Errc::auth_failed);
}

TEST_F(RelayProtocolTest, UnknownDeviceIsRejectedAndClosed) {
  start();
  auto ghost = TestDevice::make("ghost", 3, 0);
  WsClient c(port());
  c.send(authenticate_frame(ghost, c.nonce()));
  expect_fatal(c, Errc::unknown_device);
}

TEST_F(RelayProtocolTest, SendBeforeAuthIsNotAuthenticated) {
  start();
  WsClient c(port());
  c.send(send_frame(message_id(1), {Address{"bob", 1}}, text("hi")));
  expect_fatal(c, Errc::not_authenticated);
}

TEST_F(RelayProtocolTest, AckBeforeAuthIsNotAuthenticated) {
  start();
  WsClient c(port());
  c.send(ack_frame({1, 2, 3}));
  expect_fatal(c, Errc::not_authenticated);
}

TEST_F(RelayProtocolTest, GarbageBytesAreMalformedFrame) {
  start();
  WsClient c(port());
  Bytes garbage(100);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<std::uint8_t>(i * 37 + 11);
  c.send(garbage);
  expect_fatal(c, Errc::malformed_frame);
}

TEST_F(RelayProtocolTest, ShortFrameIsTruncated) {
  start();
  WsClient c(port());
  c.send(Bytes{1, 2, 3});
  expect_fatal(c, Errc::truncated);
}

TEST_F(RelayProtocolTest, TextFrameIsProtocolViolation) {
  start();
  WsClient c(port());
  c.send_text("{\"hello\": 1}");
  expect_fatal(c, Errc::protocol_violation);
}

TEST_F(RelayProtocolTest, OversizeFrameClosesTheConnection) {
  start({"--max-frame", "4096"});
  auto alice = TestDevice::make("alice", 1, 0);
  {
    // Just under the limit is read (and answered).
    WsClient c(port());
    c.send(Bytes(4000, 0xab));
    auto frame = c.read();
    ASSERT_NE(as_failure(frame), nullptr) << describe(frame);
    EXPECT_EQ(as_failure(frame)->code(), static_cast<std::uint16_t>(Errc::malformed_frame));
  }
  WsClient c(port());
  c.send(Bytes(8192, 0xab));
  auto frame = c.read();
  EXPECT_FALSE(frame.has_value()) << describe(frame);
  EXPECT_TRUE(c.closed()) << "the relay must close a connection that sends a frame over --max-frame";
  EXPECT_EQ(c.close_reason().code, static_cast<std::uint16_t>(websocket::close_code::too_big));
  // The relay itself is fine.
  EXPECT_NO_THROW(connect_registered(port(), alice));
}

TEST_F(RelayProtocolTest, BadSignedPreKeySignatureIsRejected) {
  start();
  auto alice = TestDevice::make("alice", 1, 2);
  alice.signed_prekey_signature[5] ^= 0x20;
  {
    WsClient c(port());
    c.send(register_frame(alice, c.nonce()));
    expect_fatal(c, Errc::invalid_signature);
  }
  // Nothing was registered.
  WsClient c(port());
  c.send(authenticate_frame(alice, c.nonce()));
  expect_fatal(c, Errc::unknown_device);
}

TEST_F(RelayProtocolTest, RegisterWithAnotherIdentityKeyIsDeviceExists) {
  start();
  auto alice = TestDevice::make("alice", 1, 1);
  auto impostor = TestDevice::make("alice", 1, 1);
  connect_registered(port(), alice);
  WsClient c(port());
  c.send(register_frame(impostor, c.nonce()));
  expect_fatal(c, Errc::device_exists);
}

TEST_F(RelayProtocolTest, RegisterOnAnAuthenticatedConnectionIsProtocolViolation) {
  start();
  auto alice = TestDevice::make("alice", 1, 1);
  auto c = connect_registered(port(), alice);
  c->send(authenticate_frame(alice, c->nonce()));
  expect_fatal(*c, Errc::protocol_violation);
}

TEST_F(RelayProtocolTest, SendIsAckedDeliveredAckedAndIdempotent) {
  start();
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  connect_registered(port(), bob);
  auto a = connect_registered(port(), alice);

  const MessageId id = message_id(7);
  a->send(send_frame(id, {bob.address}, text("ciphertext-1")));
  auto ack = a->read();
  ASSERT_TRUE(ack && ack->type() == wire::RelayBody::SendAck) << describe(ack);
  EXPECT_FALSE(ack->frame->body_as_SendAck()->duplicate());
  EXPECT_EQ(Bytes(ack->frame->body_as_SendAck()->message_id()->begin(), ack->frame->body_as_SendAck()->message_id()->end()),
            Bytes(id.bytes.begin(), id.bytes.end()));
  a->send(send_frame(id, {bob.address}, text("ciphertext-1")));
  auto dup = a->read();
  ASSERT_TRUE(dup && dup->type() == wire::RelayBody::SendAck) << describe(dup);
  EXPECT_TRUE(dup->frame->body_as_SendAck()->duplicate());

  std::uint64_t delivery_id = 0;
  {
    auto b = connect_authenticated(port(), bob);
    auto frame = b->read();
    const auto* d = expect_deliver(frame);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(payload_of(d), text("ciphertext-1"));
    EXPECT_EQ(d->sender()->user()->str(), "alice");
    EXPECT_EQ(d->sender()->device(), 1u);
    EXPECT_EQ(Bytes(d->message_id()->begin(), d->message_id()->end()), Bytes(id.bytes.begin(), id.bytes.end()));
    EXPECT_GT(d->stored_at_ms(), 1600000000000ull);
    delivery_id = d->delivery_id();
    auto extra = b->read(milliseconds(300));
    EXPECT_FALSE(extra.has_value()) << "the duplicate was delivered: " << describe(extra);
    b->send(ack_frame({delivery_id}));
  }
  std::this_thread::sleep_for(milliseconds(100));
  auto b = connect_authenticated(port(), bob);
  auto again = b->read(milliseconds(500));
  EXPECT_FALSE(again.has_value()) << "acked message delivered again: " << describe(again);
}

TEST_F(RelayProtocolTest, OnlineRecipientIsWokenAndOnlyItsOwnAckCounts) {
  start();
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  auto carol = TestDevice::make("carol", 1, 20);
  auto b = connect_registered(port(), bob);
  auto c = connect_registered(port(), carol);
  auto a = connect_registered(port(), alice);
  a->send(send_frame(message_id(1), {bob.address}, text("for bob")));
  ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck));
  auto frame = b->read();
  const auto* d = expect_deliver(frame);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(payload_of(d), text("for bob"));
  // Carol acks bob's delivery id: it must not remove bob's message.
  c->send(ack_frame({d->delivery_id()}));
  std::this_thread::sleep_for(milliseconds(100));
  b.reset();  // bob disconnects without acking
  auto b2 = connect_authenticated(port(), bob);
  auto redelivered = b2->read();
  const auto* r = expect_deliver(redelivered);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(payload_of(r), text("for bob"));
}

TEST_F(RelayProtocolTest, UnackedDeliveriesComeAgainInOrderWithABoundedWindow) {
  start();
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  connect_registered(port(), bob);
  auto a = connect_registered(port(), alice);
  constexpr int kMessages = 100;
  for (int i = 0; i < kMessages; ++i) a->send(send_frame(message_id(static_cast<std::uint8_t>(i)), {bob.address}, Bytes(10, static_cast<std::uint8_t>(i))));
  for (int i = 0; i < kMessages; ++i) {
    auto ack = a->read();
    ASSERT_TRUE(ack && ack->type() == wire::RelayBody::SendAck) << describe(ack);
  }
  {
    auto b = connect_authenticated(port(), bob);
    int received = 0;
    while (auto frame = b->read(milliseconds(500))) {
      if (frame->type() != wire::RelayBody::Deliver) continue;
      const auto* d = frame->frame->body_as_Deliver();
      EXPECT_EQ(payload_of(d), Bytes(10, static_cast<std::uint8_t>(received))) << "out of order";
      ++received;
    }
    EXPECT_EQ(received, 64) << "at most 64 un-acked deliveries may be outstanding";
  }
  // Reconnect without having acked: everything again, from the start, in order; ack as we go.
  auto b = connect_authenticated(port(), bob);
  std::uint64_t last_id = 0;
  int received = 0;
  while (received < kMessages) {
    auto frame = b->read(milliseconds(2000));
    if (!frame) break;
    if (frame->type() != wire::RelayBody::Deliver) continue;
    const auto* d = frame->frame->body_as_Deliver();
    EXPECT_EQ(payload_of(d), Bytes(10, static_cast<std::uint8_t>(received))) << "out of order at " << received;
    EXPECT_GT(d->delivery_id(), last_id);
    last_id = d->delivery_id();
    b->send(ack_frame({d->delivery_id()}));
    ++received;
  }
  EXPECT_EQ(received, kMessages);
}

std::vector<wire::Refused> refusals_of(const std::optional<Frame>& frame) {
  if (!frame) return {};
  const flatbuffers::Vector<flatbuffers::Offset<wire::Refusal>>* list = nullptr;
  if (frame->type() == wire::RelayBody::SendAck) list = frame->frame->body_as_SendAck()->refused();
  if (frame->type() == wire::RelayBody::Failure) list = frame->frame->body_as_Failure()->refused();
  auto out = wire::to_refusals(list);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : std::vector<wire::Refused>{};
}

TEST_F(RelayProtocolTest, SendFailuresAreNonFatalAndNameTheMessage) {
  start({"--max-frame", "4096", "--max-recipients", "2", "--max-mailbox", "1"});
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  connect_registered(port(), bob);
  auto a = connect_registered(port(), alice);
  const MessageId m1 = message_id(1), m2 = message_id(2), m3 = message_id(3), m4 = message_id(4),
                  m5 = message_id(5);
  const Address nobody{"nobody", 9};
  a->send(send_frame(m1, {nobody, nobody}, text("x")));  // nobody can take it, named once
  {
    auto frame = a->read();
    ASSERT_NE(as_failure(frame), nullptr) << describe(frame);
    EXPECT_EQ(as_failure(frame)->code(), static_cast<std::uint16_t>(Errc::unknown_device));
    EXPECT_EQ(refusals_of(frame), (std::vector<wire::Refused>{{nobody, Errc::unknown_device}}));
  }
  a->send(send_frame(m2, {bob.address, alice.address, Address{"x", 1}}, text("x")));
  expect_failure(*a, Errc::limit_exceeded, 0, &m2);
  a->send(send_frame(m3, {bob.address}, Bytes(3500, 1)));  // over max-frame minus Deliver overhead
  expect_failure(*a, Errc::limit_exceeded, 0, &m3);
  a->send(send_frame(m4, {bob.address}, text("fits")));
  ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck));
  a->send(send_frame(m5, {bob.address, nobody}, text("mailbox now full")));
  {
    auto frame = a->read();
    ASSERT_NE(as_failure(frame), nullptr) << describe(frame);
    EXPECT_EQ(as_failure(frame)->code(), static_cast<std::uint16_t>(Errc::mailbox_full)) << describe(frame);
    EXPECT_EQ(refusals_of(frame),
              (std::vector<wire::Refused>{{bob.address, Errc::mailbox_full}, {nobody, Errc::unknown_device}}));
  }
  a->send(fetch_frame(5, Address{"nobody", 1}));
  expect_failure(*a, Errc::unknown_device, 5);
  // Nothing was remembered for m1: once a recipient can take it, the same id goes through.
  a->send(send_frame(m1, {alice.address}, text("x")));
  auto ack = a->read_until(wire::RelayBody::SendAck);
  ASSERT_TRUE(ack) << describe(ack);
  EXPECT_FALSE(ack->frame->body_as_SendAck()->duplicate());
}

// A Send reaches the recipients that can take it; SendAck names the others and why; a retry
// is a duplicate with the same refusals, stores nothing again and reaches no one new.
TEST_F(RelayProtocolTest, PartialSendIsStoredForTheRecipientsThatCanTakeIt) {
  start({"--max-mailbox", "1"});
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  auto carol = TestDevice::make("carol", 1, 20);
  auto ghost = TestDevice::make("ghost", 1, 20);
  connect_registered(port(), bob);
  connect_registered(port(), carol);
  auto a = connect_registered(port(), alice);
  a->send(send_frame(message_id(1), {carol.address}, text("fills carol")));
  ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck));

  const MessageId post = message_id(2);
  const std::vector<wire::Refused> expected{{ghost.address, Errc::unknown_device}, {carol.address, Errc::mailbox_full}};
  a->send(send_frame(post, {bob.address, ghost.address, carol.address, bob.address}, text("post")));
  auto ack = a->read();
  ASSERT_TRUE(ack && ack->type() == wire::RelayBody::SendAck) << describe(ack);
  EXPECT_FALSE(ack->frame->body_as_SendAck()->duplicate());
  EXPECT_EQ(refusals_of(ack), expected);

  // The ghost registers; the sender retries (say its SendAck was lost).
  connect_registered(port(), ghost);
  a->send(send_frame(post, {bob.address, ghost.address, carol.address}, text("post")));
  auto again = a->read();
  ASSERT_TRUE(again && again->type() == wire::RelayBody::SendAck) << describe(again);
  EXPECT_TRUE(again->frame->body_as_SendAck()->duplicate());
  EXPECT_EQ(refusals_of(again), expected);

  auto b = connect_authenticated(port(), bob);
  auto delivered = b->read();  // owns the bytes `d` points into
  const auto* d = expect_deliver(delivered);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(payload_of(d), text("post"));
  auto extra = b->read(milliseconds(300));
  EXPECT_FALSE(extra.has_value()) << "stored twice: " << describe(extra);
  auto g = connect_authenticated(port(), ghost);
  auto none = g->read(milliseconds(300));
  EXPECT_FALSE(none.has_value()) << "a refused recipient got the message: " << describe(none);
}

TEST_F(RelayProtocolTest, FetchBundleHandsOutPreKeysOnceAndWarnsTheOwner) {
  start();
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 11);
  auto b = connect_registered(port(), bob);
  auto a = connect_registered(port(), alice);
  std::set<std::uint32_t> ids;
  for (std::uint32_t i = 0; i < 12; ++i) {
    a->send(fetch_frame(100 + i, bob.address));
    auto frame = a->read_until(wire::RelayBody::Bundle);
    ASSERT_TRUE(frame) << describe(frame);
    const auto* bundle = frame->frame->body_as_Bundle();
    EXPECT_EQ(bundle->request_id(), 100 + i);
    EXPECT_EQ(Bytes(bundle->identity_key()->begin(), bundle->identity_key()->end()), bob.identity.public_key);
    EXPECT_EQ(Bytes(bundle->signed_prekey()->public_key()->begin(), bundle->signed_prekey()->public_key()->end()),
              bob.signed_prekey.public_key);
    EXPECT_EQ(bundle->registration_id(), bob.registration_id);
    if (i < 11) {
      ASSERT_NE(bundle->one_time_prekey(), nullptr) << "fetch " << i;
      EXPECT_TRUE(ids.insert(bundle->one_time_prekey()->id()).second) << "prekey handed out twice";
      const auto id = bundle->one_time_prekey()->id();
      EXPECT_EQ(Bytes(bundle->one_time_prekey()->public_key()->begin(), bundle->one_time_prekey()->public_key()->end()),
                bob.prekeys.at(id - 1).public_key);
    } else {
      EXPECT_EQ(bundle->one_time_prekey(), nullptr) << "no one-time prekeys left: signed prekey only";
    }
  }
  // Bob dropped below 10 after the second fetch: he is told, after each fetch below it.
  std::vector<std::uint32_t> warnings;
  while (auto frame = b->read(milliseconds(300))) {
    ASSERT_EQ(frame->type(), wire::RelayBody::PreKeysLow) << describe(frame);
    warnings.push_back(frame->frame->body_as_PreKeysLow()->remaining());
  }
  EXPECT_EQ(warnings, (std::vector<std::uint32_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));

  // Upload: a bad signed prekey is a non-fatal failure; a good upload answers nothing when
  // back above the threshold.
  b->send(upload_frame(bob, {{50, bob.prekeys[0].public_key}}, true, true));
  expect_failure(*b, Errc::invalid_signature);
  std::vector<std::pair<std::uint32_t, Bytes>> fresh;
  for (std::uint32_t i = 0; i < 12; ++i) fresh.emplace_back(200 + i, bob.prekeys[i % bob.prekeys.size()].public_key);
  b->send(upload_frame(bob, fresh, true));
  b->send(upload_frame(bob, {{300, bob.prekeys[0].public_key}}));
  auto quiet = b->read(milliseconds(300));
  EXPECT_FALSE(quiet.has_value()) << "no reply expected above the threshold: " << describe(quiet);
  a->send(fetch_frame(999, bob.address));
  auto frame = a->read_until(wire::RelayBody::Bundle);
  ASSERT_TRUE(frame);
  ASSERT_NE(frame->frame->body_as_Bundle()->one_time_prekey(), nullptr);
  EXPECT_EQ(frame->frame->body_as_Bundle()->one_time_prekey()->id(), 200u);
}

TEST_F(RelayProtocolTest, PipelinedSendsFromManyConnectionsAreAllAckedInOrder) {
  start();
  auto bob = TestDevice::make("bob", 1, 20);
  connect_registered(port(), bob);
  constexpr int kSenders = 4;
  constexpr int kPerSender = 250;
  std::vector<TestDevice> senders;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int s = 0; s < kSenders; ++s) {
    senders.push_back(TestDevice::make("sender" + std::to_string(s), 1, 0));
    clients.push_back(connect_registered(port(), senders.back()));
  }
  auto id_of = [](int s, int i) {
    MessageId id;
    id.bytes[0] = static_cast<std::uint8_t>(s);
    id.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    id.bytes[2] = static_cast<std::uint8_t>(i);
    return id;
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> in_order{0};
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      auto& c = *clients[s];
      // Interleave writing and reading: the relay applies back-pressure on reads.
      int acked = 0;
      for (int i = 0; i < kPerSender; ++i) {
        c.send(send_frame(id_of(s, i), {bob.address}, Bytes(200, static_cast<std::uint8_t>(i))));
        while (auto frame = c.read(milliseconds(0))) {
          if (frame->type() != wire::RelayBody::SendAck) return;
          const auto* ack = frame->frame->body_as_SendAck();
          const MessageId want = id_of(s, acked);
          if (Bytes(ack->message_id()->begin(), ack->message_id()->end()) != Bytes(want.bytes.begin(), want.bytes.end())) return;
          ++acked;
        }
      }
      while (acked < kPerSender) {
        auto frame = c.read(milliseconds(10000));
        if (!frame || frame->type() != wire::RelayBody::SendAck) return;
        const auto* ack = frame->frame->body_as_SendAck();
        const MessageId want = id_of(s, acked);
        if (Bytes(ack->message_id()->begin(), ack->message_id()->end()) != Bytes(want.bytes.begin(), want.bytes.end())) return;
        ++acked;
      }
      ++in_order;
    });
  }
  for (auto& t : threads) t.join();
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(in_order.load(), kSenders) << "every sender gets all its SendAcks, in send order";
  std::printf("[ info ] %d durable sends in %.3f s (%.0f/s)\n", kSenders * kPerSender, elapsed,
              kSenders * kPerSender / elapsed);
  // Bob's mailbox holds them all.
  auto b = connect_authenticated(port(), bob);
  int delivered = 0;
  while (auto frame = b->read(milliseconds(2000))) {
    if (frame->type() != wire::RelayBody::Deliver) continue;
    b->send(ack_frame({frame->frame->body_as_Deliver()->delivery_id()}));
    if (++delivered == kSenders * kPerSender) break;
  }
  EXPECT_EQ(delivered, kSenders * kPerSender);
}

TEST_F(RelayProtocolTest, QueuedMessagesSurviveKill9AndRestart) {
  start();
  auto alice = TestDevice::make("alice", 1, 0);
  auto bob = TestDevice::make("bob", 1, 20);
  connect_registered(port(), bob);
  {
    auto a = connect_registered(port(), alice);
    a->send(send_frame(message_id(42), {bob.address}, text("durable")));
    auto ack = a->read();
    ASSERT_TRUE(ack && ack->type() == wire::RelayBody::SendAck) << describe(ack);
  }
  const auto old_port = port();
  relay->kill_hard();
  relay->start();
  EXPECT_EQ(port(), old_port);
  auto b = connect_authenticated(port(), bob);
  const auto* d = expect_deliver(b->read());
  ASSERT_NE(d, nullptr);
}

TEST_F(RelayProtocolTest, ANewerConnectionReplacesTheOlderOne) {
  start();
  auto bob = TestDevice::make("bob", 1, 20);
  auto first = connect_registered(port(), bob);
  auto second = connect_authenticated(port(), bob);
  EXPECT_TRUE(first->wait_closed());
  EXPECT_EQ(first->close_reason().code, static_cast<std::uint16_t>(websocket::close_code::going_away));
}

TEST_F(RelayProtocolTest, CleanShutdownOnSigterm) {
  start();
  auto bob = TestDevice::make("bob", 1, 20);
  auto c = connect_registered(port(), bob);
  const int status = relay->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(c->close_reason().code, static_cast<std::uint16_t>(websocket::close_code::going_away));
}

}  // namespace
}  // namespace parley::relay::test
