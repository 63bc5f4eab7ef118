// SPDX-License-Identifier: GPL-3.0-or-later
// Slow and stalled clients on a real relay: slowloris sockets that trickle an HTTP request a
// byte at a time are closed at the request deadline (a trickle does not extend it), while a
// real client connects, registers and is served.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

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
    const int fd = connect_to(relay.port());
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

}  // namespace
}  // namespace parley::relay::test
