// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP on the relay's port (over TLS when the relay has a certificate): GET /healthz, /readyz,
// /metrics, static files, 404 for anything else, and the hand-over of WebSocket upgrade requests to a
// WebsocketSession. The TLS handshake and every request read have a deadline.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "shared_state.hpp"
#include "transport.hpp"

namespace parley::relay {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<SharedState> state, ConnectionSlot slot);
  ~HttpSession();
  void run();

 private:
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // GET /readyz asks the storage thread; the answer comes back to this strand.
  void check_ready(std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response);
  void write_response(std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  // A file under --static DIR for a GET, into `response`; false if there is none.
  bool serve_static(const boost::beast::http::request<boost::beast::http::string_body>& request,
                    boost::beast::http::response<boost::beast::http::string_body>& response) const;
  void do_shutdown();

  Transport transport_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<SharedState> state_;
  std::string peer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response_;
};

}  // namespace parley::relay
