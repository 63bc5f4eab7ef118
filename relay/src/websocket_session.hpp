// SPDX-License-Identifier: GPL-3.0-or-later
// One device connection: the relay protocol over a WebSocket (binary messages only). The
// protocol rules live in RelayCore (relay_core.hpp); this class moves its frames, runs its
// storage jobs on the storage worker, arms its deadline and closes when it says so.
//
// Everything runs on the connection's strand. Exactly one async_write is in flight, with a
// queue in front bounded in frames and bytes; a consumer that lets it overflow is closed
// ("client is not reading"). Reads pause while the queue is above half its bounds or too
// many storage jobs are outstanding, so a fast sender is slowed by TCP instead of growing
// memory. Deliveries have their own window (count and bytes) refilled by acks, kept by the core.
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "frame_meter.hpp"
#include "relay_core.hpp"
#include "shared_state.hpp"
#include "storage.hpp"
#include "transport.hpp"
#include "wire/frames.hpp"

namespace parley::relay {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

class WebsocketSession : public std::enable_shared_from_this<WebsocketSession> {
 public:
  WebsocketSession(Transport&& transport, std::shared_ptr<SharedState> state, std::uint64_t id, std::string peer);
  ~WebsocketSession();
  WebsocketSession(const WebsocketSession&) = delete;
  WebsocketSession& operator=(const WebsocketSession&) = delete;

  // Completes the upgrade `request` (already read by the HTTP session) and starts the protocol.
  void run(http::request<http::string_body> request);

  // Thread-safe; each posts to the connection's strand.
  void wake();                                       // the mailbox may have new messages
  void notify_prekeys_low(std::uint32_t remaining);  // push PreKeysLow
  // The relay is stopping: read no more requests, let the storage jobs already started finish
  // and their answers go out, then close with 1001 going away.
  void shutdown();
  void replaced();                                   // a newer connection took this address

 private:
  void do_accept(http::request<http::string_body> request);
  void on_accept(beast::error_code ec);
  void maybe_read();
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);

  // Bytes read from the client, before Beast parses them: counts pings, pongs and tiny
  // fragments for the core's frame budgets.
  void on_wire_bytes(ByteView bytes);

  // Carries out what the core asked for: frames out, storage jobs, wakes, a fatal close.
  void apply(Actions actions);
  // Runs `job` on the storage worker and hands its result back to the core on the strand.
  void submit(StorageJob job);
  void arm_auth_deadline();

  void send(Bytes frame);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void begin_close(websocket::close_code code, std::string reason);
  void do_close();
  void on_close(beast::error_code ec);
  void mark_dead();  // the transport failed or closed
  void go_offline();
  void start_drain();
  void finish_drain();  // closes once nothing is left in flight
  void set_end_reason(std::string reason);
  bool authenticated() const { return core_.auth() == RelayCore::Auth::authenticated; }

  WsStream ws_;
  const net::any_io_executor strand_;
  std::shared_ptr<SharedState> state_;
  const RelayConfig& config_;
  const std::uint64_t id_;
  const std::string peer_;
  const std::string ip_;  // the peer's address without port: the key of per-IP rate limits
  net::steady_timer close_timer_;
  net::steady_timer auth_timer_;  // the pre-authentication deadline
  beast::flat_buffer buffer_;

  // connection state
  bool accepted_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;       // no new requests are handled
  bool close_started_ = false; // async_close issued
  bool dead_ = false;          // the transport failed or closed
  bool draining_ = false;      // the relay is stopping: no new reads or deliveries
  websocket::close_reason close_reason_;
  std::string end_reason_;

  // write queue (front is the frame being written while writing_)
  std::deque<Bytes> queue_;
  std::size_t queue_bytes_ = 0;
  std::uint32_t pending_jobs_ = 0;

  // The protocol rules of this connection (sans-IO): the session only moves bytes for it.
  RelayCore core_;
  FrameMeter meter_;
};

}  // namespace parley::relay
