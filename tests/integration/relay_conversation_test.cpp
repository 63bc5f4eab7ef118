// SPDX-License-Identifier: GPL-3.0-or-later
// End to end against the real parley-relay binary on an ephemeral loopback port:
// real libsignal sessions, real SQLCipher stores, real sockets.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"

namespace parley::test {
namespace {

class RelayConversation : public ::testing::Test {
 protected:
  void SetUp() override { relay.start(); }

  TempDir relay_dir;
  TempDir device_dir;
  RelayProcess relay{relay_dir.path().string()};
};

TEST_F(RelayConversation, TwoDevicesExchangeMessagesBothWays) {
  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  alice.start();
  bob.start();
  ASSERT_TRUE(alice.wait_connected());
  ASSERT_TRUE(bob.wait_connected());

  ASSERT_TRUE(alice.client().send_text(bob.address(), "hello bob").ok());
  ASSERT_TRUE(bob.wait_received(1));
  auto at_bob = bob.events_of<MessageReceived>();
  EXPECT_EQ(at_bob[0].text, "hello bob");
  EXPECT_EQ(at_bob[0].sender, alice.address());

  ASSERT_TRUE(bob.client().send_text(alice.address(), "hello alice").ok());
  ASSERT_TRUE(alice.wait_received(1));
  EXPECT_EQ(alice.received_texts(), std::vector<std::string>{"hello alice"});

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(alice.client().send_text(bob.address(), "a" + std::to_string(i)).ok());
    ASSERT_TRUE(bob.client().send_text(alice.address(), "b" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(bob.wait_received(6));
  ASSERT_TRUE(alice.wait_received(6));
  EXPECT_EQ(bob.received_texts(), (std::vector<std::string>{"hello bob", "a0", "a1", "a2", "a3", "a4"}));
  EXPECT_EQ(alice.received_texts(), (std::vector<std::string>{"hello alice", "b0", "b1", "b2", "b3", "b4"}));
  EXPECT_TRUE(alice.events_of<DecryptFailed>().empty());
  EXPECT_TRUE(bob.events_of<DecryptFailed>().empty());
}

TEST_F(RelayConversation, OfflineRecipientReceivesQueuedMessagesInOrder) {
  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  bob.start();
  ASSERT_TRUE(bob.wait_connected());
  bob.stop();

  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    expected.push_back("queued " + std::to_string(i));
    ASSERT_TRUE(alice.client().send_text(bob.address(), expected.back()).ok());
  }
  ASSERT_TRUE(alice.wait_sent(30));

  bob.start();
  ASSERT_TRUE(bob.wait_received(30));
  EXPECT_EQ(bob.received_texts(), expected);
}

TEST_F(RelayConversation, RelayKilledWithQueuedMessagesDeliversEachExactlyOnce) {
  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  bob.start();
  ASSERT_TRUE(bob.wait_connected());
  bob.stop();

  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    expected.push_back("before crash " + std::to_string(i));
    ASSERT_TRUE(alice.client().send_text(bob.address(), expected.back()).ok());
  }
  ASSERT_TRUE(alice.wait_sent(10));  // acknowledged = durable at the relay

  relay.kill_hard();
  // While the relay is down Alice keeps writing: the outbox holds these until it is back.
  for (int i = 0; i < 5; ++i) {
    expected.push_back("during outage " + std::to_string(i));
    ASSERT_TRUE(alice.client().send_text(bob.address(), expected.back()).ok());
  }
  relay.restart();
  ASSERT_TRUE(alice.wait_sent(15));

  bob.start();
  ASSERT_TRUE(bob.wait_received(15));
  // Kill again right after delivery: acks may be lost, the relay redelivers, and the
  // application still sees each message once.
  relay.kill_hard();
  relay.restart();
  ASSERT_TRUE(bob.wait_connected(3));  // registration, restart, reconnect after the crash
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(bob.received_texts(), expected);
}

TEST_F(RelayConversation, RelayStoresNoPlaintext) {
  const std::string canary = "CANARY-7f3a-plaintext-must-not-reach-the-relay";
  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  bob.start();
  ASSERT_TRUE(bob.wait_connected());
  bob.stop();
  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  ASSERT_TRUE(alice.client().send_text(bob.address(), canary).ok());
  ASSERT_TRUE(alice.wait_sent(1));

  // Queued at the relay: the database holds the message, but only as ciphertext.
  EXPECT_TRUE(files_containing(relay_dir.path(), canary).empty());
  EXPECT_FALSE(files_containing(relay_dir.path(), "alice").empty()) << "scan sanity: addresses are stored";

  bob.start();
  ASSERT_TRUE(bob.wait_received(1));
  EXPECT_EQ(bob.received_texts(), std::vector<std::string>{canary});
  EXPECT_TRUE(files_containing(relay_dir.path(), canary).empty());
  // The devices' own stores are encrypted at rest too.
  EXPECT_TRUE(files_containing(device_dir.path(), canary).empty());
}

TEST_F(RelayConversation, UnknownRecipientFailsWithTypedError) {
  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  auto id = alice.client().send_text({"nobody", 1}, "hello?");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(alice.wait_for([](const auto& ev) { return TestDevice::count<SendFailed>(ev) >= 1; }));
  auto failed = alice.events_of<SendFailed>();
  EXPECT_EQ(failed[0].id, *id);
  EXPECT_EQ(failed[0].error.code, Errc::unknown_device) << failed[0].error.to_string();
}

TEST_F(RelayConversation, PrekeysAreReplenishedWhenTheRelaySaysLow) {
  TestDevice bob(device_dir, {"bob", 1}, relay.port(), /*initial_prekeys=*/12);
  bob.start();
  ASSERT_TRUE(bob.wait_connected());
  // Each new peer consumes one of Bob's one-time prekeys.
  std::vector<std::unique_ptr<TestDevice>> peers;
  for (int i = 0; i < 4; ++i) {
    peers.push_back(std::make_unique<TestDevice>(device_dir, Address{"peer" + std::to_string(i), 1}, relay.port()));
    peers.back()->start();
    ASSERT_TRUE(peers.back()->wait_connected());
    ASSERT_TRUE(peers.back()->client().send_text(bob.address(), "hi").ok());
  }
  ASSERT_TRUE(bob.wait_received(4));
  ASSERT_TRUE(bob.wait_for([](const auto& ev) { return TestDevice::count<PreKeysReplenished>(ev) >= 1; }));
  EXPECT_GE(bob.events_of<PreKeysReplenished>()[0].count, 1u);
}

TEST_F(RelayConversation, WrongStoreKeyIsAClearError) {
  { TestDevice alice(device_dir, {"alice", 1}, relay.port()); }
  ClientOptions options;
  options.address = {"alice", 1};
  options.store_path = device_dir.file("alice.1.db");
  options.store_key = StoreKey::passphrase("not the passphrase");
  options.relay_port = relay.port();
  auto opened = Client::open(std::move(options));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::store_wrong_key) << opened.error().to_string();
}

}  // namespace
}  // namespace parley::test
