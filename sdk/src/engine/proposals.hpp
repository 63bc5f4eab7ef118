// SPDX-License-Identifier: GPL-3.0-or-later
// Party-admin proposals, a part of the engine (docs/protocol.md "Party-admin proposals"): a
// party admin signs membership changes of its own party and sends them to the supervisor
// devices (propose); a supervisor device validates and keeps them (on_proposal), and only a
// person deciding on that device turns one into a commit (accept_proposal) or drops it
// (reject_proposal). Depends on Core, Identities and Charters.
#pragma once

#include <vector>

#include "charter/model.hpp"
#include "engine/charters.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/identities.hpp"

namespace parley::engine {

class Proposals {
 public:
  Proposals(Core& core, Identities& identities, Charters& charters)
      : core_(core), identities_(identities), charters_(charters) {}

  // The Engine methods of the same names (engine.hpp).
  Result<ProposalId> propose(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now);
  Status accept_proposal(const CellId& cell, const ProposalId& id, TimeMs now);
  Status reject_proposal(const CellId& cell, const ProposalId& id);
  // A proposal that arrived (ContentKind::proposal), inside the delivery's transaction.
  Status on_proposal(const Address& sender, ByteView body, TimeMs now, Effects& after);

 private:
  Core& core_;
  Identities& identities_;
  Charters& charters_;
};

}  // namespace parley::engine
