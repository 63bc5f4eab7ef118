// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/websocket_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::transport {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class BeastConnection final : public WebSocketConnection, public std::enable_shared_from_this<BeastConnection> {
 public:
  BeastConnection(asio::io_context& io, ConnectionOptions options, ConnectionHandlers handlers)
      : resolver_(io), ws_(io), options_(std::move(options)), handlers_(std::move(handlers)) {}

  void start() {
    resolver_.async_resolve(options_.host, std::to_string(options_.port),
                            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
  }

  void send(Bytes frame) override {
    if (state_ != State::open) return;
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) do_write();
  }

  void close() override {
    if (state_ == State::open) {
      state_ = State::closing;
      ws_.async_close(websocket::close_code::normal,
                      [self = shared_from_this()](beast::error_code) { self->finish({Errc::closed, "closed by client"}); });
    } else if (state_ == State::connecting) {
      beast::get_lowest_layer(ws_).cancel();
      resolver_.cancel();
      finish({Errc::closed, "closed by client"});
    }
  }

 private:
  enum class State { connecting, open, closing, closed };

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolve");
    beast::get_lowest_layer(ws_).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = shared_from_this()](beast::error_code ec, tcp::endpoint) { self->on_connect(ec); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connect");
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.read_message_max(options_.max_frame_bytes);
    ws_.binary(true);
    ws_.async_handshake(options_.host + ":" + std::to_string(options_.port), options_.path,
                        [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "handshake");
    state_ = State::open;
    if (handlers_.on_open) handlers_.on_open();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec, "read");
    if (!ws_.got_binary()) {
      return finish({Errc::protocol_violation, "relay sent a text frame"});
    }
    auto data = buffer_.cdata();
    Bytes frame(static_cast<const std::uint8_t*>(data.data()), static_cast<const std::uint8_t*>(data.data()) + data.size());
    buffer_.consume(buffer_.size());
    if (handlers_.on_frame) handlers_.on_frame(std::move(frame));
    if (state_ == State::open) do_read();
  }

  void do_write() {
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail(ec, "write");
    if (queue_.empty()) return;  // finished while the write was in flight
    queue_.pop_front();
    if (!queue_.empty() && state_ == State::open) do_write();
  }

  void fail(beast::error_code ec, const char* what) {
    if (ec == asio::error::operation_aborted && state_ == State::closed) return;
    Errc code = ec == beast::error::timeout ? Errc::timeout : Errc::not_connected;
    std::string reason = ec == websocket::error::closed && ws_.reason().reason.size()
                             ? std::string(ws_.reason().reason.data(), ws_.reason().reason.size())
                             : ec.message();
    finish({code, std::string(what) + ": " + reason});
  }

  void finish(Error reason) {
    if (state_ == State::closed) return;
    state_ = State::closed;
    queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (handlers_.on_close) handlers_.on_close(reason);
  }

  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  ConnectionOptions options_;
  ConnectionHandlers handlers_;
  std::deque<Bytes> queue_;
  State state_ = State::connecting;
};

}  // namespace

std::shared_ptr<WebSocketConnection> WebSocketConnection::open(asio::io_context& io, ConnectionOptions options,
                                                               ConnectionHandlers handlers) {
  auto connection = std::make_shared<BeastConnection>(io, std::move(options), std::move(handlers));
  connection->start();
  return connection;
}

}  // namespace parley::transport
