// SPDX-License-Identifier: GPL-3.0-or-later
#include "websocket_session.hpp"

#include <algorithm>
#include <chrono>
#include <variant>

#include "crypto/keys.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "relay_errors.hpp"

namespace parley::relay {

namespace {

// RFC 6455: a close reason is at most 123 bytes.
constexpr std::size_t kMaxCloseReason = 123;

Now now() {
  const TimeMs wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return Now{wall, std::chrono::steady_clock::now()};
}

std::string remote_ip(PlainStream& stream) {
  beast::error_code ec;
  const auto endpoint = stream.socket().remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

std::string close_text(const Error& error) {
  std::string text = relay_error_text(error);
  if (text.size() > kMaxCloseReason) text.resize(kMaxCloseReason);
  return text;
}

}  // namespace

WebsocketSession::WebsocketSession(Transport&& transport, std::shared_ptr<SharedState> state, std::uint64_t id,
                                   std::string peer)
    : ws_(std::move(transport)),
      strand_(ws_.get_executor()),
      state_(std::move(state)),
      config_(state_->config()),
      id_(id),
      peer_(std::move(peer)),
      ip_(remote_ip(ws_.tcp())),
      close_timer_(strand_),
      auth_timer_(strand_),
      core_(CoreContext{&config_, &state_->rate_limits(), &metrics(), ip_}) {}

WebsocketSession::~WebsocketSession() {
  state_->leave(id_);
  if (accepted_)
    metrics().connection_leave(authenticated() ? Metrics::ConnState::websocket_authenticated
                                               : Metrics::ConnState::websocket_unauthenticated);
  if (authenticated()) state_->go_offline(core_.address(), this);
  if (accepted_)
    log_line("conn " + std::to_string(id_) + " closed" + (end_reason_.empty() ? "" : ": " + end_reason_));
}

void WebsocketSession::run(http::request<http::string_body> request) {
  net::dispatch(strand_, [self = shared_from_this(), request = std::move(request)]() mutable {
    self->do_accept(std::move(request));
  });
}

void WebsocketSession::do_accept(http::request<http::string_body> request) {
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = config_.ws_idle_timeout;  // keep_alive_pings stays on: idle peers are pinged
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "parley-relay"); }));
  ws_.read_message_max(config_.max_frame_bytes);
  ws_.binary(true);
  // The observer lives in ws_, a member: it cannot outlive this session.
  ws_.observe([this](ByteView bytes) { on_wire_bytes(bytes); });
  ws_.async_accept(request, beast::bind_front_handler(&WebsocketSession::on_accept, shared_from_this()));
}

void WebsocketSession::on_accept(beast::error_code ec) {
  if (ec) {
    log_line("conn " + std::to_string(id_) + " from " + peer_ + ": websocket upgrade failed: " + ec.message());
    return;
  }
  accepted_ = true;
  metrics().connection_enter(Metrics::ConnState::websocket_unauthenticated);
  state_->join(id_, shared_from_this());
  log_line("conn " + std::to_string(id_) + " open from " + peer_);
  // Upgraded after the relay began to stop (close_all() may not have seen it): drain at once.
  if (state_->draining()) {
    start_drain();
    return;
  }
  Bytes nonce(wire::kNonceBytes, 0);
  if (auto random = crypto::random_bytes(nonce); !random) {
    log_line("conn " + std::to_string(id_) + ": no randomness for the challenge: " + random.error().to_string());
    begin_close(websocket::close_code::internal_error, "relay error");
    return;
  }
  apply(core_.open(std::move(nonce), now()));
  arm_auth_deadline();
  maybe_read();
}

// The timer must not keep the session alive.
void WebsocketSession::arm_auth_deadline() {
  const auto deadline = core_.deadline();
  if (!deadline) return;
  auth_timer_.expires_at(*deadline);
  auth_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->apply(self->core_.handle_timeout(now()));
  });
}

// --- reading ---

void WebsocketSession::maybe_read() {
  if (draining_) {
    finish_drain();
    return;
  }
  if (!accepted_ || reading_ || closing_ || dead_) return;
  if (core_.authenticating()) return;  // one authentication attempt at a time
  if (pending_jobs_ >= config_.max_pending_jobs) return;
  if (queue_.size() * 2 > config_.write_queue_frames || queue_bytes_ * 2 > config_.effective_write_queue_bytes())
    return;  // back-pressure: the client must read before it may send more
  do_read();
}

