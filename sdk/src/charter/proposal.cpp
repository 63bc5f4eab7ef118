// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/proposal.hpp"

#include "charter/codec.hpp"
#include "crypto/keys.hpp"

namespace parley::charter {

namespace {

Error denied(std::size_t index, const Operation& op, const std::string& why) {
  return make_error(Errc::charter_not_authorized, "proposal operation " + std::to_string(index) + " (" +
                                                      std::string(operation_name(op)) + "): " + why);
}

bool member_or_observer(Role role) { return role == Role::member || role == Role::observer; }

// Whether the admin of `party` may make `op` on `state` (the state as changed by the earlier
// operations of the same proposal). Consistency is left to apply_operations.
Status in_scope(const CellState& state, const std::string& party, std::size_t index, const Operation& op) {
  if (const auto* add = std::get_if<AddDevice>(&op)) {
    if (add->party != party) return denied(index, op, "device for party " + add->party + ", not the proposer's " + party);
    auto user = state.users.find(add->device.user);
    if (user == state.users.end()) {
      if (!add->role || !member_or_observer(*add->role))
        return denied(index, op, "a new user proposed by a party admin must be a member or observer");
    } else if (user->second.party != party) {
      return denied(index, op, "user " + add->device.user + " belongs to party " + user->second.party);
    } else if (user->second.role == Role::supervisor) {
      return denied(index, op, "user " + add->device.user + " is a supervisor");
    }
    return {};
  }
  if (const auto* remove = std::get_if<RemoveDevice>(&op)) {
    const UserRecord* user = state.user_of(remove->device);
    if (!user) return {};  // apply_operations reports the unknown device
    if (user->party != party)
      return denied(index, op, "device " + remove->device.to_string() + " belongs to party " + user->party);
    if (user->role == Role::supervisor) return denied(index, op, "device " + remove->device.to_string() + " is a supervisor's");
    return {};
  }
  if (const auto* set = std::get_if<SetRole>(&op)) {
    auto user = state.users.find(set->user);
    if (user == state.users.end()) return {};
    if (user->second.party != party) return denied(index, op, "user " + set->user + " belongs to party " + user->second.party);
    if (!member_or_observer(user->second.role) || !member_or_observer(set->role))
      return denied(index, op, "party admins move users only between member and observer");
    return {};
  }
  return denied(index, op, "party admins may propose only AddDevice, RemoveDevice and SetRole within their party");
}

}  // namespace

Result<ProposalBody> validate_proposal(const CellState& state, const Proposal& proposal) {
  auto decoded = decode_proposal(proposal.bytes);
  if (!decoded) return std::move(decoded).error();
  const ProposalBody& body = *decoded;
  if (body.cell_id != state.cell_id) return make_error(Errc::charter_wrong_cell, "the proposal names another cell");
  if (body.base_epoch > state.epoch)
    return make_error(Errc::charter_out_of_order, "the proposal was made at epoch " + std::to_string(body.base_epoch) +
                                                      ", ahead of this state's epoch " + std::to_string(state.epoch));
  const UserRecord* proposer = state.user_of(body.proposer);
  if (!proposer)
    return make_error(Errc::charter_not_authorized, "proposer " + body.proposer.to_string() + " is not a device of the cell");
  if (proposer->role != Role::party_admin)
    return make_error(Errc::charter_not_authorized, "proposer " + body.proposer.to_string() + " is a " +
                                                        std::string(role_name(proposer->role)) +
                                                        "; only party admins propose");
  if (!crypto::verify(state.devices.at(body.proposer).identity_key, proposal.bytes, proposal.signature))
    return make_error(Errc::invalid_signature,
                      "proposal signature does not verify with " + body.proposer.to_string() + "'s key");
  const std::string party = proposer->party;
  CellState simulated = state;
  for (std::size_t i = 0; i < body.operations.size(); ++i) {
    PARLEY_TRY(in_scope(simulated, party, i, body.operations[i]));
    auto next = apply_operations(simulated, {body.operations[i]});
    if (!next) return make_error(next.error().code, "proposal operation " + std::to_string(i) + ": " + next.error().message);
    simulated = std::move(next).value();
  }
  return decoded;
}

Commit commit_from_proposal(const CellState& state, const ProposalBody& proposal, const Address& author, TimeMs now) {
  return Commit{state.cell_id, state.epoch + 1, state.head, author, now, proposal.operations};
}

}  // namespace parley::charter
