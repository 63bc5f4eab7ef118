// SPDX-License-Identifier: GPL-3.0-or-later
// The byte stream under one relay connection: plain TCP, or TLS over TCP. The HTTP session
// owns it first and hands it to the WebSocket session on upgrade; the sessions call the few
// operations they need through these helpers, so one session class serves both.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <memory>
#include <utility>
#include <variant>

#include "connection_limits.hpp"
#include "metered_stream.hpp"

namespace parley::relay {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct Transport {
  // An accepted socket, wrapped in TLS when `tls` is set; `slot` is its place under the caps.
  Transport(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<boost::asio::ssl::context> tls,
            ConnectionSlot connection_slot)
      : slot(std::move(connection_slot)), tls_context(std::move(tls)), stream(make(std::move(socket), tls_context)) {}

  bool is_tls() const { return std::holds_alternative<TlsStream>(stream); }
  PlainStream& tcp() {
    return std::visit([](auto& s) -> PlainStream& { return boost::beast::get_lowest_layer(s); }, stream);
  }

  ConnectionSlot slot;  // given back after the stream is gone
  // The SSL objects refer to their context: declared before the stream, it outlives it
  // whatever reloads happen meanwhile.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::variant<PlainStream, TlsStream> stream;

 private:
  static std::variant<PlainStream, TlsStream> make(boost::asio::ip::tcp::socket&& socket,
                                                   const std::shared_ptr<boost::asio::ssl::context>& tls) {
    if (tls) return std::variant<PlainStream, TlsStream>(std::in_place_type<TlsStream>, std::move(socket), *tls);
    return std::variant<PlainStream, TlsStream>(std::in_place_type<PlainStream>, std::move(socket));
  }
};

// A WebSocket over either kind of transport, with the operations WebsocketSession uses. A
// MeteredStream sits between the two so the session sees every frame header (frame_meter.hpp).
class WsStream {
 public:
  using Plain = boost::beast::websocket::stream<MeteredStream<PlainStream>>;
  using Tls = boost::beast::websocket::stream<MeteredStream<TlsStream>>;

  explicit WsStream(Transport&& transport)
      : slot_(std::move(transport.slot)),
        tls_context_(std::move(transport.tls_context)),
        ws_(make(std::move(transport.stream))) {}

  boost::asio::any_io_executor get_executor() {
    return std::visit([](auto& ws) { return boost::asio::any_io_executor(ws.get_executor()); }, ws_);
  }
  PlainStream& tcp() {
    return std::visit([](auto& ws) -> PlainStream& { return boost::beast::get_lowest_layer(ws); }, ws_);
  }
  template <class Option>
  void set_option(Option&& option) {
    std::visit([&](auto& ws) { ws.set_option(std::forward<Option>(option)); }, ws_);
  }
  // `observer` sees each chunk of plaintext read from the client before Beast parses it.
  void observe(std::function<void(parley::ByteView)> observer) {
    std::visit([&](auto& ws) { ws.next_layer().observe(std::move(observer)); }, ws_);
  }
  void read_message_max(std::size_t bytes) {
    std::visit([&](auto& ws) { ws.read_message_max(bytes); }, ws_);
  }
  void binary(bool on) {
    std::visit([&](auto& ws) { ws.binary(on); }, ws_);
  }
  bool got_binary() const {
    return std::visit([](const auto& ws) { return ws.got_binary(); }, ws_);
  }
  template <class Request, class Handler>
  void async_accept(const Request& request, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_accept(request, std::forward<Handler>(handler)); }, ws_);
  }
  template <class Buffer, class Handler>
  void async_read(Buffer& buffer, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_read(buffer, std::forward<Handler>(handler)); }, ws_);
  }
  template <class Buffers, class Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_write(buffers, std::forward<Handler>(handler)); }, ws_);
  }
  template <class Handler>
  void async_close(const boost::beast::websocket::close_reason& reason, Handler&& handler) {
    std::visit([&](auto& ws) { ws.async_close(reason, std::forward<Handler>(handler)); }, ws_);
  }

 private:
  static std::variant<Plain, Tls> make(std::variant<PlainStream, TlsStream>&& stream) {
    if (auto* tls = std::get_if<TlsStream>(&stream)) return std::variant<Plain, Tls>(std::in_place_type<Tls>, std::move(*tls));
    return std::variant<Plain, Tls>(std::in_place_type<Plain>, std::move(std::get<PlainStream>(stream)));
  }

  ConnectionSlot slot_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // outlives ws_
  std::variant<Plain, Tls> ws_;
};

}  // namespace parley::relay
