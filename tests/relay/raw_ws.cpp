// SPDX-License-Identifier: GPL-3.0-or-later
#include "raw_ws.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace parley::relay::test {

using Clock = std::chrono::steady_clock;

int connect_loopback(std::uint16_t port) {
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
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

RawWs::RawWs(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) {
    ended_ = true;
    return;
  }
  const std::string request =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  const auto deadline = Clock::now() + timeout;
  if (!write_all(request, timeout)) return;
  std::size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline)) return;
  upgraded_ = in_.compare(0, 12, "HTTP/1.1 101") == 0;
  in_.erase(0, end + 4);  // frames (the Challenge) may follow in the same read
}

RawWs::~RawWs() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RawWs::frame(std::uint8_t opcode, const std::string& payload, bool fin) {
  std::string out(1, static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::uint64_t length = payload.size();
  if (length < 126) {
    out.push_back(static_cast<char>(0x80 | length));
  } else if (length <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  const char key[4] = {0x5a, 0x13, 0x7c, 0x21};
  out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

long RawWs::write_some(const std::string& bytes) {
  if (fd_ < 0 || write_failed_) return -1;
  const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  write_failed_ = true;
  return -1;
}

bool RawWs::write_all(const std::string& bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const long n = write_some(bytes.substr(done));
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
    if (done == bytes.size()) break;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, 50);
  }
  return true;
}

bool RawWs::fill(Clock::time_point deadline) {
  if (fd_ < 0 || ended_) return false;
  char buf[16384];
  while (true) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      ended_ = true;
      return false;
    }
    const auto now = Clock::now();
    if (now >= deadline) return false;
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long>(
                      100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1)));
  }
}

std::optional<RawWs::ServerFrame> RawWs::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    // Server frames are unmasked: 2 bytes, then a 16- or 64-bit length if announced.
    if (in_.size() >= 2) {
      const auto b1 = static_cast<std::uint8_t>(in_[1]) & 0x7f;
      std::size_t header = 2;
      std::uint64_t length = b1;
      if (b1 == 126) header = 4;
      if (b1 == 127) header = 10;
      if (in_.size() >= header) {
        if (b1 >= 126) {
          length = 0;
          for (std::size_t i = 2; i < header; ++i) length = (length << 8) | static_cast<std::uint8_t>(in_[i]);
        }
        if (in_.size() >= header + length) {
          ServerFrame out;
          out.opcode = static_cast<std::uint8_t>(in_[0]) & 0x0f;
          out.payload = in_.substr(header, length);
          in_.erase(0, header + length);
          if (out.opcode == 0x8 && out.payload.size() >= 2)
            close_code_ = static_cast<std::uint16_t>((static_cast<std::uint8_t>(out.payload[0]) << 8) |
                                                     static_cast<std::uint8_t>(out.payload[1]));
          return out;
        }
      }
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

bool RawWs::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!ended_ && Clock::now() < deadline) {
    if (!read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) continue;
  }
  return ended_;
}

std::uint64_t process_rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

}  // namespace parley::relay::test
