// SPDX-License-Identifier: GPL-3.0-or-later
// A view of a cell (parley::CellView): one pure function over a device's charter log, so the
// C++ client, the C ABI, Python and the wasm/JS API all show the same thing.
#pragma once

#include <span>

#include "charter/log.hpp"
#include "parley/cells.hpp"
#include "parley/error.hpp"

namespace parley::cells {

// A pending party-admin proposal as the store keeps it (signed bytes, not yet decided).
struct StoredProposalRef {
  ProposalId id{};
  ByteView bytes;  // the signed "PLP1" bytes
  TimeMs received_at = 0;
};

// The hash of the genesis commit (zeros for an empty log).
Digest genesis_hash(const charter::CharterLog& log);
// identity_fingerprint of the key that signed the genesis: the AddDevice of its author in the
// genesis itself (the key it was checked with when the log accepted it, whatever later
// commits did to that device). charter_invalid_operation for an empty log.
Result<Digest> genesis_signer_fingerprint(const charter::CharterLog& log);

// The view of `log` for device `self`. `proposals` are listed only when `self` is a
// supervisor device of the cell; one whose bytes no longer decode is skipped. Errors: those of
// genesis_signer_fingerprint and identity_fingerprint (a charter key of the wrong size).
Result<CellView> describe_cell(const charter::CharterLog& log, const Address& self,
                               std::span<const StoredProposalRef> proposals = {});

// One line for a proposal's operations ("add IL il_analyst.1 (member); remove il_trade.1;
// role of sy_analyst: observer"), parties from `state` where the operation does not name one.
std::string summarize_operations(const charter::CellState& state, const std::vector<charter::Operation>& operations);

// The members added, removed and re-roled by a proposal's operations, as the app sees them
// (ProposalReceived, and the pending proposals of a cell view).
CellProposal describe_changes(const std::vector<charter::Operation>& operations);

}  // namespace parley::cells
