// SPDX-License-Identifier: GPL-3.0-or-later
// A WebSocket client over a raw, non-blocking TCP socket, for abuse tests: it writes masked
// frames of any kind (pings, tiny data frames) as fast as the kernel takes them, without a
// library that would answer, queue or tidy anything, and parses the relay's frames only when
// asked. One object per connection, all on the caller's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "parley/types.hpp"

namespace parley::relay::test {

// A TCP connection to 127.0.0.1:port (blocking connect, then non-blocking); -1 on failure.
int connect_loopback(std::uint16_t port);

class RawWs {
 public:
  // Connects and sends the upgrade request; upgraded() tells whether the 101 came.
  explicit RawWs(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RawWs();
  RawWs(const RawWs&) = delete;
  RawWs& operator=(const RawWs&) = delete;

  bool upgraded() const { return upgraded_; }
  int fd() const { return fd_; }

  // One masked client frame: `opcode` 0x0 continuation, 0x1 text, 0x2 binary, 0x8 close,
  // 0x9 ping; `fin` false leaves the message open for continuation frames.
  static std::string frame(std::uint8_t opcode, const std::string& payload, bool fin = true);
  // Writes as much of `bytes` as the socket takes now; returns the count written, -1 once the
  // connection is broken. A failed write leaves reading possible: the relay's last frames
  // (its close frame) may still be waiting in the socket.
  long write_some(const std::string& bytes);
  // Writes all of `bytes` within `timeout`; false if the socket did not take them.
  bool write_all(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  struct ServerFrame {
    std::uint8_t opcode = 0;
    std::string payload;
  };
  // The next complete frame from the relay; nullopt on timeout or once the connection ended.
  std::optional<ServerFrame> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads and discards until the relay ends the connection; the close code it sent (0 if none)
  // is in close_code(). False if the connection was still open at the timeout.
  bool wait_closed(std::chrono::milliseconds timeout);
  std::uint16_t close_code() const { return close_code_; }
  bool ended() const { return ended_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // reads more; false on timeout/end

  int fd_ = -1;
  bool upgraded_ = false;
  bool ended_ = false;         // the read side ended (EOF or error)
  bool write_failed_ = false;
  std::uint16_t close_code_ = 0;
  std::string in_;  // bytes read and not yet parsed
};

// Resident memory of process `pid` in KiB (VmRSS from /proc/PID/status), 0 if unreadable.
std::uint64_t process_rss_kib(int pid);

}  // namespace parley::relay::test
