// SPDX-License-Identifier: GPL-3.0-or-later
// The sans-IO device engine: relay frames and time in; frames to send, store writes and
// application events out. No sockets, no threads, no clock: the caller passes `now` and
// moves bytes. parley::Client drives it over a WebSocket; tests can drive it directly.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>

#include "parley/events.hpp"
#include "pairwise/sessions.hpp"
#include "store/device_store.hpp"
#include "wire/frames.hpp"

namespace parley::engine {

struct EngineOptions {
  std::uint32_t prekey_batch = 100;  // one-time prekeys uploaded when the relay says "low"
  // Source of message ids; defaults to the OpenSSL CSPRNG. Tests inject a seeded one.
  std::function<void(std::span<std::uint8_t>)> random;
};

class Engine {
 public:
  // `store` must already hold a device identity (pairwise::create_device_identity) and
  // must outlive the engine.
  static Result<std::unique_ptr<Engine>> create(store::DeviceStore& store, EngineOptions options = {});

  const Address& address() const { return self_; }
  bool ready() const { return state_ == State::ready; }

  // --- transport lifecycle ---
  void on_open(TimeMs now);                          // the relay's Challenge comes next
  void on_close(const Error& reason, TimeMs now);   // emits Disconnected
  // One binary frame from the relay. An error means the connection is unusable: close it.
  Status on_frame(ByteView frame, TimeMs now);

  // --- commands ---
  // Queues `text` for `to` durably (outbox, or pending until a session exists) and returns
  // its id. Delivery progress arrives as MessageSent / SendFailed events.
  Result<MessageId> send_text(const Address& to, std::string_view text, TimeMs now);

  // --- outputs ---
  std::optional<Bytes> poll_transmit();
  std::optional<Event> poll_event();

 private:
  enum class State { closed, awaiting_challenge, awaiting_auth, ready };

  Engine(store::DeviceStore& store, std::unique_ptr<pairwise::SignalStoreAdapter> adapter, Address self,
         EngineOptions options);

  Status on_challenge(const wire::Challenge& challenge);
  Status on_auth_ok(const wire::AuthOk& ok);
  Status on_prekeys_low();
  Status on_bundle(const wire::Bundle& bundle);
  Status on_send_ack(const wire::SendAck& ack);
  Status on_deliver(const wire::Deliver& deliver, TimeMs now);
  Status on_failure(const wire::Failure& failure);

  void transmit_send(const store::OutboxItem& item);
  void request_bundle(const Address& peer);
  Status encrypt_pending_for(const Address& peer);
  Status fail_pending_for(const Address& peer, const Error& error);
  void transmit_ack(std::uint64_t delivery_id);
  void emit(Event event) { events_.push_back(std::move(event)); }
  MessageId new_message_id();

  store::DeviceStore& store_;
  std::unique_ptr<pairwise::SignalStoreAdapter> adapter_;
  pairwise::Sessions sessions_;
  Address self_;
  EngineOptions options_;

  State state_ = State::closed;
  bool registering_ = false;
  std::uint32_t next_request_id_ = 1;
  std::map<std::uint32_t, Address> bundle_requests_;  // request id -> peer
  std::set<Address> bundles_in_flight_;
  std::map<MessageId, Address> sends_in_flight_;      // for MessageSent / SendFailed events
  std::deque<Bytes> outbound_;
  std::deque<Event> events_;
};

}  // namespace parley::engine
