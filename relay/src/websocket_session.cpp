// SPDX-License-Identifier: GPL-3.0-or-later
#include "websocket_session.hpp"

#include <algorithm>
#include <chrono>

#include "crypto/keys.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "protocol.hpp"
#include "relay_errors.hpp"

namespace parley::relay {

namespace {

// RFC 6455: a close reason is at most 123 bytes.
constexpr std::size_t kMaxCloseReason = 123;

TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
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
      auth_timer_(strand_) {}

WebsocketSession::~WebsocketSession() {
  state_->leave(id_);
  if (accepted_)
    metrics().connection_leave(auth_ == AuthState::authenticated ? Metrics::ConnState::websocket_authenticated
                                                                 : Metrics::ConnState::websocket_unauthenticated);
  if (auth_ == AuthState::authenticated) state_->go_offline(address_, this);
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
  nonce_.assign(wire::kNonceBytes, 0);
  if (auto random = crypto::random_bytes(nonce_); !random) {
    log_line("conn " + std::to_string(id_) + ": no randomness for the challenge: " + random.error().to_string());
    begin_close(websocket::close_code::internal_error, "relay error");
    return;
  }
  send(make_challenge(nonce_));
  // A connection must authenticate in time: idle unauthenticated sockets cost memory and
  // count against the connection caps. The timer must not keep the session alive.
  auth_timer_.expires_after(config_.auth_timeout);
  auth_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->auth_ == AuthState::authenticated) return;
    self->fatal(make_error(Errc::timeout, "not authenticated within " +
                                              std::to_string(self->config_.auth_timeout.count()) + " s"));
  });
  maybe_read();
}

// --- reading ---

void WebsocketSession::maybe_read() {
  if (draining_) {
    finish_drain();
    return;
  }
  if (!accepted_ || reading_ || closing_ || dead_) return;
  if (auth_ == AuthState::authenticating) return;  // one authentication attempt at a time
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
    dead_ = true;
    go_offline();
    close_timer_.cancel();
    return;
  }
  if (closing_) {
    buffer_.consume(buffer_.size());
    return;
  }
  if (!ws_.got_binary()) {
    buffer_.consume(buffer_.size());
    fatal(make_error(Errc::protocol_violation, "text frames are not part of the protocol; send binary frames"));
    return;
  }
  const auto data = buffer_.cdata();
  const ByteView bytes(static_cast<const std::uint8_t*>(data.data()), data.size());
  metrics().frame_in(bytes.size());
  auto frame = wire::parse_client_frame(bytes);
  if (!frame) {
    buffer_.consume(buffer_.size());
    fatal(frame.error());
    return;
  }
  handle(**frame);  // copies what it keeps: the buffer is reused
  buffer_.consume(buffer_.size());
  maybe_read();
}

void WebsocketSession::handle(const wire::ClientFrame& frame) {
  const auto type = frame.body_type();
  if (type == wire::ClientBody::Register || type == wire::ClientBody::Authenticate) {
    if (auth_ == AuthState::authenticated) {
      fatal(make_error(Errc::protocol_violation, std::string(wire::EnumNameClientBody(type)) +
                                                     " on a connection that is already authenticated"));
      return;
    }
    if (type == wire::ClientBody::Register)
      on_register(*frame.body_as_Register());
    else
      on_authenticate(*frame.body_as_Authenticate());
    return;
  }
  if (auth_ != AuthState::authenticated) {
    fatal(make_error(Errc::not_authenticated,
                     std::string(wire::EnumNameClientBody(type)) + " before Register or Authenticate"));
    return;
  }
  switch (type) {
    case wire::ClientBody::UploadPreKeys:
      on_upload(*frame.body_as_UploadPreKeys());
      break;
    case wire::ClientBody::FetchBundle:
      on_fetch(*frame.body_as_FetchBundle());
      break;
    case wire::ClientBody::Send:
      on_send(*frame.body_as_Send());
      break;
    case wire::ClientBody::Ack:
      on_ack(*frame.body_as_Ack());
      break;
    default:
      fatal(make_error(Errc::protocol_violation, "unexpected frame type"));
      break;
  }
}

// --- storage jobs ---

template <class T, class Done>
void WebsocketSession::submit(std::function<Result<T>(Storage&)> job, Done done) {
  ++pending_jobs_;
  auto self = shared_from_this();
  state_->storage().submit<T>(std::move(job), [self, done = std::move(done)](Result<T> result) mutable {
    // Runs on the storage thread after the commit: hop back to this connection's strand.
    net::post(self->strand_, [self, done, result = std::move(result)]() mutable {
      --self->pending_jobs_;
      done(std::move(result));
      self->maybe_read();
    });
  });
}

