// SPDX-License-Identifier: GPL-3.0-or-later
// The embedded relay (SQLite) killed with SIGKILL twenty times at seeded random moments while
// two devices keep writing to each other: every message arrives, exactly once, in the order
// it was written. Real relay process, real sockets, real SQLCipher stores.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"

namespace parley::test {
namespace {

constexpr int kKills = 20;

TEST(RelayKillSoak, TwentyHardKillsWhileBothDevicesSendLoseNothingAndDuplicateNothing) {
  TempDir relay_dir;
  TempDir device_dir;
  RelayProcess relay{relay_dir.path().string()};
  relay.start();
  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  alice.start();
  bob.start();
  ASSERT_TRUE(alice.wait_connected());
  ASSERT_TRUE(bob.wait_connected());

  std::mt19937 random(20261208);  // seeded: a failure replays
  std::vector<std::string> to_bob;
  std::vector<std::string> to_alice;
  auto write = [&](const std::string& tag, int count) {
    for (int i = 0; i < count; ++i) {
      to_bob.push_back("a " + tag + " " + std::to_string(i));
      ASSERT_TRUE(alice.client().send_text(bob.address(), to_bob.back()).ok());
      to_alice.push_back("b " + tag + " " + std::to_string(i));
      ASSERT_TRUE(bob.client().send_text(alice.address(), to_alice.back()).ok());
    }
  };
  for (int kill = 0; kill < kKills; ++kill) {
    // A burst, then the crash somewhere inside its upload, its storage or its delivery.
    write("burst " + std::to_string(kill), 3 + static_cast<int>(random() % 6));
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 40));
    relay.kill_hard();
    write("outage " + std::to_string(kill), 1 + static_cast<int>(random() % 2));  // into the outboxes
    relay.restart();
  }

  ASSERT_TRUE(bob.wait_received(to_bob.size(), std::chrono::seconds(90)))
      << bob.received_texts().size() << " of " << to_bob.size();
  ASSERT_TRUE(alice.wait_received(to_alice.size(), std::chrono::seconds(90)))
      << alice.received_texts().size() << " of " << to_alice.size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a late duplicate would show now
  EXPECT_EQ(bob.received_texts(), to_bob);
  EXPECT_EQ(alice.received_texts(), to_alice);
  EXPECT_TRUE(alice.events_of<DecryptFailed>().empty());
  EXPECT_TRUE(bob.events_of<DecryptFailed>().empty());
  EXPECT_TRUE(alice.events_of<SendFailed>().empty());
  EXPECT_TRUE(bob.events_of<SendFailed>().empty());
}

}  // namespace
}  // namespace parley::test
