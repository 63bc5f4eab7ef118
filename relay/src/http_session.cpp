// SPDX-License-Identifier: GPL-3.0-or-later
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

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

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<SharedState> state)
    : stream_(std::move(socket)), state_(std::move(state)), peer_(endpoint_text(stream_.socket())) {}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxBodyBytes);
  stream_.expires_after(state_->config().http_read_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    do_shutdown();
    return;
  }
  if (ec) return;  // timeout, reset, oversized or malformed request: just drop the connection

  if (websocket::is_upgrade(parser_->get())) {
    // The WebSocket session sets its own timeouts; the HTTP deadline must not follow the socket.
    stream_.expires_never();
    auto session = std::make_shared<WebsocketSession>(stream_.release_socket(), state_,
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
  if (request.method() == http::verb::get && request.target() == "/healthz") {
    response->result(http::status::ok);
    response->body() = "ok\n";
  } else if (!serve_static(request, *response)) {
    response->result(http::status::not_found);
    response->body() = "not found\n";
  }
  response->prepare_payload();
  response_ = response;
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), response_->keep_alive()));
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
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace parley::relay