// --- authentication ---

void WebsocketSession::on_register(const wire::Register& frame) {
  auto request = check_register(frame, nonce_, config_);
  if (!request) {
    fatal(request.error());
    return;
  }
  auth_ = AuthState::authenticating;
  const Address address = request->device.address;
  const Bytes identity = request->device.identity_key;
  submit<std::uint32_t>(
      [request = std::move(*request)](Storage& storage) mutable {
        request.admission.now = now_ms();
        return storage.register_device(request.device, request.prekeys, request.admission);
      },
      [this, address, identity](Result<std::uint32_t> remaining) {
        if (closing_ || dead_) return;
        if (!remaining) {
          auth_ = AuthState::awaiting;
          fatal(remaining.error());
          return;
        }
        become_authenticated(address, identity, "registered");
        send(make_auth_ok(*remaining));
        dirty_ = true;
        pump();
      });
}

void WebsocketSession::on_authenticate(const wire::Authenticate& frame) {
  auto address = wire::to_address(frame.address());
  if (!address) {
    fatal(address.error());
    return;
  }
  auth_ = AuthState::authenticating;
  const Bytes signature = frame.signature() ? Bytes(frame.signature()->begin(), frame.signature()->end()) : Bytes{};
  const Address who = *address;
  submit<AuthRecord>([who](Storage& storage) { return storage.find_device(who); },
                     [this, who, signature](Result<AuthRecord> record) {
                       if (closing_ || dead_) return;
                       auth_ = AuthState::awaiting;
                       if (!record) {
                         fatal(record.error());
                         return;
                       }
                       if (!check_auth_signature(record->device.identity_key, nonce_, who, signature)) {
                         fatal(make_error(Errc::auth_failed, "signature does not verify for this challenge"));
                         return;
                       }
                       become_authenticated(who, record->device.identity_key, "authenticated");
                       send(make_auth_ok(record->prekeys_remaining));
                       if (record->prekeys_remaining < config_.prekeys_low_threshold)
                         send(make_prekeys_low(record->prekeys_remaining));
                       dirty_ = true;
                       pump();
                     });
}

void WebsocketSession::become_authenticated(const Address& address, Bytes identity_key, const char* how) {
  auth_ = AuthState::authenticated;
  auth_timer_.cancel();
  metrics().connection_leave(Metrics::ConnState::websocket_unauthenticated);
  metrics().connection_enter(Metrics::ConnState::websocket_authenticated);
  address_ = address;
  identity_key_ = std::move(identity_key);
  crypto::wipe(nonce_);  // single use
  log_line("conn " + std::to_string(id_) + " " + how + " as " + device_tag(address_));
  if (auto previous = state_->go_online(address_, shared_from_this())) previous->replaced();
}

// --- authenticated requests ---

bool WebsocketSession::within_rate(RateLimits::Kind own, const std::string& own_key, RateLimits::Kind per_ip,
                                   const char* what, std::uint32_t request_id, const MessageId* message_id) {
  auto refused = state_->rate_limits().take(own, own_key, per_ip, ip_, RateLimits::Clock::now());
  if (!refused) return true;
  metrics().rate_limited(static_cast<std::size_t>(refused->kind));
  const bool by_ip = refused->kind == per_ip;
  fail(make_error(kRateLimited, std::string("too many ") + what + (by_ip ? " from this IP address" : "") + " (limit " +
                                    std::string(RateLimits::name(refused->kind)) + "); retry in " +
                                    std::to_string(refused->retry_after.count()) + " ms"),
       request_id, message_id);
  return false;
}

void WebsocketSession::on_upload(const wire::UploadPreKeys& frame) {
  if (!within_rate(RateLimits::Kind::upload_device, address_.to_string(), RateLimits::Kind::upload_ip,
                   "prekey uploads"))
    return;
  auto request = check_upload(frame, identity_key_, config_);
  if (!request) {
    fail(request.error());
    return;
  }
  const Address self = address_;
  submit<std::uint32_t>(
      [self, request = std::move(*request)](Storage& storage) {
        return storage.upload_prekeys(self, request.signed_prekey, request.prekeys);
      },
      [this](Result<std::uint32_t> remaining) {
        if (closing_ || dead_) return;
        if (!remaining) {
          fail(remaining.error());
          return;
        }
        if (*remaining < config_.prekeys_low_threshold) send(make_prekeys_low(*remaining));
      });
}

