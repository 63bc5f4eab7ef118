// SPDX-License-Identifier: GPL-3.0-or-later
// The sans-IO engine driven without sockets: real stores and libsignal sessions, an
// in-memory relay, a virtual clock, and explicit control over lost acks and reconnects.
#include "engine/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/memory_relay.hpp"
#include "pairwise/device_keys.hpp"
#include "support/temp_dir.hpp"

namespace parley::engine {
namespace {

using test::MemoryRelay;

struct Node {
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<Engine> engine;
  int connection = 0;
  std::vector<Event> events;
  std::vector<wire::ClientBody> sent_types;

  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (auto* m = std::get_if<MessageReceived>(&e)) out.push_back(m->text);
    return out;
  }
  template <class T>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<T>(e);
    return n;
  }
};

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Node> make(const Address& address) {
    auto node = std::make_unique<Node>();
    auto opened = store::DeviceStore::open(dir.file(address.to_string()), StoreKey::passphrase("k"));
    EXPECT_TRUE(opened.ok());
    node->store = std::move(*opened);
    EXPECT_TRUE(pairwise::create_device_identity(*node->store, address, 10, now).ok());
    EngineOptions options;
    options.random = [this](std::span<std::uint8_t> out) {
      for (auto& b : out) b = static_cast<std::uint8_t>(++counter);
    };
    auto engine = Engine::create(*node->store, options);
    EXPECT_TRUE(engine.ok());
    node->engine = std::move(*engine);
    return node;
  }

  void connect(Node& node) {
    node.connection = ++next_connection;
    nodes[node.connection] = &node;
    node.engine->on_open(now);
    inbox[node.connection].push_back(relay.open(node.connection));
  }

  void disconnect(Node& node) {
    relay.close(node.connection);
    inbox.erase(node.connection);
    nodes.erase(node.connection);
    node.engine->on_close({Errc::not_connected, "test"}, now);
    collect(node);
  }

  void collect(Node& node) {
    while (auto e = node.engine->poll_event()) node.events.push_back(std::move(*e));
  }

  // Moves frames both ways until nothing is left to move.
  void run() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto& [conn, node] : nodes) {
        auto& queue = inbox[conn];
        while (!queue.empty()) {
          Bytes frame = std::move(queue.front());
          queue.pop_front();
          if (auto handled = node->engine->on_frame(frame, now); !handled.ok()) {
            EXPECT_TRUE(frame_errors_allowed) << handled.error().to_string();
            frame_errors.push_back(handled.error());
          }
          moved = true;
        }
        while (auto out = node->engine->poll_transmit()) {
          node->sent_types.push_back((*wire::parse_client_frame(*out))->body_type());
          relay.handle(conn, *out, inbox);
          moved = true;
        }
        collect(*node);
      }
      now += 10;
    }
  }

  test::TempDir dir;
  TimeMs now = 1'700'000'000'000;
  int counter = 0;
  int next_connection = 0;
  MemoryRelay relay;
  std::map<int, Node*> nodes;
  std::map<int, std::deque<Bytes>> inbox;
  bool frame_errors_allowed = false;  // on_frame errors are test failures unless a test expects them
  std::vector<Error> frame_errors;
};

TEST_F(EngineTest, RegistersOnceThenAuthenticates) {
  auto alice = make({"alice", 1});
  connect(*alice);
  run();
  EXPECT_EQ(alice->count<Connected>(), 1u);
  disconnect(*alice);
  connect(*alice);
  run();
  EXPECT_EQ(alice->count<Connected>(), 2u);
  EXPECT_EQ(alice->count<Disconnected>(), 1u);
  ASSERT_EQ(alice->sent_types.size(), 2u);
  EXPECT_EQ(alice->sent_types[0], wire::ClientBody::Register);
  EXPECT_EQ(alice->sent_types[1], wire::ClientBody::Authenticate);
}

TEST_F(EngineTest, FirstMessageWaitsForTheBundleThenFlows) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  run();
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "one", now).ok());
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "two", now).ok());
  run();
  EXPECT_EQ(bob->texts(), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(alice->count<MessageSent>(), 2u);
  // Exactly one bundle fetch for two messages.
  EXPECT_EQ(std::count(alice->sent_types.begin(), alice->sent_types.end(), wire::ClientBody::FetchBundle), 1);
}

TEST_F(EngineTest, MessagesWrittenOfflineAreSentOnConnect) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*bob);
  run();
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "written offline", now).ok());
  connect(*alice);
  run();
  EXPECT_EQ(bob->texts(), std::vector<std::string>{"written offline"});
}

