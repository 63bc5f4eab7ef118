// SPDX-License-Identifier: GPL-3.0-or-later
// Joining a cell, a part of the engine (docs/protocol.md "Joining"): a Welcome is checked,
// then joins at once if it matches an anchor the app gave, and otherwise waits as an
// invitation for the app to accept or decline. Depends on Core, Identities and Charters.
// The Engine retries held envelopes after a join (keys may have come with it).
#pragma once

#include <optional>
#include <vector>

#include "charter/log.hpp"
#include "engine/charters.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/identities.hpp"
#include "parley/joining.hpp"

namespace parley::cells {
struct Welcome;
}

namespace parley::engine {

class Joining {
 public:
  Joining(Core& core, Identities& identities, Charters& charters)
      : core_(core), identities_(identities), charters_(charters) {}

  // The Engine methods of the same names (engine.hpp); add_join_anchor and accept_invitation
  // leave retrying held envelopes to the Engine.
  Status add_join_anchor(const JoinAnchor& anchor, TimeMs now);
  Status accept_invitation(const Digest& genesis, TimeMs now);
  Status decline_invitation(const Digest& genesis);
  Result<std::vector<Invitation>> invitations() const;
  Result<JoinAnchor> join_anchor(const CellId& cell) const;
  Result<JoinAnchor> supervisor_anchor() const;

  // A Welcome that arrived (ContentKind::welcome), inside the delivery's transaction.
  Status on_welcome(const Address& sender, ByteView body, TimeMs now, Effects& after);
  // The checks every Welcome passes; nullopt (and a SecurityAlert) when it fails one.
  Result<std::optional<charter::CharterLog>> checked_welcome(const Address& sender, const cells::Welcome& welcome,
                                                              Effects& after) const;
  Result<bool> welcome_anchored(const charter::CharterLog& log) const;
  Status join_cell(const Address& sender, charter::CharterLog log, TimeMs now, Effects& after);
  Status keep_invitation(const Address& sender, ByteView welcome, const charter::CharterLog& log, TimeMs now,
                         Effects& after);
  Status join_invitation(const store::StoredInvitation& stored, TimeMs now, Effects& after);
  Result<Invitation> describe_invitation(const Address& sender, const charter::CharterLog& log,
                                         TimeMs received_at) const;

 private:
  Core& core_;
  Identities& identities_;
  Charters& charters_;
};

}  // namespace parley::engine
