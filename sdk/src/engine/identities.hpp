// SPDX-License-Identifier: GPL-3.0-or-later
// The one identity rule (docs/protocol.md "Identity"), a part of the engine: a cell member is
// (address, identity key), and the cell's charter is the only source of that key. Control
// traffic about a cell leaves only over a session the charter binds (queue_control), and
// every control message acted on came over one (sender_bound). Depends on Core only.
#pragma once

#include "charter/model.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "envelope/envelope.hpp"

namespace parley::engine {

class Identities {
 public:
  explicit Identities(Core& core) : core_(core) {}

  // Control traffic about a cell: `state` names the key the session with `to` must have
  // (bind_session); nullptr for the few messages that carry nothing secret.
  Status queue_control(const charter::CellState* state, const Address& to, envelope::ContentKind kind, Bytes body,
                       TimeMs now, Effects& after);
  // Before cell traffic to `device`: a session built with another key than `state` binds to
  // it is deleted (SecurityAlert) and the charter's key pinned for the next one.
  Status bind_session(const charter::CellState& state, const Address& device, Effects& after);
  // After decrypting a control message about `state`'s cell from `sender`: false (and the
  // session deleted, SecurityAlert) if the session's key is not the one the charter binds.
  Result<bool> sender_bound(const charter::CellState& state, const Address& sender, Effects& after);
  // The comparison alone, for a charter this device has not joined (it pins nothing).
  Result<bool> session_matches(const charter::CellState& state, const Address& sender) const;
  // Whether an anchor the app gave (a supervisor key) or a joined cell's charter binds `key`
  // for `peer`: then it is trusted over a key first seen at that address.
  bool vouches_for(const Address& peer, ByteView key) const;
  // After applying commits of `cell` (before: the state it had, nullptr when joining): binds
  // every new or re-keyed device, and revokes what a removed or re-keyed address held.
  Status adopt_charter_keys(const CellId& cell, const charter::CellState* before, const charter::CellState& now,
                            Effects& after);

 private:
  Core& core_;
};

}  // namespace parley::engine
