// SPDX-License-Identifier: GPL-3.0-or-later
// The one identity rule (docs/protocol.md "Identity"): a cell member is (address, identity
// key), and the cell's charter is the only source of that key. libsignal-protocol-c checks a
// peer's key only when it builds a session, so the engine checks the session's remote key
// against the charter before every use for cell traffic, and again on every control message
// it acts on. A session built with another key is deleted, never used, and reported.
#include "cells/codec.hpp"
#include "cells/alerts.hpp"
#include "engine/identities.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "crypto/keys.hpp"

namespace parley::engine {

namespace {

const Bytes* charter_key(const charter::CellState& state, const Address& device) {
  auto it = state.devices.find(device);
  return it == state.devices.end() ? nullptr : &it->second.identity_key;
}

// A reader whose key generation must not reach `device` any more: rotation is due.
constexpr std::uint64_t kRotationDue = std::numeric_limits<std::uint64_t>::max();

}  // namespace

Status Identities::bind_session(const charter::CellState& state, const Address& device, Effects& after) {
  const Bytes* expected = charter_key(state, device);
  if (!expected || device == core_.self) return {};
  auto remote = core_.sessions.remote_identity(device);
  if (!remote) return std::move(remote).error();
  if (remote->has_value() && **remote != *expected) {
    PARLEY_TRY(core_.sessions.forget(device));
    after.events.push_back(cells::security_alert(
        state.cell_id, device, state.epoch,
        make_error(Errc::untrusted_identity, "the pairwise session with " + device.to_string() +
                                                 " was built with an identity key the cell's charter does not bind "
                                                 "to it; the session was deleted and a new one will be checked")));
  }
  // The pin libsignal checks when it builds the next session (from a bundle or a first
  // message): the charter's key, whatever was trusted for this address before.
  auto pinned = core_.store.identity_load(device);
  if (!pinned) return std::move(pinned).error();
  if (!pinned->has_value() || **pinned != *expected) PARLEY_TRY(core_.store.identity_save(device, *expected));
  return {};
}

Result<bool> Identities::session_matches(const charter::CellState& state, const Address& sender) const {
  const Bytes* expected = charter_key(state, sender);
  if (!expected) return true;  // not a member: each handler decides what a non-member may do
  auto remote = core_.sessions.remote_identity(sender);
  if (!remote) return std::move(remote).error();
  return remote->has_value() && **remote == *expected;
}

Result<bool> Identities::sender_bound(const charter::CellState& state, const Address& sender, Effects& after) {
  auto matches = session_matches(state, sender);
  if (!matches || *matches) return matches;
  const Bytes* expected = charter_key(state, sender);
  PARLEY_TRY(core_.sessions.forget(sender));
  PARLEY_TRY(core_.store.identity_save(sender, *expected));
  after.events.push_back(cells::security_alert(
      state.cell_id, sender, state.epoch,
      make_error(Errc::untrusted_identity, "a control message about the cell came from " + sender.to_string() +
                                               " over a session built with an identity key the charter does not "
                                               "bind to it; it was ignored and the session deleted")));
  return false;
}

Status Identities::adopt_charter_keys(const CellId& cell, const charter::CellState* before, const charter::CellState& now,
                                  Effects& after) {
  std::vector<Address> revoked;
  for (const auto& [device, record] : now.devices) {
    if (device == core_.self) continue;
    const Bytes* old_key = before ? charter_key(*before, device) : nullptr;
    if (before && old_key && *old_key == record.identity_key) continue;  // bound when it was applied
    PARLEY_TRY(bind_session(now, device, after));
    if (old_key) revoked.push_back(device);  // the same address under a new key: a new device
  }
  if (before)
    for (const auto& [device, record] : before->devices)
      if (device != core_.self && !now.devices.count(device)) revoked.push_back(device);
  if (revoked.empty()) return {};

  const Bytes prefix = cells::group_prefix(cell);
  std::set<std::string> channels;
  for (const auto& [name, record] : now.channels) channels.insert(name);
  if (before)
    for (const auto& [name, record] : before->channels) channels.insert(name);
  for (const auto& device : revoked) {
    // What the predecessor gave (its sender keys, its post cursor) or was given (this
    // device's key distributions) must never be taken for the new holder's.
    PARLEY_TRY(core_.store.forget_peer_in_cell(ByteView(cell), prefix, device));
    for (const auto& channel : channels) {
      auto key = core_.store.send_key_get(ByteView(cell), channel);
      if (!key) return std::move(key).error();
      if (!key->has_value()) continue;
      auto& distributed = (*key)->distributed;
      auto it = std::find(distributed.begin(), distributed.end(), device);
      if (it == distributed.end()) continue;
      distributed.erase(it);
      (*key)->sent_count = kRotationDue;
      PARLEY_TRY(core_.store.send_key_put(ByteView(cell), channel, **key));
    }
  }
  return {};
}

bool Identities::vouches_for(const Address& peer, ByteView key) const {
  for (const auto& id : core_.book.ids()) {
    const charter::CharterLog* log = core_.book.find(id);
    if (!log) continue;
    auto device = log->state().devices.find(peer);
    if (device != log->state().devices.end() && std::equal(device->second.identity_key.begin(),
                                                          device->second.identity_key.end(), key.begin(), key.end()))
      return true;
  }
  auto fingerprint = identity_fingerprint(key);
  if (!fingerprint) return false;
  auto anchored = core_.store.join_anchor_has(static_cast<std::uint8_t>(JoinAnchor::Kind::supervisor), ByteView(*fingerprint));
  return anchored && *anchored;
}

Status Identities::queue_control(const charter::CellState* state, const Address& to, envelope::ContentKind kind, Bytes body,
                             TimeMs now, Effects& after) {
  if (state) PARLEY_TRY(bind_session(*state, to, after));
  envelope::Content content;
  content.message_id = core_.new_message_id();
  content.sent_at = now;
  content.kind = kind;
  content.body = std::move(body);
  auto queued = core_.queue_pairwise(to, content, now, /*quiet=*/true, after);
  crypto::wipe(content.body);
  return queued;
}

}  // namespace parley::engine