void WebsocketSession::do_read() {
  reading_ = true;
  ws_.async_read(buffer_, beast::bind_front_handler(&WebsocketSession::on_read, shared_from_this()));
}

void WebsocketSession::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec) {
    if (ec == websocket::error::closed) {
      set_end_reason("closed by the client");
    } else if (ec == websocket::error::message_too_big) {
      metrics().refused(Errc::limit_exceeded);
      set_end_reason("frame larger than " + std::to_string(config_.max_frame_bytes) + " bytes");
    } else {
      set_end_reason(ec.message());
    }
    mark_dead();
    close_timer_.cancel();
    return;
  }
  if (closing_) {
    buffer_.consume(buffer_.size());
    return;
  }
  if (!ws_.got_binary()) {
    buffer_.consume(buffer_.size());
    apply(core_.reject(make_error(Errc::protocol_violation, "text frames are not part of the protocol; send binary frames")));
    return;
  }
  const auto data = buffer_.cdata();
  const ByteView bytes(static_cast<const std::uint8_t*>(data.data()), data.size());
  metrics().frame_in(bytes.size());
  apply(core_.handle_frame(bytes, now()));  // copies what it keeps: the buffer is reused
  buffer_.consume(buffer_.size());
  maybe_read();
}

void WebsocketSession::on_wire_bytes(ByteView bytes) {
  const FrameCounts counts = meter_.feed(bytes);
  if (!counts.any()) return;
  Actions actions = core_.wire_frames(counts, now());
  if (actions.empty()) return;
  // This runs inside Beast's read operation: close once it has returned.
  net::post(strand_, [self = shared_from_this(), actions = std::move(actions)]() mutable {
    self->apply(std::move(actions));
  });
}

// --- the core's actions ---

void WebsocketSession::apply(Actions actions) {
  if (actions.authenticated) {
    auth_timer_.cancel();
    metrics().connection_leave(Metrics::ConnState::websocket_unauthenticated);
    metrics().connection_enter(Metrics::ConnState::websocket_authenticated);
    log_line("conn " + std::to_string(id_) + " " + actions.how + " as " + device_tag(*actions.authenticated));
    if (auto previous = state_->go_online(*actions.authenticated, shared_from_this())) previous->replaced();
  }
  for (auto& frame : actions.frames) send(std::move(frame));
  for (const auto& note : actions.notes) log_line("conn " + std::to_string(id_) + ": " + note);
  for (const auto& recipient : actions.wake)
    if (auto session = state_->find_online(recipient)) session->wake();
  for (const auto& notice : actions.prekeys_low)
    if (auto session = state_->find_online(notice.device)) session->notify_prekeys_low(notice.remaining);
  for (auto& job : actions.jobs) submit(std::move(job));
  if (actions.fatal) {
    const Error& error = *actions.fatal;
    log_line("conn " + std::to_string(id_) + ": fatal " + std::string(relay_errc_name(error.code)) +
             (authenticated() ? " (" + device_tag(core_.address()) + ")" : std::string()));
    // The close reason tells the client what was wrong; the log keeps only the code, since the
    // message may name devices.
    set_end_reason("fatal " + std::string(relay_errc_name(error.code)));
    begin_close(websocket::close_code::policy_error, close_text(error));
  }
}

void WebsocketSession::submit(StorageJob job) {
  ++pending_jobs_;
  std::visit(
      [this](auto& typed) {
        using Job = std::decay_t<decltype(typed)>;
        using Value = typename Job::Value;
        auto shared = std::make_shared<const Job>(std::move(typed));
        state_->storage().submit<Value>(
            [shared](Storage& storage) { return run_job(storage, *shared); },
            [self = shared_from_this(), shared](Result<Value> result) mutable {
              // Runs on the storage thread after the commit: hop back to this connection's strand.
              net::post(self->strand_, [self, shared, result = std::move(result)]() mutable {
                --self->pending_jobs_;
                self->apply(self->core_.done(*shared, std::move(result), now()));
                self->maybe_read();
              });
            });
      },
      job);
}

// --- pushes from other connections ---

