// SPDX-License-Identifier: GPL-3.0-or-later
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "metrics.hpp"
#include "static_files.hpp"
#include "websocket_session.hpp"

namespace parley::relay {

namespace {

// Nothing legitimate sends more than a small request to the relay over plain HTTP.
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 8 * 1024;

std::string endpoint_text(const tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<SharedState> state, ConnectionSlot slot)
    : transport_(std::move(socket), state->tls_context(), std::move(slot)),
      state_(std::move(state)),
      peer_(endpoint_text(transport_.tcp().socket())) {
  metrics().connection_enter(Metrics::ConnState::http);
}

HttpSession::~HttpSession() { metrics().connection_leave(Metrics::ConnState::http); }

void HttpSession::run() {
  net::dispatch(transport_.tcp().get_executor(), [self = shared_from_this()] {
    auto* tls = std::get_if<TlsStream>(&self->transport_.stream);
    if (!tls) {
      self->do_read();
      return;
    }
    // The handshake shares the request deadline: a silent client cannot hold the socket.
    self->transport_.tcp().expires_after(self->state_->config().http_read_timeout);
    tls->async_handshake(net::ssl::stream_base::server,
                         beast::bind_front_handler(&HttpSession::on_handshake, self));
  });
}

void HttpSession::on_handshake(beast::error_code ec) {
  if (ec) {
    // Not TLS, an old protocol version, no common cipher, a client that refused our
    // certificate, or too slow: drop it.
    metrics().tls_handshake_failed();
    return;
  }
  do_read();
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxBodyBytes);
  transport_.tcp().expires_after(state_->config().http_read_timeout);
  std::visit(
      [&](auto& stream) {
        http::async_read(stream, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
      },
      transport_.stream);
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    do_shutdown();
    return;
  }
  if (ec) return;  // timeout, reset, oversized or malformed request: just drop the connection

  if (websocket::is_upgrade(parser_->get())) {
    // The WebSocket session sets its own timeouts; the HTTP deadline must not follow the socket.
    transport_.tcp().expires_never();
    auto session = std::make_shared<WebsocketSession>(std::move(transport_), state_,
                                                      state_->next_connection_id(), peer_);
    session->run(parser_->release());
    return;
  }

  const auto& request = parser_->get();
  auto response = std::make_shared<http::response<http::string_body>>();
  response->version(request.version());
  response->keep_alive(request.keep_alive());
  response->set(http::field::server, "parley-relay");
  response->set(http::field::content_type, "text/plain; charset=utf-8");
  const bool get = request.method() == http::verb::get;
  if (get && request.target() == "/healthz") {
    response->result(http::status::ok);
    response->body() = "ok\n";
  } else if (get && request.target() == "/readyz") {
    check_ready(std::move(response));
    return;
  } else if (get && request.target() == "/metrics") {
    response->result(http::status::ok);
    response->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response->body() = metrics().render();
  } else if (!serve_static(request, *response)) {
    response->result(http::status::not_found);
    response->body() = "not found\n";
  }
  write_response(std::move(response));
}

void HttpSession::check_ready(std::shared_ptr<http::response<http::string_body>> response) {
  auto answer = [self = shared_from_this(), response](bool ready, std::string body) {
    response->result(ready ? http::status::ok : http::status::service_unavailable);
    response->body() = std::move(body);
    self->write_response(response);
  };
  if (state_->draining()) {
    answer(false, "draining\n");
    return;
  }
  auto executor = transport_.tcp().get_executor();
  state_->storage().submit<bool>(
      [](Storage& storage) -> Result<bool> {
        PARLEY_TRY(storage.ping());
        return true;
      },
      [executor, answer](Result<bool> ping) {
        // On the storage thread: hop back to the connection's strand.
        net::post(executor, [answer, ok = ping.ok()] { answer(ok, ok ? "ready\n" : "storage unavailable\n"); });
      });
}

void HttpSession::write_response(std::shared_ptr<http::response<http::string_body>> response) {
  response->prepare_payload();
  response_ = std::move(response);
  std::visit(
      [&](auto& stream) {
        http::async_write(stream, *response_,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), response_->keep_alive()));
      },
      transport_.stream);
}

bool HttpSession::serve_static(const http::request<http::string_body>& request,
                               http::response<http::string_body>& response) const {
  const std::string& root = state_->config().static_dir;
  if (root.empty() || request.method() != http::verb::get) return false;
  const auto file = static_file_path(root, std::string_view(request.target().data(), request.target().size()));
  if (!file) return false;
  auto body = read_static_file(*file);
  if (!body) return false;
  response.result(http::status::ok);
  response.set(http::field::content_type, mime_type(*file));
  response.set(http::field::cache_control, "no-cache");
  response.body() = std::move(*body);
  return true;
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) {
    do_shutdown();
    return;
  }
  do_read();
}

void HttpSession::do_shutdown() {
  if (auto* tls = std::get_if<TlsStream>(&transport_.stream)) {
    // close_notify, bounded by the request deadline; the socket closes with this session.
    transport_.tcp().expires_after(state_->config().close_timeout);
    tls->async_shutdown([self = shared_from_this()](beast::error_code) {});
    return;
  }
  // The place under the connection caps is given back before the peer can see the end of the
  // response: a client (a health probe of a relay at its cap) that reconnects as soon as it read
  // the answer must not find its own previous connection still counted.
  transport_.slot.reset();
  beast::error_code ec;
  transport_.tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace parley::relay
