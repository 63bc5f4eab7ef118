// SPDX-License-Identifier: GPL-3.0-or-later
// The relay protocol of one device connection, sans-IO: registration and authentication,
// prekey uploads and bundle fetches, sends with partial acceptance, acks, the delivery
// window, rate limits and the pre-authentication deadline. Inputs are the connection's
// frames, storage results and the driver's clock; outputs are Actions (frames, storage jobs,
// a fatal close, wakes for other connections). No sockets, threads or clock inside, so the
// WebSocket session (websocket_session.hpp) and in-memory test relays run the same rules.
//
// Not thread-safe: a driver calls one core from one strand. Storage results may come back in
// any order; each job carries what its answer needs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config.hpp"
#include "core_actions.hpp"
#include "frame_meter.hpp"
#include "metrics.hpp"
#include "rate_limits.hpp"
#include "storage_jobs.hpp"
#include "token_bucket.hpp"
#include "wire/frames.hpp"

namespace parley::relay {

// What a core shares with the rest of the relay. Both pointers may be null (no rate limits,
// nothing counted); they must outlive the core.
struct CoreContext {
  const RelayConfig* config = nullptr;
  RateLimits* rate_limits = nullptr;
  Metrics* metrics = nullptr;
  std::string ip;  // the peer's address without port: the key of per-IP rate limits
};

class RelayCore {
 public:
  enum class Auth { awaiting, authenticating, authenticated };

  explicit RelayCore(CoreContext context);

  // The connection is open: sends the Challenge for `nonce` (wire::kNonceBytes of fresh
  // randomness) and starts the authentication deadline.
  Actions open(Bytes nonce, Now now);

  // One client frame (a binary message). Frames while closed are ignored.
  Actions handle_frame(ByteView bytes, Now now);

  // WebSocket frames the client sent that carry no request (pings, pongs, tiny fragments),
  // counted under the WebSocket layer (frame_meter.hpp). Each takes a token from this
  // connection's bucket of its kind (rate_control_frames, rate_tiny_fragments); a bucket that
  // runs dry is a fatal Failure{rate_limited}: such a peer costs CPU and sends no requests.
  Actions wire_frames(const FrameCounts& counts, Now now);

  // The driver refuses the connection for a reason of its own (a text frame): a fatal Failure.
  Actions reject(const Error& error);

  // Storage results, one per job the core returned.
  Actions done(const RegisterJob& job, Result<RegisterJob::Value> result, Now now);
  Actions done(const FindDeviceJob& job, Result<FindDeviceJob::Value> result, Now now);
  Actions done(const UploadPreKeysJob& job, Result<UploadPreKeysJob::Value> result, Now now);
  Actions done(const FetchBundleJob& job, Result<FetchBundleJob::Value> result, Now now);
  Actions done(const StoreMessageJob& job, Result<StoreMessageJob::Value> result, Now now);
  Actions done(const AckJob& job, Result<AckJob::Value> result, Now now);
  Actions done(const LoadMailboxJob& job, Result<LoadMailboxJob::Value> result, Now now);

  // The device's mailbox may hold new mail (a send from another connection, a poll).
  Actions wake();
  // Another connection handed out one of this device's prekeys and few are left.
  Actions prekeys_low(std::uint32_t remaining);

  // When handle_timeout() must be called (the authentication deadline), if ever.
  std::optional<std::chrono::steady_clock::time_point> deadline() const { return deadline_; }
  Actions handle_timeout(Now now);

  // The relay is stopping: answers still go out, but no more deliveries and no deadline.
  void drain();
  // The connection is closing or gone: nothing more is sent; storage results only wake
  // recipients and count.
  void close();

  Auth auth() const { return auth_; }
  // One authentication attempt at a time: the driver reads nothing while this is true.
  bool authenticating() const { return auth_ == Auth::authenticating; }
  bool closed() const { return closed_; }
  const Address& address() const { return address_; }  // once authenticated
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void dispatch(const wire::ClientFrame& frame, Now now, Actions& out);
  void on_register(const wire::Register& frame, Now now, Actions& out);
  void on_authenticate(const wire::Authenticate& frame, Actions& out);
  void on_upload(const wire::UploadPreKeys& frame, Now now, Actions& out);
  void on_fetch(const wire::FetchBundle& frame, Now now, Actions& out);
  void on_send(const wire::Send& frame, Now now, Actions& out);
  void on_ack(const wire::Ack& frame, Actions& out);

  // Takes a token from the device's (or pair's) bucket and the IP's; false after answering
  // with a non-fatal Failure{rate_limited}.
  bool within_rate(RateLimits::Kind own, const std::string& own_key, RateLimits::Kind per_ip, const char* what,
                   Now now, Actions& out, std::uint32_t request_id = 0, const MessageId* message_id = nullptr);
  void become_authenticated(const Address& address, Bytes identity_key, const char* how, Actions& out);
  // Loads the next page of the mailbox when the window has room.
  void pump(Actions& out);

  void fail(const Error& error, Actions& out, std::uint32_t request_id = 0, const MessageId* message_id = nullptr);
  void fatal(const Error& error, Actions& out);
  void count_refused(Errc code);

  const RelayConfig& config_;
  RateLimits* const rate_limits_;
  Metrics* const metrics_;
  const std::string ip_;

  bool closed_ = false;
  bool draining_ = false;

  // per-connection frame budgets
  TokenBucket control_frames_;
  TokenBucket tiny_fragments_;

  // authentication
  Auth auth_ = Auth::awaiting;
  Bytes nonce_;
  Bytes auth_signature_;  // of the Authenticate waiting for its device record
  Address address_;
  Bytes identity_key_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;

  // delivery
  std::map<std::uint64_t, std::size_t> in_flight_;  // delivery id -> payload bytes
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t last_loaded_ = 0;  // highest delivery id handed out on this connection
  bool loading_ = false;
  bool dirty_ = false;  // the mailbox may hold rows past last_loaded_
};

}  // namespace parley::relay
