// SPDX-License-Identifier: GPL-3.0-or-later
#include "relay_core.hpp"

#include <algorithm>
#include <utility>

#include "crypto/keys.hpp"
#include "protocol.hpp"
#include "relay_errors.hpp"

namespace parley::relay {

RelayCore::RelayCore(CoreContext context)
    : config_(*context.config),
      rate_limits_(context.rate_limits),
      metrics_(context.metrics),
      ip_(std::move(context.ip)),
      control_frames_(config_.rate_control_frames, TokenBucket::Clock::time_point{}),
      tiny_fragments_(config_.rate_tiny_fragments, TokenBucket::Clock::time_point{}) {}

Actions RelayCore::open(Bytes nonce, Now now) {
  Actions out;
  nonce_ = std::move(nonce);
  out.frames.push_back(make_challenge(nonce_));
  // Idle unauthenticated sockets cost memory and count against the connection caps.
  deadline_ = now.steady + config_.auth_timeout;
  return out;
}

Actions RelayCore::handle_timeout(Now now) {
  Actions out;
  if (closed_ || auth_ == Auth::authenticated || !deadline_ || now.steady < *deadline_) return out;
  deadline_.reset();
  fatal(make_error(Errc::timeout, "not authenticated within " + std::to_string(config_.auth_timeout.count()) + " s"),
        out);
  return out;
}

void RelayCore::drain() {
  draining_ = true;
  deadline_.reset();
}

void RelayCore::close() {
  closed_ = true;
  deadline_.reset();
}

// --- frames ---

Actions RelayCore::handle_frame(ByteView bytes, Now now) {
  Actions out;
  if (closed_) return out;
  auto frame = wire::parse_client_frame(bytes);
  if (!frame) {
    fatal(frame.error(), out);
    return out;
  }
  dispatch(**frame, now, out);  // copies what it keeps: `bytes` is the driver's buffer
  return out;
}

namespace {

std::string budget_text(const char* what, const char* limit, const RateLimit& rate) {
  return std::string("too many ") + what + " (limit " + limit + ": " + std::to_string(rate.burst) + " at once, " +
         std::to_string(rate.per_min) + " a minute)";
}

}  // namespace

Actions RelayCore::wire_frames(const FrameCounts& counts, Now now) {
  Actions out;
  if (closed_) return out;
  if (!control_frames_.take(now.steady, counts.control)) {
    if (metrics_) metrics_->frame_limited(Metrics::FrameLimit::control_frames);
    fatal(make_error(Errc::rate_limited,
                     budget_text("pings and pongs", "control_frames", config_.rate_control_frames)),
          out);
  } else if (!tiny_fragments_.take(now.steady, counts.tiny_fragments)) {
    if (metrics_) metrics_->frame_limited(Metrics::FrameLimit::tiny_fragments);
    fatal(make_error(Errc::rate_limited,
                     budget_text("tiny fragments", "tiny_fragments", config_.rate_tiny_fragments)),
          out);
  }
  return out;
}

Actions RelayCore::reject(const Error& error) {
  Actions out;
  fatal(error, out);
  return out;
}

void RelayCore::dispatch(const wire::ClientFrame& frame, Now now, Actions& out) {
  const auto type = frame.body_type();
  if (type == wire::ClientBody::Register || type == wire::ClientBody::Authenticate) {
    if (auth_ == Auth::authenticated) {
      fatal(make_error(Errc::protocol_violation,
                       std::string(wire::EnumNameClientBody(type)) + " on a connection that is already authenticated"),
            out);
      return;
    }
    if (type == wire::ClientBody::Register)
      on_register(*frame.body_as_Register(), now, out);
    else
      on_authenticate(*frame.body_as_Authenticate(), out);
    return;
  }
  if (auth_ != Auth::authenticated) {
    fatal(make_error(Errc::not_authenticated,
                     std::string(wire::EnumNameClientBody(type)) + " before Register or Authenticate"),
          out);
    return;
  }
  switch (type) {
    case wire::ClientBody::UploadPreKeys:
      on_upload(*frame.body_as_UploadPreKeys(), now, out);
      break;
    case wire::ClientBody::FetchBundle:
      on_fetch(*frame.body_as_FetchBundle(), now, out);
      break;
    case wire::ClientBody::Send:
      on_send(*frame.body_as_Send(), now, out);
      break;
    case wire::ClientBody::Ack:
      on_ack(*frame.body_as_Ack(), out);
      break;
    default:
      fatal(make_error(Errc::protocol_violation, "unexpected frame type"), out);
      break;
  }
}

// --- authentication ---

void RelayCore::on_register(const wire::Register& frame, Now now, Actions& out) {
  auto request = check_register(frame, nonce_, config_);
  if (!request) {
    fatal(request.error(), out);
    return;
  }
  auth_ = Auth::authenticating;
  request->admission.now = now.wall_ms;
  out.jobs.push_back(RegisterJob{std::move(request->device), std::move(request->prekeys), std::move(request->admission)});
}

Actions RelayCore::done(const RegisterJob& job, Result<RegisterJob::Value> remaining, Now) {
  Actions out;
  if (closed_) return out;
  if (!remaining) {
    auth_ = Auth::awaiting;
    fatal(remaining.error(), out);
    return out;
  }
  become_authenticated(job.device.address, job.device.identity_key, "registered", out);
  out.frames.push_back(make_auth_ok(*remaining));
  dirty_ = true;
  pump(out);
  return out;
}

void RelayCore::on_authenticate(const wire::Authenticate& frame, Actions& out) {
  auto address = wire::to_address(frame.address());
  if (!address) {
    fatal(address.error(), out);
    return;
  }
  auth_ = Auth::authenticating;
  auth_signature_ = frame.signature() ? Bytes(frame.signature()->begin(), frame.signature()->end()) : Bytes{};
  out.jobs.push_back(FindDeviceJob{*address});
}

Actions RelayCore::done(const FindDeviceJob& job, Result<FindDeviceJob::Value> record, Now) {
  Actions out;
  if (closed_) return out;
  auth_ = Auth::awaiting;
  const Bytes signature = std::exchange(auth_signature_, Bytes{});
  if (!record) {
    fatal(record.error(), out);
    return out;
  }
  if (!check_auth_signature(record->device.identity_key, nonce_, job.address, signature)) {
    fatal(make_error(Errc::auth_failed, "signature does not verify for this challenge"), out);
    return out;
  }
  become_authenticated(job.address, record->device.identity_key, "authenticated", out);
  out.frames.push_back(make_auth_ok(record->prekeys_remaining));
  if (record->prekeys_remaining < config_.prekeys_low_threshold)
    out.frames.push_back(make_prekeys_low(record->prekeys_remaining));
  dirty_ = true;
  pump(out);
  return out;
}

void RelayCore::become_authenticated(const Address& address, Bytes identity_key, const char* how, Actions& out) {
  auth_ = Auth::authenticated;
  deadline_.reset();
  address_ = address;
  identity_key_ = std::move(identity_key);
  crypto::wipe(nonce_);  // single use
  out.authenticated = address_;
  out.how = how;
}

// --- authenticated requests ---

bool RelayCore::within_rate(RateLimits::Kind own, const std::string& own_key, RateLimits::Kind per_ip,
                            const char* what, Now now, Actions& out, std::uint32_t request_id,
                            const MessageId* message_id) {
  if (!rate_limits_) return true;
  auto refused = rate_limits_->take(own, own_key, per_ip, ip_, now.steady);
  if (!refused) return true;
  if (metrics_) metrics_->rate_limited(static_cast<std::size_t>(refused->kind));
  const bool by_ip = refused->kind == per_ip;
  fail(make_error(kRateLimited, std::string("too many ") + what + (by_ip ? " from this IP address" : "") + " (limit " +
                                    std::string(RateLimits::name(refused->kind)) + "); retry in " +
                                    std::to_string(refused->retry_after.count()) + " ms"),
       out, request_id, message_id);
  return false;
}

void RelayCore::on_upload(const wire::UploadPreKeys& frame, Now now, Actions& out) {
  if (!within_rate(RateLimits::Kind::upload_device, address_.to_string(), RateLimits::Kind::upload_ip,
                   "prekey uploads", now, out))
    return;
  auto request = check_upload(frame, identity_key_, config_);
  if (!request) {
    fail(request.error(), out);
    return;
  }
  out.jobs.push_back(UploadPreKeysJob{address_, std::move(request->signed_prekey), std::move(request->prekeys)});
}

Actions RelayCore::done(const UploadPreKeysJob&, Result<UploadPreKeysJob::Value> remaining, Now) {
  Actions out;
  if (closed_) return out;
  if (!remaining) {
    fail(remaining.error(), out);
    return out;
  }
  if (*remaining < config_.prekeys_low_threshold) out.frames.push_back(make_prekeys_low(*remaining));
  return out;
}

void RelayCore::on_fetch(const wire::FetchBundle& frame, Now now, Actions& out) {
  const std::uint32_t request_id = frame.request_id();
  auto owner = wire::to_address(frame.address());
  if (!owner) {
    fail(owner.error(), out, request_id);
    return;
  }
  // Per requester->target pair: each fetch hands out one of the target's one-time prekeys.
  if (!within_rate(RateLimits::Kind::fetch_pair, address_.to_string() + ">" + owner->to_string(),
                   RateLimits::Kind::fetch_ip, "bundle fetches for this device", now, out, request_id))
    return;
  out.jobs.push_back(FetchBundleJob{request_id, std::move(*owner)});
}

Actions RelayCore::done(const FetchBundleJob& job, Result<FetchBundleJob::Value> bundle, Now) {
  Actions out;
  if (closed_) return out;
  if (!bundle) {
    fail(bundle.error(), out, job.request_id);
    return out;
  }
  out.frames.push_back(make_bundle(job.request_id, *bundle));
  if (bundle->one_time_prekey && bundle->prekeys_remaining < config_.prekeys_low_threshold)
    out.prekeys_low.push_back(PreKeysLowNotice{job.owner, bundle->prekeys_remaining});
  return out;
}

void RelayCore::on_send(const wire::Send& frame, Now now, Actions& out) {
  auto id = wire::to_message_id(frame.message_id());
  if (!id) {
    fail(id.error(), out);
    return;
  }
  const MessageId message_id = *id;
  if (!within_rate(RateLimits::Kind::send_device, address_.to_string(), RateLimits::Kind::send_ip, "Sends", now, out,
                   0, &message_id))
    return;
  const auto* list = frame.recipients();
  if (list->size() == 0) {
    fail(make_error(Errc::invalid_argument, "a Send needs at least one recipient"), out, 0, &message_id);
    return;
  }
  if (list->size() > config_.max_recipients) {
    fail(make_error(Errc::limit_exceeded, "at most " + std::to_string(config_.max_recipients) +
                                              " recipients per Send, got " + std::to_string(list->size())),
         out, 0, &message_id);
    return;
  }
  if (frame.payload()->size() > config_.max_payload_bytes()) {
    fail(make_error(Errc::limit_exceeded, "payload of " + std::to_string(frame.payload()->size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(config_.max_payload_bytes())),
         out, 0, &message_id);
    return;
  }
  StoreMessageJob job{address_, message_id, {}, Bytes(frame.payload()->begin(), frame.payload()->end()), now.wall_ms};
  job.recipients.reserve(list->size());
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    auto recipient = wire::to_address(list->Get(i));
    if (!recipient) {
      Error error = std::move(recipient).error();
      error.message = "recipient #" + std::to_string(i) + ": " + error.message;
      fail(error, out, 0, &message_id);
      return;
    }
    if (std::find(job.recipients.begin(), job.recipients.end(), *recipient) == job.recipients.end())
      job.recipients.push_back(std::move(*recipient));
  }
  out.jobs.push_back(std::move(job));
}

Actions RelayCore::done(const StoreMessageJob& job, Result<StoreMessageJob::Value> stored, Now) {
  // Durable now (the batch committed): acknowledge, then wake the recipients. A closed
  // connection gets no answer, but the mail is stored and its recipients still hear of it.
  Actions out;
  if (!stored) {
    if (!closed_) fail(stored.error(), out, 0, &job.message_id);
    return out;
  }
  for (const auto& refusal : stored->refused) count_refused(refusal.code);
  if (!stored->duplicate && stored->accepted.empty()) {
    if (!closed_) out.frames.push_back(make_send_refused(job.message_id, stored->refused));
    return out;
  }
  if (!stored->duplicate && metrics_) metrics_->send_stored();
  if (!closed_) out.frames.push_back(make_send_ack(job.message_id, stored->duplicate, stored->refused));
  out.wake = std::move(stored->accepted);
  return out;
}

void RelayCore::on_ack(const wire::Ack& frame, Actions& out) {
  std::vector<std::uint64_t> ids(frame.delivery_ids()->begin(), frame.delivery_ids()->end());
  if (metrics_) metrics_->acked(ids.size());
  // Only deliveries made on this connection free window room; storage ignores ids that are
  // not in this device's own mailbox.
  for (std::uint64_t id : ids) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) continue;
    in_flight_bytes_ -= it->second;
    in_flight_.erase(it);
  }
  out.jobs.push_back(AckJob{address_, std::move(ids)});
  pump(out);  // the window has room again
}

