// SPDX-License-Identifier: GPL-3.0-or-later
// A view of a cell (parley::CellView): the charter log and, on supervisor devices, the pending
// proposals from the store, handed to the one function that computes it (cells/cell_view.hpp).
#include "cells/cell_view.hpp"
#include "engine/engine.hpp"

namespace parley::engine {

Result<CellView> Engine::cell_view(const CellId& cell) const {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  std::vector<store::DeviceStore::PendingProposal> stored;
  if (log->state().is_supervisor_device(core_.self)) {
    auto pending = core_.store.proposals(ByteView(cell));
    if (!pending) return std::move(pending).error();
    stored = std::move(*pending);
  }
  std::vector<cells::StoredProposalRef> refs;
  refs.reserve(stored.size());
  for (const auto& p : stored) {
    cells::StoredProposalRef ref;
    if (p.id.size() != ref.id.size()) continue;  // not written by proposal_put
    std::copy(p.id.begin(), p.id.end(), ref.id.begin());
    ref.bytes = ByteView(p.bytes);
    ref.received_at = p.received_at;
    refs.push_back(ref);
  }
  return cells::describe_cell(*log, core_.self, refs);
}

Result<std::vector<CellView>> Engine::cell_views() const {
  std::vector<CellView> out;
  for (const auto& id : core_.book.ids()) {
    auto view = cell_view(id);
    if (!view) return std::move(view).error();
    out.push_back(std::move(*view));
  }
  return out;
}

}  // namespace parley::engine
