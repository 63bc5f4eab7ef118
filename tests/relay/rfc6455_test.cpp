// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 6455 violations over raw sockets against a real relay: each one ends only its own
// connection, and the relay keeps serving others. Frames are hand-built, so nothing in a
// client library can tidy them up first.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;

// A raw TCP connection that has completed the WebSocket upgrade.
class RawWebSocket {
 public:
  explicit RawWebSocket(std::uint16_t port, bool send_key = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    std::string request =
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n";
    if (send_key) request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    request += "\r\n";
    write(request);
    // The response head; the relay's Challenge frame may follow in the same read.
    std::string head;
    char buf[1024];
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (head.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    status_ = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  }
  ~RawWebSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  int status() const { return status_; }
  void write(const std::string& bytes) { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  // A client frame: FIN/RSV/opcode byte, then the length (7-bit, 16-bit or 64-bit form), then
  // the mask key and the masked payload (unless `masked` is false).
  void frame(std::uint8_t first, const std::string& payload, bool masked = true,
             std::uint64_t declared = UINT64_MAX) {
    const std::uint64_t length = declared == UINT64_MAX ? payload.size() : declared;
    std::string out(1, static_cast<char>(first));
    const std::uint8_t mask_bit = masked ? 0x80 : 0;
    if (length < 126) {
      out.push_back(static_cast<char>(mask_bit | length));
    } else if (length <= 0xffff) {
      out.push_back(static_cast<char>(mask_bit | 126));
      out.push_back(static_cast<char>(length >> 8));
      out.push_back(static_cast<char>(length & 0xff));
    } else {
      out.push_back(static_cast<char>(mask_bit | 127));
      for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xff));
    }
    const char key[4] = {0x11, 0x22, 0x33, 0x44};
    if (masked) out.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
    write(out);
  }

  // True once the relay has closed the connection (EOF or reset) within `timeout`.
  bool closed_by_relay(std::chrono::seconds timeout = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    char buf[4096];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
  int status_ = 0;
};

class Rfc6455 : public ::testing::Test {
 protected:
  void SetUp() override { relay.start(); }
  void TearDown() override {
    // Whatever the previous connection did, the relay still answers and registers devices.
    EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 200);
    auto device = TestDevice::make("after" + std::to_string(++devices_), 1, 1);
    EXPECT_TRUE(connect_registered(relay.port(), device));
    EXPECT_TRUE(relay.running());
  }
  TempDir data;
  RelayProcess relay{data.path().string()};
  int devices_ = 0;
};

TEST_F(Rfc6455, UnmaskedClientFrame) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x82, "abc", false);
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, ReservedBitsAndOpcodes) {
  RawWebSocket rsv(relay.port());
  ASSERT_EQ(rsv.status(), 101);
  rsv.frame(0x82 | 0x40, "abc");  // RSV1 without an extension
  EXPECT_TRUE(rsv.closed_by_relay());
  RawWebSocket opcode(relay.port());
  ASSERT_EQ(opcode.status(), 101);
  opcode.frame(0x83, "abc");  // reserved data opcode 3
  EXPECT_TRUE(opcode.closed_by_relay());
  RawWebSocket control(relay.port());
  ASSERT_EQ(control.status(), 101);
  control.frame(0x8b, "");  // reserved control opcode 0xB
  EXPECT_TRUE(control.closed_by_relay());
}

TEST_F(Rfc6455, FragmentedControlFrame) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x09, "ping");  // a ping without FIN
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, HugeDeclaredLengthIsRefusedWithoutWaitingForIt) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x82, "", true, std::uint64_t{1} << 62);
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, OversizedControlFrame) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x89, std::string(200, 'p'));  // control payloads are at most 125 bytes
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, BadCloseCode) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x88, std::string("\x03\xe7", 2));  // 999 is not a valid close code
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, InvalidUtf8InATextFrame) {
  RawWebSocket ws(relay.port());
  ASSERT_EQ(ws.status(), 101);
  ws.frame(0x81, std::string("\xc3\x28", 2));
  EXPECT_TRUE(ws.closed_by_relay());
}

TEST_F(Rfc6455, UpgradeWithoutAKeyIsRefused) {
  RawWebSocket ws(relay.port(), false);
  EXPECT_NE(ws.status(), 101);
  EXPECT_TRUE(ws.closed_by_relay());
}

}  // namespace
}  // namespace parley::relay::test
