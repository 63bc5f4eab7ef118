// SPDX-License-Identifier: GPL-3.0-or-later
// Charters, a part of the engine (docs/protocol.md "Cells"): the commits this device makes
// (create_cell, commit), the commits it receives (on_charter_commit), the resync that fills
// gaps (request_resync, on_resync, send_asks) and the re-base of a commit that lost a
// supervisor tie-break. Depends on Core and Identities.
#pragma once

#include <vector>

#include "charter/model.hpp"
#include "charter/seed_template.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/identities.hpp"

namespace parley::engine {

class Charters {
 public:
  Charters(Core& core, Identities& identities) : core_(core), identities_(identities) {}

  // Engine::create_cell: a cell from the standard template with this device as its supervisor
  // device; a Welcome to every other device it names.
  Result<CellId> create_cell(charter::SeedCellOptions options, TimeMs now);
  // Engine::commit: signs, applies and sends a commit of this supervisor device.
  Status commit(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now);
  Status on_charter_commit(const Address& sender, ByteView body, TimeMs now, Effects& after);
  // Queues a re-base of each of this device's own commits that lost a supervisor tie-break.
  void report_superseded(const CellId& cell, const std::vector<charter::SignedCommit>& lost, TimeMs now,
                         Effects& after);
  // Commits a lost commit's operations again on the winning branch (after the transaction that
  // switched to it): nothing if the winner carried the same operations, a SecurityAlert
  // (charter_out_of_order) if they no longer apply.
  void rebase_lost_commit(const LostCommit& lost);
  Status on_resync(const Address& sender, ByteView body, TimeMs now, Effects& after);
  Status request_resync(const cells::CellId& cell, const Address& to, TimeMs now, Effects& after);
  // Resync asks decided in a transaction (Core::finish's follow-up), in one of their own.
  void send_asks(const std::vector<ResyncAsk>& asks);

 private:
  Core& core_;
  Identities& identities_;
};

}  // namespace parley::engine
