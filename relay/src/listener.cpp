// SPDX-License-Identifier: GPL-3.0-or-later
#include "listener.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <chrono>

#include "http_session.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace parley::relay {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

Listener::Listener(net::io_context& ioc, std::shared_ptr<SharedState> state)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_(acceptor_.get_executor()), state_(std::move(state)) {}

Status Listener::open(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  const auto fail = [&](const char* what) -> Status {
    return make_error(Errc::invalid_argument, std::string("cannot ") + what + " " + endpoint.address().to_string() +
                                                  ":" + std::to_string(endpoint.port()) + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("set SO_REUSEADDR on");
  if (acceptor_.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  return {};
}

tcp::endpoint Listener::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::run() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    self->stopped_ = true;
    self->retry_.cancel();
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

void Listener::do_accept() {
  if (stopped_) return;
  // Each connection gets a strand of its own.
  acceptor_.async_accept(net::make_strand(ioc_), boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically out of file descriptors: back off instead of spinning.
    log_line("accept failed: " + ec.message());
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  // Over a cap the connection is closed before a byte is read: a flood costs one accept each.
  boost::system::error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec);
  ConnectionLimits::Refusal refused = ConnectionLimits::Refusal::none;
  ConnectionSlot slot = peer_ec ? nullptr : state_->connection_limits().admit(peer.address(), refused);
  if (!slot) {
    if (!peer_ec) metrics().connection_refused(refused == ConnectionLimits::Refusal::per_ip);
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    std::make_shared<HttpSession>(std::move(socket), state_, std::move(slot))->run();
  }
  do_accept();
}

}  // namespace parley::relay
