// SPDX-License-Identifier: GPL-3.0-or-later
// Party admins may only propose. A proposal is a list of operations signed by a party-admin
// device; validate_proposal() decides whether the supervisor may turn it into a commit.
//
// What a party admin of party P may propose (everything else: charter_not_authorized):
//   AddDevice     for a user of P who is not a supervisor; a new user must be given the role
//                 member or observer, and `party` must be P
//   RemoveDevice  of a device whose user is in P and is not a supervisor
//   SetRole       of a user in P whose role is member or observer, to member or observer
// Each operation is checked against the state as changed by the operations before it, and
// the whole list must apply to the current state (charter_invalid_operation otherwise).
#pragma once

#include "charter/state.hpp"

namespace parley::charter {

// Checks, in order: bytes (decode_proposal errors); cell id (charter_wrong_cell); base_epoch
// <= state.epoch (charter_out_of_order); the proposer is a device of a party admin
// (charter_not_authorized); the signature by its identity key (invalid_signature); every
// operation in scope and consistent (as above). Returns the decoded proposal.
Result<ProposalBody> validate_proposal(const CellState& state, const Proposal& proposal);

// The commit a supervisor device `author` makes from an accepted proposal, on top of `state`.
Commit commit_from_proposal(const CellState& state, const ProposalBody& proposal, const Address& author, TimeMs now);

}  // namespace parley::charter