TEST_F(EngineTest, LostSendAckIsResentWithTheSameIdAndDeliveredOnce) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  run();
  relay.drop_send_acks = true;
  auto id = alice->engine->send_text(bob->engine->address(), "exactly once", now);
  ASSERT_TRUE(id.ok());
  run();
  EXPECT_EQ(alice->count<MessageSent>(), 0u);
  disconnect(*alice);
  relay.drop_send_acks = false;
  connect(*alice);
  run();
  ASSERT_EQ(alice->count<MessageSent>(), 1u);
  EXPECT_EQ(std::get<MessageSent>(alice->events.back()).id, *id);
  EXPECT_EQ(relay.stored_messages(), 1u) << "the resend reused the message id";
  EXPECT_EQ(bob->texts(), std::vector<std::string>{"exactly once"});
}

// A SendAck's outbox removal rides on the engine's next transaction (no commit of its own):
// meanwhile the acknowledged send is not resent on a reconnect, the next transaction removes
// its row, and an engine that ends first removes what is left.
TEST_F(EngineTest, AnAcknowledgedSendLeavesTheOutboxAndIsNotResent) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  run();
  auto sends = [&] { return std::count(alice->sent_types.begin(), alice->sent_types.end(), wire::ClientBody::Send); };
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m1", now).ok());
  run();
  ASSERT_EQ(alice->count<MessageSent>(), 1u);
  const auto sent_before = sends();
  disconnect(*alice);
  connect(*alice);
  run();
  EXPECT_EQ(sends(), sent_before) << "an acknowledged send went out again";
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m2", now).ok());
  run();
  EXPECT_EQ(alice->count<MessageSent>(), 2u);
  EXPECT_EQ(bob->texts(), (std::vector<std::string>{"m1", "m2"}));
  alice->engine.reset();
  auto outbox = alice->store->outbox_items();
  ASSERT_TRUE(outbox.ok());
  EXPECT_TRUE(outbox->empty());
}

TEST_F(EngineTest, RedeliveryAfterALostAckReachesTheAppOnce) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  run();
  relay.drop_acks = true;
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m1", now).ok());
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m2", now).ok());
  run();
  EXPECT_EQ(relay.mailbox_size(bob->engine->address()), 2u);
  disconnect(*bob);
  relay.drop_acks = false;
  connect(*bob);
  run();
  EXPECT_EQ(bob->texts(), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(bob->count<DecryptFailed>(), 0u);
  EXPECT_EQ(relay.mailbox_size(bob->engine->address()), 0u);
}

// The device's own store cannot write (here: read-only, as on a full or failing disk): the
// delivery is neither reported nor acknowledged, so the relay keeps it, and it arrives once
// the store works again. Nothing is lost and the session is untouched.
TEST_F(EngineTest, ADeliveryTheStoreCannotKeepIsNotAcknowledged) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m0", now).ok());
  run();
  ASSERT_EQ(bob->texts(), std::vector<std::string>{"m0"});

  ASSERT_TRUE(bob->store->db().exec("PRAGMA query_only = 1").ok());
  frame_errors_allowed = true;
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "m1", now).ok());
  run();
  ASSERT_FALSE(frame_errors.empty());
  EXPECT_EQ(frame_errors.front().code, Errc::store_io) << frame_errors.front().to_string();
  EXPECT_EQ(bob->texts(), std::vector<std::string>{"m0"});
  EXPECT_EQ(bob->count<DecryptFailed>(), 0u);
  EXPECT_EQ(relay.mailbox_size(bob->engine->address()), 1u);  // still at the relay

  ASSERT_TRUE(bob->store->db().exec("PRAGMA query_only = 0").ok());
  frame_errors_allowed = false;
  disconnect(*bob);  // what the driver does after on_frame's error
  connect(*bob);
  run();
  EXPECT_EQ(bob->texts(), (std::vector<std::string>{"m0", "m1"}));
  EXPECT_EQ(bob->count<DecryptFailed>(), 0u);
  EXPECT_EQ(relay.mailbox_size(bob->engine->address()), 0u);
}

