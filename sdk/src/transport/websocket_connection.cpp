// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/websocket_connection.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <type_traits>

#include "transport/tls_pin.hpp"

namespace parley::transport {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using TlsLayer = beast::ssl_stream<beast::tcp_stream>;

// One connection over `Layer`: beast::tcp_stream (ws://) or TlsLayer (wss://).
template <class Layer>
class BeastConnection final : public WebSocketConnection,
                              public std::enable_shared_from_this<BeastConnection<Layer>> {
  static constexpr bool kTls = std::is_same_v<Layer, TlsLayer>;

 public:
  BeastConnection(asio::io_context& io, ConnectionOptions options, ConnectionHandlers handlers,
                  std::shared_ptr<ssl::context> tls)
      : resolver_(io), tls_(std::move(tls)), ws_(make_layer(io, tls_)), options_(std::move(options)),
        handlers_(std::move(handlers)) {}

  void start() {
    resolver_.async_resolve(options_.host, std::to_string(options_.port),
                            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
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
      ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {
        self->finish({Errc::closed, "closed by client"});
      });
    } else if (state_ == State::connecting) {
      beast::get_lowest_layer(ws_).cancel();
      resolver_.cancel();
      finish({Errc::closed, "closed by client"});
    }
  }

 private:
  enum class State { connecting, open, closing, closed };

  static Layer make_layer(asio::io_context& io, const std::shared_ptr<ssl::context>& tls) {
    if constexpr (kTls)
      return Layer(io, *tls);
    else
      return Layer(io);
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolve");
    beast::get_lowest_layer(ws_).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code ec, tcp::endpoint) { self->on_connect(ec); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec, "connect");
    if constexpr (kTls) {
      auto& tls = ws_.next_layer();
      // SNI, so a relay behind a name-based proxy presents the right certificate.
      if (!SSL_set_tlsext_host_name(tls.native_handle(), options_.host.c_str()))
        return finish({Errc::not_connected, "tls: cannot set the server name " + options_.host});
      tls.set_verify_mode(ssl::verify_peer);
      tls.set_verify_callback([this](bool preverified, ssl::verify_context& context) {
        if (!ssl::host_name_verification(options_.host)(preverified, context)) return false;
        X509* cert = X509_STORE_CTX_get_current_cert(context.native_handle());
        if (X509_STORE_CTX_get_error_depth(context.native_handle()) != 0 || options_.tls.pin_sha256.empty()) return true;
        pin_mismatch_ = !cert_matches_pin(cert, options_.tls.pin_sha256);
        return !pin_mismatch_;
      });
      tls.async_handshake(ssl::stream_base::client,
                          [self = this->shared_from_this()](beast::error_code ec) { self->on_tls_handshake(ec); });
    } else {
      do_ws_handshake();
    }
  }

  void on_tls_handshake(beast::error_code ec) {
    if (pin_mismatch_)
      return finish({Errc::not_connected, "tls: the relay's certificate does not match the pinned SHA-256"});
    if (ec) return fail(ec, "tls handshake");
    do_ws_handshake();
  }

  void do_ws_handshake() {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.read_message_max(options_.max_frame_bytes);
    ws_.binary(true);
    ws_.async_handshake(options_.host + ":" + std::to_string(options_.port), options_.path,
                        [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec, "handshake");
    state_ = State::open;
    if (handlers_.on_open) handlers_.on_open();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
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
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
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
  std::shared_ptr<ssl::context> tls_;  // declared before ws_: the SSL object needs it
  websocket::stream<Layer> ws_;
  beast::flat_buffer buffer_;
  ConnectionOptions options_;
  ConnectionHandlers handlers_;
  std::deque<Bytes> queue_;
  State state_ = State::connecting;
  bool pin_mismatch_ = false;
};

// The client side of TLS 1.2+: the relay's own settings are stricter still.
Result<std::shared_ptr<ssl::context>> make_client_context(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (options.ca_file.empty())
    context->set_default_verify_paths(ec);
  else
    context->load_verify_file(options.ca_file, ec);
  if (ec)
    return make_error(Errc::invalid_argument, "tls: cannot load trusted roots " +
                                                  (options.ca_file.empty() ? std::string("(system)") : options.ca_file) +
                                                  ": " + ec.message());
  return context;
}

// Reports a failure the way a failed connection would: on_close, once, from the io_context.
class FailedConnection final : public WebSocketConnection {
 public:
  void send(Bytes) override {}
  void close() override {}
};

}  // namespace

std::shared_ptr<WebSocketConnection> WebSocketConnection::open(asio::io_context& io, ConnectionOptions options,
                                                               ConnectionHandlers handlers) {
  if (!options.tls.enabled) {
    auto connection = std::make_shared<BeastConnection<beast::tcp_stream>>(io, std::move(options), std::move(handlers),
                                                                           nullptr);
    connection->start();
    return connection;
  }
  auto context = make_client_context(options.tls);
  if (!context) {
    asio::post(io, [on_close = std::move(handlers.on_close), error = context.error()] {
      if (on_close) on_close(error);
    });
    return std::make_shared<FailedConnection>();
  }
  auto connection =
      std::make_shared<BeastConnection<TlsLayer>>(io, std::move(options), std::move(handlers), std::move(*context));
  connection->start();
  return connection;
}

}  // namespace parley::transport
