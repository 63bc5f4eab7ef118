// SPDX-License-Identifier: GPL-3.0-or-later
// One WebSocket connection from a device to the relay (Boost.Beast, binary frames).
// Runs on a single-threaded io_context owned by the caller: no strands needed, and the
// callbacks run on that thread. Exactly one write is in flight; the rest wait in a queue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::transport {

struct ConnectionHandlers {
  std::function<void()> on_open;                // handshake done
  std::function<void(Bytes)> on_frame;          // one binary message
  std::function<void(const Error&)> on_close;   // called exactly once, after any failure or close()
};

// wss://: the relay's certificate must chain to a trusted root and name `host`.
struct TlsOptions {
  bool enabled = false;
  std::string ca_file;     // PEM roots to trust; empty: the system's default roots
  std::string pin_sha256;  // optional: 32-byte SHA-256 of the relay's certificate (DER); others are refused
};

struct ConnectionOptions {
  std::string host;
  std::uint16_t port = 0;
  std::string path = "/";
  TlsOptions tls;
  std::size_t max_frame_bytes = 1024 * 1024;
  std::chrono::seconds connect_timeout{10};
};

class WebSocketConnection {
 public:
  // Starts resolving and connecting at once.
  static std::shared_ptr<WebSocketConnection> open(boost::asio::io_context& io, ConnectionOptions options,
                                                   ConnectionHandlers handlers);
  virtual ~WebSocketConnection() = default;

  virtual void send(Bytes frame) = 0;  // dropped silently once closed
  virtual void close() = 0;            // graceful close; on_close follows
};

}  // namespace parley::transport