TEST_F(EngineTest, GarbageDeliveryIsReportedAckedAndDoesNotBlockTheMailbox) {
  auto alice = make({"alice", 1});
  auto bob = make({"bob", 1});
  connect(*alice);
  connect(*bob);
  run();
  relay.inject(alice->engine->address(), bob->engine->address(), Bytes{0xde, 0xad, 0xbe, 0xef});
  ASSERT_TRUE(alice->engine->send_text(bob->engine->address(), "after garbage", now).ok());
  run();
  EXPECT_EQ(bob->count<DecryptFailed>(), 1u);
  EXPECT_EQ(bob->texts(), std::vector<std::string>{"after garbage"});
  EXPECT_EQ(relay.mailbox_size(bob->engine->address()), 0u);
}

TEST_F(EngineTest, MalformedRelayFrameIsATypedError) {
  auto alice = make({"alice", 1});
  alice->engine->on_open(now);
  Bytes garbage(64, 0x41);
  auto handled = alice->engine->on_frame(garbage, now);
  ASSERT_FALSE(handled.ok());
  EXPECT_EQ(handled.error().code, Errc::malformed_frame);
}

// The signed prekey is replaced on its schedule and the new one reaches the relay: a device
// that meets this one afterwards builds its session on the new key, and replaced keys are
// pruned once they are older than signed_prekey_keep_ms (docs/protocol.md "Prekeys").
TEST_F(EngineTest, TheSignedPrekeyIsRotatedOnScheduleAndOldOnesArePruned) {
  auto bob = make({"bob", 1});
  connect(*bob);
  run();
  const EngineOptions defaults;
  const auto uploads = [&] {
    return std::count(bob->sent_types.begin(), bob->sent_types.end(), wire::ClientBody::UploadPreKeys);
  };
  ASSERT_TRUE(bob->engine->poll_timeout().has_value());
  EXPECT_LE(*bob->engine->poll_timeout(), now + defaults.signed_prekey_rotate_ms);
  bob->engine->handle_timeout(now + defaults.signed_prekey_rotate_ms - 1000);
  run();
  EXPECT_EQ(uploads(), 0);  // not yet
  for (int week = 1; week <= 6; ++week) {
    now += defaults.signed_prekey_rotate_ms;
    bob->engine->handle_timeout(now);
    run();
    EXPECT_EQ(uploads(), week);
  }
  EXPECT_EQ(pairwise::current_signed_prekey(*bob->store)->id, 7u);
  // Key 1 was replaced 5 weeks ago (pruned); key 2 four weeks ago, within the 30 days kept.
  EXPECT_EQ(bob->store->signed_prekey_ids()->front(), 2u);

  auto carol = make({"carol", 1});
  connect(*carol);
  run();
  ASSERT_TRUE(carol->engine->send_text(bob->engine->address(), "after the rotation", now).ok());
  run();
  EXPECT_EQ(bob->texts(), std::vector<std::string>{"after the rotation"});
}

// An attempt that fails before it opens (a refused certificate, an unreachable relay) is
// reported once per reason, not at every retry of the driver's backoff.
TEST_F(EngineTest, AFailedAttemptIsReportedOncePerReason) {
  auto alice = make({"alice", 1});
  const Error refused{Errc::not_connected, "tls handshake: certificate verify failed"};
  const Error unreachable{Errc::not_connected, "connect: Connection refused"};
  for (int retry = 0; retry < 3; ++retry) alice->engine->on_close(refused, now);
  collect(*alice);
  ASSERT_EQ(alice->count<Disconnected>(), 1u);
  EXPECT_EQ(std::get<Disconnected>(alice->events.back()).reason.message, refused.message);
  alice->engine->on_close(unreachable, now);
  alice->engine->on_close(unreachable, now);
  collect(*alice);
  EXPECT_EQ(alice->count<Disconnected>(), 2u);  // a new reason
  connect(*alice);
  run();
  disconnect(*alice);  // a connection that opened and ended
  EXPECT_EQ(alice->count<Disconnected>(), 3u);
  alice->engine->on_close(unreachable, now);
  collect(*alice);
  EXPECT_EQ(alice->count<Disconnected>(), 4u);  // the streak starts again after a connection
}

TEST_F(EngineTest, SendingToSelfOrAnInvalidAddressIsRefused) {
  auto alice = make({"alice", 1});
  EXPECT_EQ(alice->engine->send_text(alice->engine->address(), "x", now).error().code, Errc::invalid_argument);
  EXPECT_EQ(alice->engine->send_text({"bad name!", 1}, "x", now).error().code, Errc::invalid_argument);
  EXPECT_EQ(alice->engine->send_text({"bob", 0}, "x", now).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace parley::engine
