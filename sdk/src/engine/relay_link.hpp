// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's side of one relay connection (docs/relay-protocol.md): where the handshake
// stands, which bundle fetches are in flight, and which sends and fetches a busy relay asked
// to come back for later. No store and no frames: the engine asks here, then builds the frames.
// Memory only: a reconnect resends the whole outbox and asks for every missing bundle again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::engine {

class RelayLink {
 public:
  enum class State { closed, awaiting_challenge, awaiting_auth, ready };

  // `first_request_id`: where bundle request ids start (tests start near the wrap).
  explicit RelayLink(std::uint32_t first_request_id = 1) : next_request_id_(first_request_id) {}

  State state() const { return state_; }
  bool ready() const { return state_ == State::ready; }

  // --- the handshake ---
  void opened();
  // The connection is gone: every request in flight with it. True if it had been open.
  bool closed();
  // A Challenge arrived; `registering`: this device answers with Register, not Authenticate.
  Status challenged(bool registering);
  // AuthOk arrived. Returns whether this connection registered the device (the engine
  // remembers that durably). Pauses asked for by the previous connection are over.
  Result<bool> authenticated();

  // --- bundle fetches ---
  // The request id for fetching `peer`'s bundle, or nullopt when not ready or one is in flight.
  std::optional<std::uint32_t> ask_bundle(const Address& peer);
  // The peer a Bundle or a Failure answers, or nullopt if no such request is in flight.
  std::optional<Address> answered(std::uint32_t request_id);

  // --- a busy relay (rate_limited, storage_full): come back later ---
  void resend_later(const MessageId& id, TimeMs at);
  void refetch_later(const Address& peer, TimeMs at);
  // Whether anything paused is due at `now` (on a ready connection).
  bool due(TimeMs now) const;
  struct Due {
    std::set<MessageId> resends;  // send again those still in the outbox
    std::vector<Address> refetches;
  };
  // Takes what is due at `now` out of the table.
  Due take_due(TimeMs now);
  // When the next pause ends; nullopt when nothing is paused or the connection is not ready
  // (a reconnect resends everything anyway).
  std::optional<TimeMs> next_retry() const;

  std::size_t requests_in_flight() const { return requests_.size(); }

 private:
  State state_ = State::closed;
  bool registering_ = false;
  std::uint32_t next_request_id_;
  std::map<std::uint32_t, Address> requests_;  // bundle request id -> peer
  std::set<Address> in_flight_;                 // peers of requests_
  std::map<MessageId, TimeMs> resend_at_;       // bounded by the outbox
  std::map<Address, TimeMs> refetch_at_;        // bounded by the peers with pending messages
};

}  // namespace parley::engine