void WebsocketSession::on_fetch(const wire::FetchBundle& frame) {
  const std::uint32_t request_id = frame.request_id();
  auto address = wire::to_address(frame.address());
  if (!address) {
    fail(address.error(), request_id);
    return;
  }
  const Address owner = *address;
  // Per requester->target pair: each fetch hands out one of the target's one-time prekeys.
  if (!within_rate(RateLimits::Kind::fetch_pair, address_.to_string() + ">" + owner.to_string(),
                   RateLimits::Kind::fetch_ip, "bundle fetches for this device", request_id))
    return;
  submit<BundleRecord>([owner](Storage& storage) { return storage.fetch_bundle(owner); },
                       [this, owner, request_id](Result<BundleRecord> bundle) {
                         if (closing_ || dead_) return;
                         if (!bundle) {
                           fail(bundle.error(), request_id);
                           return;
                         }
                         send(make_bundle(request_id, *bundle));
                         if (bundle->one_time_prekey && bundle->prekeys_remaining < config_.prekeys_low_threshold)
                           if (auto session = state_->find_online(owner)) session->notify_prekeys_low(bundle->prekeys_remaining);
                       });
}

void WebsocketSession::on_send(const wire::Send& frame) {
  auto id = wire::to_message_id(frame.message_id());
  if (!id) {
    fail(id.error());
    return;
  }
  const MessageId message_id = *id;
  if (!within_rate(RateLimits::Kind::send_device, address_.to_string(), RateLimits::Kind::send_ip, "Sends", 0,
                   &message_id))
    return;
  const auto* list = frame.recipients();
  if (list->size() == 0) {
    fail(make_error(Errc::invalid_argument, "a Send needs at least one recipient"), 0, &message_id);
    return;
  }
  if (list->size() > config_.max_recipients) {
    fail(make_error(Errc::limit_exceeded, "at most " + std::to_string(config_.max_recipients) +
                                              " recipients per Send, got " + std::to_string(list->size())),
         0, &message_id);
    return;
  }
  if (frame.payload()->size() > config_.max_payload_bytes()) {
    fail(make_error(Errc::limit_exceeded, "payload of " + std::to_string(frame.payload()->size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(config_.max_payload_bytes())),
         0, &message_id);
    return;
  }
  std::vector<Address> recipients;
  recipients.reserve(list->size());
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    auto recipient = wire::to_address(list->Get(i));
    if (!recipient) {
      Error error = std::move(recipient).error();
      error.message = "recipient #" + std::to_string(i) + ": " + error.message;
      fail(error, 0, &message_id);
      return;
    }
    if (std::find(recipients.begin(), recipients.end(), *recipient) == recipients.end())
      recipients.push_back(std::move(*recipient));
  }
  const Address sender = address_;
  Bytes payload(frame.payload()->begin(), frame.payload()->end());
  submit<StoreOutcome>(
      [sender, message_id, recipients, payload = std::move(payload)](Storage& storage) {
        return storage.store_message(sender, message_id, recipients, payload, now_ms());
      },
      [this, message_id](Result<StoreOutcome> stored) {
        // Durable now (the batch committed): acknowledge, then wake the recipients.
        if (!stored) {
          if (!closing_ && !dead_) fail(stored.error(), 0, &message_id);
          return;
        }
        for (const auto& refusal : stored->refused) metrics().refused(refusal.code);
        if (!stored->duplicate && stored->accepted.empty()) {
          if (!closing_ && !dead_) send(make_send_refused(message_id, stored->refused));
          return;
        }
        if (!stored->duplicate) metrics().send_stored();
        if (!closing_ && !dead_) send(make_send_ack(message_id, stored->duplicate, stored->refused));
        for (const auto& recipient : stored->accepted)
          if (auto session = state_->find_online(recipient)) session->wake();
      });
}

void WebsocketSession::on_ack(const wire::Ack& frame) {
  std::vector<std::uint64_t> ids(frame.delivery_ids()->begin(), frame.delivery_ids()->end());
  metrics().acked(ids.size());
  for (std::uint64_t id : ids) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) continue;
    in_flight_bytes_ -= it->second;
    in_flight_.erase(it);
  }
  const Address self = address_;
  submit<std::uint32_t>([self, ids = std::move(ids)](Storage& storage) { return storage.ack(self, ids); },
                        [this](Result<std::uint32_t> deleted) {
                          if (!deleted)
                            log_line("conn " + std::to_string(id_) + ": ack failed: " + deleted.error().to_string());
                        });
  pump();  // the window has room again
}

