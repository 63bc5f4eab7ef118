// SPDX-License-Identifier: GPL-3.0-or-later
// Accepts TCP connections on the relay's one port and gives each its own strand and an
// HttpSession (which upgrades to a WebsocketSession when asked).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "parley/error.hpp"
#include "shared_state.hpp"

namespace parley::relay {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& ioc, std::shared_ptr<SharedState> state);

  // open + bind + listen. Errc::invalid_argument naming the endpoint and the cause on failure.
  Status open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  void run();   // starts accepting
  void stop();  // closes the acceptor (thread-safe)

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::shared_ptr<SharedState> state_;
  bool stopped_ = false;
};

}  // namespace parley::relay
