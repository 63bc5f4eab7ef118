// SPDX-License-Identifier: GPL-3.0-or-later
// A stream layer between Beast's WebSocket and the transport (TCP or TLS) that shows every
// chunk of bytes read to an observer before Beast parses it. It changes nothing: reads and
// writes pass through. It exists because Beast handles pings and empty fragments inside its
// read loop; the observer (the session's FrameMeter) is the only place that sees them all.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "parley/types.hpp"

namespace parley::relay {

template <class Next>
class MeteredStream {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;
  using Observer = std::function<void(ByteView)>;

  template <class... Args>
  explicit MeteredStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  // Called on the completion of each read, with the bytes it brought, before the reader sees them.
  void observe(Observer observer) { observer_ = std::move(observer); }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
        [this](auto completion, const MutableBuffers& target) {
          // Keep the caller's executor: Beast's read op resumes where it expects to.
          auto executor = boost::asio::get_associated_executor(completion, next_.get_executor());
          next_.async_read_some(
              target, boost::asio::bind_executor(
                          executor, [this, target, completion = std::move(completion)](boost::beast::error_code ec,
                                                                                        std::size_t n) mutable {
                            if (n > 0 && observer_) {
                              for (const auto& piece : boost::beast::buffers_prefix(n, target))
                                observer_(ByteView(static_cast<const std::uint8_t*>(piece.data()), piece.size()));
                            }
                            std::move(completion)(ec, n);
                          }));
        },
        handler, buffers);
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return next_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  Next next_;
  Observer observer_;
};

// The WebSocket closing handshake tears down the layer below (TCP shutdown, TLS close_notify).
template <class Next>
void teardown(boost::beast::role_type role, MeteredStream<Next>& stream, boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, MeteredStream<Next>& stream, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
}

}  // namespace parley::relay