void WebsocketSession::wake() {
  net::post(strand_, [self = shared_from_this()] { self->apply(self->core_.wake()); });
}

void WebsocketSession::notify_prekeys_low(std::uint32_t remaining) {
  net::post(strand_, [self = shared_from_this(), remaining] { self->apply(self->core_.prekeys_low(remaining)); });
}

void WebsocketSession::shutdown() {
  net::post(strand_, [self = shared_from_this()] { self->start_drain(); });
}

void WebsocketSession::start_drain() {
  if (!accepted_ || dead_ || closing_ || draining_) return;
  draining_ = true;
  core_.drain();
  auth_timer_.cancel();
  // A read may still be pending: a request it brings is handled like any other (a Send is
  // committed and acknowledged before the close), but no further read is started.
  finish_drain();
}

void WebsocketSession::finish_drain() {
  if (closing_ || dead_ || pending_jobs_ > 0) return;
  // Answers already queued (acks of commits that finished) are written before the close frame.
  begin_close(websocket::close_code::going_away, "relay shutting down");
}

void WebsocketSession::replaced() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->dead_ || self->closing_) return;
    log_line("conn " + std::to_string(self->id_) + ": replaced by a newer connection of " +
             device_tag(self->core_.address()));
    self->begin_close(websocket::close_code::going_away, "replaced by a newer connection of this device");
  });
}

// --- writing ---

void WebsocketSession::send(Bytes frame) {
  if (dead_ || close_started_) return;
  if (queue_.size() >= config_.write_queue_frames ||
      queue_bytes_ + frame.size() > config_.effective_write_queue_bytes()) {
    // The consumer fell behind: drop what it has not started to receive and close.
    log_line("conn " + std::to_string(id_) + ": closing, client is not reading (" + std::to_string(queue_.size()) +
             " frames, " + std::to_string(queue_bytes_) + " bytes queued)");
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queue_bytes_ -= queue_.back().size();
      queue_.pop_back();
    }
    metrics().refused(Errc::limit_exceeded);
    begin_close(websocket::close_code::policy_error, "write queue full: client is not reading");
    return;
  }
  queue_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void WebsocketSession::do_write() {
  writing_ = true;
  metrics().frame_out(queue_.front().size());
  ws_.async_write(net::buffer(queue_.front()),
                  beast::bind_front_handler(&WebsocketSession::on_write, shared_from_this()));
}

void WebsocketSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queue_bytes_ -= queue_.front().size();
  queue_.pop_front();
  if (ec) {
    set_end_reason("write failed: " + ec.message());
    mark_dead();
    close_timer_.cancel();
    ws_.tcp().close();  // ends the pending read too
    return;
  }
  if (!queue_.empty()) {
    do_write();
  } else if (closing_) {
    do_close();
  }
  maybe_read();
}

// --- closing ---

void WebsocketSession::begin_close(websocket::close_code code, std::string reason) {
  if (closing_ || dead_) return;
  closing_ = true;
  core_.close();
  if (reason.size() > kMaxCloseReason) reason.resize(kMaxCloseReason);
  close_reason_ = websocket::close_reason(code, reason);
  set_end_reason(reason);
  go_offline();
  // A peer that never answers the close handshake is cut off.
  close_timer_.expires_after(config_.close_timeout);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_) return;
    self->set_end_reason("close handshake timed out");
    self->mark_dead();
    self->ws_.tcp().close();
  });
  if (!writing_) do_close();
}

void WebsocketSession::do_close() {
  if (close_started_ || dead_) return;
  close_started_ = true;
  ws_.async_close(close_reason_, beast::bind_front_handler(&WebsocketSession::on_close, shared_from_this()));
}

void WebsocketSession::on_close(beast::error_code ec) {
  close_timer_.cancel();
  mark_dead();
  if (ec && ec != net::error::operation_aborted) end_reason_ += " (close: " + ec.message() + ")";
}

void WebsocketSession::mark_dead() {
  dead_ = true;
  core_.close();
  go_offline();
}

void WebsocketSession::go_offline() {
  if (authenticated()) state_->go_offline(core_.address(), this);
}

void WebsocketSession::set_end_reason(std::string reason) {
  if (end_reason_.empty()) end_reason_ = std::move(reason);
}

}  // namespace parley::relay
