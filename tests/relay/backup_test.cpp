// SPDX-License-Identifier: GPL-3.0-or-later
// `parley-relay admin backup` against a running relay while a device keeps sending, then the
// documented restore (the backup file becomes DATA/relay.db of a fresh relay): every message
// acknowledged before the backup began is in the restored relay, with the same database key.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::RelayProcess;
using parley::test::run_relay_command;
using parley::test::TempDir;

MessageId numbered(std::uint32_t n, std::uint8_t tag) {
  MessageId id{};
  for (int i = 0; i < 4; ++i) id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  id.bytes[15] = tag;
  return id;
}

// Message ids bob receives on `port`, acking none (so a second look sees the same).
std::vector<MessageId> mailbox_of(std::uint16_t port, const TestDevice& bob) {
  auto client = connect_authenticated(port, bob);
  std::vector<MessageId> got;
  while (auto frame = client->read(std::chrono::milliseconds(700))) {
    if (frame->type() != wire::RelayBody::Deliver) continue;
    const auto* deliver = frame->frame->body_as_Deliver();
    got.push_back(*wire::to_message_id(deliver->message_id()));
    client->send(ack_frame({deliver->delivery_id()}));
  }
  return got;
}

TEST(RelayBackup, OnlineBackupWhileADeviceSendsRestoresIntoAFreshRelay) {
  constexpr std::uint32_t kBefore = 40;
  TempDir dir;
  const std::string key_file = dir.file("db.key");
  {
    std::ofstream key(key_file, std::ios::binary);
    for (int i = 0; i < 32; ++i) key.put(static_cast<char>(i * 7 + 1));
  }
  const std::string data = dir.file("relay");
  RelayProcess relay(data, {"--db-key-file", key_file});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto carol = TestDevice::make("carol", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  connect_registered(relay.port(), bob).reset();
  auto a = connect_registered(relay.port(), alice);
  for (std::uint32_t n = 1; n <= kBefore; ++n) {
    a->send(send_frame(numbered(n, 'a'), {bob.address}, Bytes(2048, static_cast<std::uint8_t>(n))));
    ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck)) << n;
  }

  // carol sends without pause during the backup; what was acknowledged before it began must
  // be in the copy, later sends may or may not be.
  std::atomic<bool> stop{false};
  std::atomic<std::uint32_t> carol_acked{0};
  std::thread sender([&] {
    auto c = connect_registered(relay.port(), carol);
    for (std::uint32_t n = 1; n < 5000 && !stop; ++n) {
      c->send(send_frame(numbered(n, 'c'), {bob.address}, Bytes(1024, 0x42)));
      if (!c->read_until(wire::RelayBody::SendAck)) break;
      carol_acked = n;
    }
  });
  while (carol_acked < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::uint32_t carol_before = carol_acked;
  const std::string backup = dir.file("relay-backup.db");
  auto run = run_relay_command("admin backup " + backup + " --data " + data + " --db-key-file " + key_file);
  const std::uint32_t carol_during = carol_acked;
  stop = true;
  sender.join();
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("integrity ok"), std::string::npos) << run.output;
  EXPECT_GT(carol_during, carol_before) << "carol's sends went on during the backup";
  // A backup never overwrites a file.
  EXPECT_EQ(run_relay_command("admin backup " + backup + " --data " + data + " --db-key-file " + key_file).status, 2);

  // Restore as docs/operations.md says: the file becomes relay.db of a (here: new) data folder.
  const std::string restored = dir.file("restored");
  std::filesystem::create_directories(restored);
  std::filesystem::copy_file(backup, restored + "/relay.db");
  RelayProcess second(restored, {"--db-key-file", key_file});
  second.start();
  const auto got = mailbox_of(second.port(), bob);
  std::vector<MessageId> from_alice, from_carol;
  for (const auto& id : got) (id.bytes[15] == 'a' ? from_alice : from_carol).push_back(id);
  ASSERT_EQ(from_alice.size(), kBefore);
  for (std::uint32_t n = 1; n <= kBefore; ++n) EXPECT_EQ(from_alice[n - 1], numbered(n, 'a'));
  ASSERT_GE(from_carol.size(), carol_before);
  for (std::uint32_t n = 1; n <= from_carol.size(); ++n) EXPECT_EQ(from_carol[n - 1], numbered(n, 'c'));
  // The device keys came along: alice authenticates on the restored relay.
  EXPECT_TRUE(connect_authenticated(second.port(), alice));
}

}  // namespace
}  // namespace parley::relay::test