Actions RelayCore::done(const AckJob&, Result<AckJob::Value> deleted, Now) {
  Actions out;
  if (!deleted) out.notes.push_back("ack failed: " + deleted.error().to_string());
  return out;
}

// --- delivery ---

Actions RelayCore::wake() {
  Actions out;
  dirty_ = true;
  pump(out);
  return out;
}

Actions RelayCore::prekeys_low(std::uint32_t remaining) {
  Actions out;
  if (auth_ == Auth::authenticated && !closed_) out.frames.push_back(make_prekeys_low(remaining));
  return out;
}

void RelayCore::pump(Actions& out) {
  if (auth_ != Auth::authenticated || closed_ || draining_ || loading_ || !dirty_) return;
  if (in_flight_.size() >= config_.delivery_window) return;
  if (!in_flight_.empty() && in_flight_bytes_ >= config_.delivery_window_bytes) return;
  const std::size_t count = config_.delivery_window - in_flight_.size();
  const std::size_t bytes = config_.delivery_window_bytes - std::min(in_flight_bytes_, config_.delivery_window_bytes);
  loading_ = true;
  dirty_ = false;
  out.jobs.push_back(LoadMailboxJob{address_, last_loaded_, count, bytes});
}

Actions RelayCore::done(const LoadMailboxJob&, Result<LoadMailboxJob::Value> page, Now) {
  Actions out;
  loading_ = false;
  if (closed_ || draining_) return out;  // the rows stay queued for the next connection
  if (!page) {
    // The rows stay queued; the next wake or ack tries again.
    out.notes.push_back("mailbox load failed: " + page.error().to_string());
    return out;
  }
  for (const auto& message : page->messages) {
    in_flight_[message.delivery_id] = message.payload.size();
    in_flight_bytes_ += message.payload.size();
    last_loaded_ = std::max(last_loaded_, message.delivery_id);
    if (metrics_) metrics_->delivered();
    out.frames.push_back(make_deliver(message));
  }
  if (page->more) dirty_ = true;
  pump(out);
  return out;
}

// --- failures ---

void RelayCore::count_refused(Errc code) {
  if (metrics_) metrics_->refused(code);
}

void RelayCore::fail(const Error& error, Actions& out, std::uint32_t request_id, const MessageId* message_id) {
  count_refused(error.code);
  out.frames.push_back(wire::make_failure(error, false, request_id, message_id));
}

void RelayCore::fatal(const Error& error, Actions& out) {
  if (closed_) return;
  count_refused(error.code);
  out.frames.push_back(wire::make_failure(error, true));
  out.fatal = error;
  close();
}

}  // namespace parley::relay
