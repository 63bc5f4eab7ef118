// SPDX-License-Identifier: GPL-3.0-or-later
// A connection flood against a real relay: 1,000 sockets opened at once, each asking for a
// WebSocket upgrade, against a global cap of 256. The relay admits at most the cap, closes the
// rest at once, stays up with bounded memory, and a real device gets in once the flood ends.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "raw_ws.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using namespace std::chrono_literals;
using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;

constexpr int kSockets = 1000;
constexpr int kCap = 256;
constexpr std::uint64_t kRssHeadroomKib = 64 * 1024;  // generous: the point is that it is bounded

// What became of one flood socket.
enum class Fate { pending, upgraded, refused };

TEST(RelayFloods, ConnectionFloodBeyondTheCapLeavesTheRelayUpAndARealClientGetsInAfterwards) {
  TempDir dir;
  // Only the global cap applies (all sockets come from 127.0.0.1); the auth deadline is longer
  // than the test, so admitted sockets hold their places until the test closes them.
  RelayProcess relay(dir.file("relay"), {"--max-connections", std::to_string(kCap), "--max-connections-per-ip",
                                         "100000", "--auth-timeout-s", "60"});
  relay.start();
  const std::uint64_t baseline = process_rss_kib(relay.pid());
  ASSERT_GT(baseline, 0u);

  // All sockets first, then all upgrade requests: the relay sees them at once.
  const std::string upgrade =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  std::vector<int> fds;
  int connect_failed = 0;
  for (int i = 0; i < kSockets; ++i) {
    const int fd = connect_loopback(relay.port());
    if (fd < 0)
      ++connect_failed;  // the kernel's accept queue was full: refused too, only earlier
    else
      fds.push_back(fd);
  }
  for (int fd : fds) (void)::send(fd, upgrade.data(), upgrade.size(), MSG_NOSIGNAL | MSG_DONTWAIT);

  // Each socket ends up upgraded (101) or closed by the relay; bounded wait.
  std::vector<Fate> fate(fds.size(), Fate::pending);
  std::vector<std::string> in(fds.size());
  std::uint64_t peak = baseline;
  std::size_t pending = fds.size();
  const auto deadline = Clock::now() + 20s;
  while (pending > 0 && Clock::now() < deadline) {
    std::vector<pollfd> polls;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fate[i] == Fate::pending) {
        polls.push_back({fds[i], POLLIN, 0});
        index.push_back(i);
      }
    peak = std::max(peak, process_rss_kib(relay.pid()));
    if (::poll(polls.data(), polls.size(), 100) <= 0) continue;
    for (std::size_t k = 0; k < polls.size(); ++k) {
      if (polls[k].revents == 0) continue;
      const std::size_t i = index[k];
      char buf[1024];
      const ssize_t n = ::recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) in[i].append(buf, static_cast<std::size_t>(n));
      if (in[i].find("\r\n\r\n") != std::string::npos) {
        fate[i] = in[i].compare(0, 12, "HTTP/1.1 101") == 0 ? Fate::upgraded : Fate::refused;
        --pending;
      } else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        fate[i] = Fate::refused;
        --pending;
      }
    }
  }
  peak = std::max(peak, process_rss_kib(relay.pid()));
  int upgraded = 0, refused = connect_failed;
  for (Fate f : fate) {
    upgraded += f == Fate::upgraded;
    refused += f == Fate::refused;
  }
  std::printf("[connection flood] %d sockets: %d upgraded, %d refused (%d at connect), %zu undecided; relay RSS "
              "baseline %llu KiB, peak %llu KiB (+%lld KiB)\n",
              kSockets, upgraded, refused, connect_failed, pending, static_cast<unsigned long long>(baseline),
              static_cast<unsigned long long>(peak), static_cast<long long>(peak) - static_cast<long long>(baseline));
  RecordProperty("baseline_rss_kib", static_cast<int>(baseline));
  RecordProperty("peak_rss_kib", static_cast<int>(peak));

  EXPECT_EQ(pending, 0u) << pending << " sockets neither upgraded nor closed within 20 s";
  EXPECT_LE(upgraded, kCap) << "more connections admitted than --max-connections";
  EXPECT_GE(refused, kSockets - kCap) << "sockets over the cap were not all closed";
  EXPECT_LE(peak, baseline + kRssHeadroomKib)
      << "relay RSS grew from " << baseline << " KiB to " << peak << " KiB under the connection flood";
  ASSERT_TRUE(relay.alive()) << "the relay died under the connection flood";

  // The flood ends; its places are given back as the relay sees the sockets close, so a real
  // device gets in within a bounded number of attempts.
  for (int fd : fds) ::close(fd);
  const auto dave = TestDevice::make("dave", 1, 2);
  std::unique_ptr<WsClient> client;
  std::string last_error;
  for (const auto until = Clock::now() + 10s; !client && Clock::now() < until;) {
    try {
      client = connect_registered(relay.port(), dave);
    } catch (const std::exception& e) {
      last_error = e.what();
      std::this_thread::sleep_for(50ms);
    }
  }
  ASSERT_TRUE(client) << "no real client got in after the flood: " << last_error;
  client->send(fetch_frame(2, dave.address));
  EXPECT_TRUE(client->read_until(wire::RelayBody::Bundle)) << "the real client was not served";
  EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 200);
}

}  // namespace
}  // namespace parley::relay::test