// --- delivery ---

void WebsocketSession::pump() {
  if (auth_ != AuthState::authenticated || closing_ || dead_ || draining_ || loading_ || !dirty_) return;
  if (in_flight_.size() >= config_.delivery_window) return;
  if (!in_flight_.empty() && in_flight_bytes_ >= config_.delivery_window_bytes) return;
  const std::size_t count = config_.delivery_window - in_flight_.size();
  const std::size_t bytes = config_.delivery_window_bytes - std::min(in_flight_bytes_, config_.delivery_window_bytes);
  loading_ = true;
  dirty_ = false;
  const Address self = address_;
  const std::uint64_t after = last_loaded_;
  submit<MailboxPage>(
      [self, after, count, bytes](Storage& storage) { return storage.load_mailbox(self, after, count, bytes); },
      [this](Result<MailboxPage> page) { on_loaded(std::move(page)); });
}

void WebsocketSession::on_loaded(Result<MailboxPage> page) {
  loading_ = false;
  if (closing_ || dead_ || draining_) return;  // the rows stay queued for the next connection
  if (!page) {
    // The rows stay queued; the next wake or ack tries again.
    log_line("conn " + std::to_string(id_) + ": mailbox load failed: " + page.error().to_string());
    return;
  }
  for (const auto& message : page->messages) {
    in_flight_[message.delivery_id] = message.payload.size();
    in_flight_bytes_ += message.payload.size();
    last_loaded_ = std::max(last_loaded_, message.delivery_id);
    metrics().delivered();
    send(make_deliver(message));
  }
  if (page->more) dirty_ = true;
  pump();
}

// --- pushes from other connections ---

void WebsocketSession::wake() {
  net::post(strand_, [self = shared_from_this()] {
    self->dirty_ = true;
    self->pump();
  });
}

void WebsocketSession::notify_prekeys_low(std::uint32_t remaining) {
  net::post(strand_, [self = shared_from_this(), remaining] {
    if (self->auth_ == AuthState::authenticated && !self->closing_ && !self->dead_)
      self->send(make_prekeys_low(remaining));
  });
}

void WebsocketSession::shutdown() {
  net::post(strand_, [self = shared_from_this()] { self->start_drain(); });
}

void WebsocketSession::start_drain() {
  if (!accepted_ || dead_ || closing_ || draining_) return;
  draining_ = true;
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
             device_tag(self->address_));
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
    dead_ = true;
    go_offline();
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

void WebsocketSession::fail(const Error& error, std::uint32_t request_id, const MessageId* message_id) {
  metrics().refused(error.code);
  send(wire::make_failure(error, false, request_id, message_id));
}

void WebsocketSession::fatal(const Error& error) {
  if (closing_ || dead_) return;
  metrics().refused(error.code);
  log_line("conn " + std::to_string(id_) + ": fatal " + std::string(relay_errc_name(error.code)) +
           (auth_ == AuthState::authenticated ? " (" + device_tag(address_) + ")" : std::string()));
  // The close reason tells the client what was wrong; the log keeps only the code, since the
  // message may name devices.
  set_end_reason("fatal " + std::string(relay_errc_name(error.code)));
  send(wire::make_failure(error, true));
  begin_close(websocket::close_code::policy_error, close_text(error));
}

// --- closing ---

void WebsocketSession::begin_close(websocket::close_code code, std::string reason) {
  if (closing_ || dead_) return;
  closing_ = true;
  if (reason.size() > kMaxCloseReason) reason.resize(kMaxCloseReason);
  close_reason_ = websocket::close_reason(code, reason);
  set_end_reason(reason);
  go_offline();
  // A peer that never answers the close handshake is cut off.
  close_timer_.expires_after(config_.close_timeout);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_) return;
    self->set_end_reason("close handshake timed out");
    self->dead_ = true;
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
  dead_ = true;
  if (ec && ec != net::error::operation_aborted) end_reason_ += " (close: " + ec.message() + ")";
}

void WebsocketSession::go_offline() {
  if (auth_ == AuthState::authenticated) state_->go_offline(address_, this);
}

void WebsocketSession::set_end_reason(std::string reason) {
  if (end_reason_.empty()) end_reason_ = std::move(reason);
}

}  // namespace parley::relay
