// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/relay_link.hpp"

#include <algorithm>

namespace parley::engine {

void RelayLink::opened() { state_ = State::awaiting_challenge; }

bool RelayLink::closed() {
  const bool was_open = state_ != State::closed;
  state_ = State::closed;
  requests_.clear();
  in_flight_.clear();
  return was_open;
}

Status RelayLink::challenged(bool registering) {
  if (state_ != State::awaiting_challenge)
    return make_error(Errc::protocol_violation, "relay sent a challenge outside the handshake");
  registering_ = registering;
  state_ = State::awaiting_auth;
  return {};
}

Result<bool> RelayLink::authenticated() {
  if (state_ != State::awaiting_auth) return make_error(Errc::protocol_violation, "unexpected AuthOk");
  state_ = State::ready;
  resend_at_.clear();  // the whole outbox goes again now
  refetch_at_.clear();  // and every pending message asks for its bundle again
  return registering_;
}

std::optional<std::uint32_t> RelayLink::ask_bundle(const Address& peer) {
  if (state_ != State::ready || in_flight_.count(peer)) return std::nullopt;
  const std::uint32_t id = next_request_id_++;
  if (next_request_id_ == 0) next_request_id_ = 1;  // 0 means "no request" on the wire
  requests_[id] = peer;
  in_flight_.insert(peer);
  return id;
}

std::optional<Address> RelayLink::answered(std::uint32_t request_id) {
  auto request = requests_.find(request_id);
  if (request_id == 0 || request == requests_.end()) return std::nullopt;
  Address peer = std::move(request->second);
  requests_.erase(request);
  in_flight_.erase(peer);
  return peer;
}

void RelayLink::resend_later(const MessageId& id, TimeMs at) { resend_at_[id] = at; }

void RelayLink::refetch_later(const Address& peer, TimeMs at) { refetch_at_[peer] = at; }

bool RelayLink::due(TimeMs now) const {
  if (state_ != State::ready) return false;
  const auto is_due = [now](const auto& entry) { return entry.second <= now; };
  return std::any_of(resend_at_.begin(), resend_at_.end(), is_due) ||
         std::any_of(refetch_at_.begin(), refetch_at_.end(), is_due);
}

RelayLink::Due RelayLink::take_due(TimeMs now) {
  Due out;
  if (state_ != State::ready) return out;
  for (auto it = resend_at_.begin(); it != resend_at_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    out.resends.insert(it->first);
    it = resend_at_.erase(it);
  }
  for (auto it = refetch_at_.begin(); it != refetch_at_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    out.refetches.push_back(it->first);
    it = refetch_at_.erase(it);
  }
  return out;
}

std::optional<TimeMs> RelayLink::next_retry() const {
  if (state_ != State::ready) return std::nullopt;
  std::optional<TimeMs> next;
  for (const auto& [id, at] : resend_at_) next = std::min(next.value_or(at), at);
  for (const auto& [peer, at] : refetch_at_) next = std::min(next.value_or(at), at);
  return next;
}

}  // namespace parley::engine
