// SPDX-License-Identifier: GPL-3.0-or-later
// Slow and stalled clients on a real relay: slowloris sockets that trickle an HTTP request a
// byte at a time are closed at the request deadline (a trickle does not extend it), while a
// real client connects, registers and is served; and devices that authenticate and then never
// read are disconnected at the idle deadline while the relay's memory stays bounded.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/relay_process.hpp"
#include "raw_ws.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;

// True if the relay has ended the connection (EOF or reset) — nothing is ever sent to these.
bool ended(int fd) {
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

TEST(RelaySlowClients, SlowlorisSocketsAreClosedAtTheRequestDeadlineAndARealClientIsServed) {
  constexpr int kSockets = 200;
  TempDir data;
  RelayProcess relay(data.path().string(), {"--http-read-timeout-s", "2", "--max-connections-per-ip", "1000"});
  relay.start();

  // Each socket starts a WebSocket upgrade and then sends one more header byte every 200 ms:
  // always active, never complete.
  const std::string trickle = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nX-Slow: "
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  std::vector<int> sockets;
  for (int i = 0; i < kSockets; ++i) {
    const int fd = connect_loopback(relay.port());
    ASSERT_GE(fd, 0) << "connect #" << i;
    sockets.push_back(fd);
  }
  const auto started = Clock::now();
  std::vector<bool> closed(sockets.size(), false);
  int open = kSockets;
  std::size_t sent = 0;
  bool client_served = false;
  auto alice = TestDevice::make("alice", 1, 2);
  // Bounded: a relay that never closes them fails after 20 s.
  while (open > 0 && Clock::now() - started < std::chrono::seconds(20)) {
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (closed[i]) continue;
      if (ended(sockets[i]) ||
          (sent < trickle.size() && ::send(sockets[i], &trickle[sent], 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
           errno != EAGAIN)) {
        closed[i] = true;
        --open;
      }
    }
    ++sent;
    if (!client_served) {
      // Halfway through the trickle a real device connects and is served.
      auto client = connect_registered(relay.port(), alice);
      client->send(fetch_frame(1, alice.address));
      client_served = client->read_until(wire::RelayBody::Bundle).has_value();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(client_served);
  // The trickle goes on for all 20 s: had it extended the 2 s deadline, sockets would be open.
  EXPECT_EQ(open, 0) << open << " slowloris sockets still open after 20 s";
  for (int fd : sockets) ::close(fd);
  EXPECT_TRUE(relay.running());
}

// Resident memory of process `pid` in KiB (VmRSS), 0 if unreadable.
std::uint64_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

int authenticated_connections(std::uint16_t port) {
  std::string metrics;
  if (http_get_status(port, "/metrics", &metrics) != 200) return -1;
  const std::string key = "parley_relay_connections{state=\"websocket_authenticated\"} ";
  const auto at = metrics.find(key);
  return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + key.size()));
}

TEST(RelaySlowClients, ReadersThatNeverReadAreDisconnectedAndMemoryStaysBounded) {
  constexpr int kReaders = 3;
  constexpr std::uint32_t kMessages = 320;
  constexpr std::size_t kPayload = 256 * 1024;  // 80 MiB of mail for each reader
  TempDir data;
  RelayProcess relay(data.path().string(), {"--ws-idle-timeout-s", "2"});
  relay.start();
  std::vector<TestDevice> readers;
  std::vector<Address> addresses;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(TestDevice::make("reader" + std::to_string(i), 1, 2));
    addresses.push_back(readers.back().address);
    connect_registered(relay.port(), readers.back()).reset();
  }
  {
    auto alice = TestDevice::make("alice", 1, 2);
    auto a = connect_registered(relay.port(), alice);
    for (std::uint32_t n = 1; n <= kMessages; ++n) {
      MessageId id{};
      id.bytes[0] = static_cast<std::uint8_t>(n);
      id.bytes[1] = static_cast<std::uint8_t>(n >> 8);
      a->send(send_frame(id, addresses, Bytes(kPayload, static_cast<std::uint8_t>(n))));
      ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck)) << n;
    }
  }
  // Baseline after the mail went through the relay once (its buffers have grown to that size).
  const std::uint64_t before = rss_kib(relay.pid());
  ASSERT_GT(before, 0u);

  // Each reader authenticates, and from then on reads nothing: the relay may push only its
  // delivery window (64 frames / 4 MiB) and must not load the rest of the 80 MiB.
  std::vector<std::unique_ptr<WsClient>> stalled;
  for (const auto& reader : readers) stalled.push_back(connect_authenticated(relay.port(), reader));
  std::uint64_t peak = before;
  int open = kReaders;
  const auto started = Clock::now();
  while (Clock::now() - started < std::chrono::seconds(30)) {
    peak = std::max(peak, rss_kib(relay.pid()));
    open = authenticated_connections(relay.port());
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The figure for the record (not a speed: a size).
  std::printf("relay RSS %llu KiB before, peak %llu KiB with %d stalled readers\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(peak), kReaders);
  // Unanswered pings end them at the idle deadline (2 s), and nothing else grows.
  EXPECT_EQ(open, 0) << "readers that never read are still connected after 30 s";
  EXPECT_LT(peak - before, std::uint64_t{64} * 1024)
      << "relay RSS grew from " << before << " KiB to " << peak << " KiB with " << kReaders
      << " stalled readers (80 MiB of mail each)";
  // The relay serves others, and a reader that reads gets its mail (from the oldest unacked).
  auto reader = connect_authenticated(relay.port(), readers[0]);
  auto first = reader->read_until(wire::RelayBody::Deliver);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->frame->body_as_Deliver()->message_id()->Get(0), 1);
  EXPECT_TRUE(relay.running());
}

}  // namespace
}  // namespace parley::relay::test
