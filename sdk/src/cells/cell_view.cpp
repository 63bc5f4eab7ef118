// SPDX-License-Identifier: GPL-3.0-or-later
// A view of a cell (cell_view.hpp). Everything here is read from the folded charter state; the
// only other inputs are the genesis commit (for who signed it) and the pending proposals.
#include "cells/cell_view.hpp"

#include <algorithm>
#include <set>

#include "charter/codec.hpp"
#include "charter/policy.hpp"

namespace parley::cells {
namespace {

CellGrant to_grant(const charter::Grant& grant) {
  return CellGrant{static_cast<CellGrant::Kind>(grant.kind), grant.name, grant.device};
}

}  // namespace

CellProposal describe_changes(const std::vector<charter::Operation>& operations) {
  CellProposal out;
  for (const auto& op : operations) {
    if (const auto* add = std::get_if<charter::AddDevice>(&op)) {
      out.add.push_back(CellMember{add->device, add->party,
                                   static_cast<CellRole>(add->role.value_or(charter::Role::member)), add->identity_key});
    } else if (const auto* remove = std::get_if<charter::RemoveDevice>(&op)) {
      out.remove.push_back(remove->device);
    } else if (const auto* role = std::get_if<charter::SetRole>(&op)) {
      out.roles.push_back(RoleChange{role->user, static_cast<CellRole>(role->role)});
    }
  }
  return out;
}

Digest genesis_hash(const charter::CharterLog& log) {
  Digest out{};
  if (auto hash = log.hash_at(1)) std::copy(hash->begin(), hash->end(), out.begin());
  return out;
}

Result<Digest> genesis_signer_fingerprint(const charter::CharterLog& log) {
  const charter::SignedCommit* genesis = log.commit_at(1);
  if (!genesis) return make_error(Errc::charter_invalid_operation, "a charter without a genesis");
  auto decoded = charter::decode_commit(genesis->bytes);
  if (!decoded) return std::move(decoded).error();
  for (const auto& op : decoded->operations)
    if (const auto* add = std::get_if<charter::AddDevice>(&op); add && add->device == decoded->author)
      return identity_fingerprint(add->identity_key);
  return make_error(Errc::charter_not_authorized, "the genesis author is not a device of its cell");
}

std::string summarize_operations(const charter::CellState& state, const std::vector<charter::Operation>& operations) {
  std::string out;
  auto next = [&out]() -> std::string& {
    if (!out.empty()) out += "; ";
    return out;
  };
  for (const auto& op : operations) {
    if (const auto* add = std::get_if<charter::AddDevice>(&op)) {
      next() += "add " + add->party + " " + add->device.to_string();
      if (add->role) out += " (" + std::string(charter::role_name(*add->role)) + ")";
    } else if (const auto* remove = std::get_if<charter::RemoveDevice>(&op)) {
      next() += "remove ";
      if (const auto* user = state.user_of(remove->device)) out += user->party + " ";
      out += remove->device.to_string();
    } else if (const auto* role = std::get_if<charter::SetRole>(&op)) {
      next() += "role of " + role->user + ": " + std::string(charter::role_name(role->role));
    } else {
      next() += std::string(charter::operation_name(op));
    }
  }
  return out;
}

Result<CellView> describe_cell(const charter::CharterLog& log, const Address& self,
                               std::span<const StoredProposalRef> proposals) {
  const charter::CellState& state = log.state();
  CellView view;
  view.id = state.cell_id;
  view.name = state.name;
  view.genesis = genesis_hash(log);
  auto signer = genesis_signer_fingerprint(log);
  if (!signer) return std::move(signer).error();
  view.supervisor_fingerprint = *signer;
  view.supervisor_fingerprint_digits = fingerprint_digits(*signer);
  view.epoch = state.epoch;
  view.supervisor_party = state.supervisor_party;
  // A removed device keeps the charter it was removed by, which no longer lists it.
  if (state.devices.count(self)) {
    if (const charter::UserRecord* user = state.user_of(self)) {
      view.party = user->party;
      view.role = static_cast<CellRole>(user->role);
    }
  }

  std::set<std::string> parties;
  for (const auto& [name, record] : state.users) {
    parties.insert(record.party);
    view.members.push_back(CellMemberView{name, record.party, static_cast<CellRole>(record.role), {}});
  }
  view.parties.assign(parties.begin(), parties.end());
  // devices is ordered by (user, device), users by name: one merge pass.
  auto member = view.members.begin();
  for (const auto& [address, record] : state.devices) {
    while (member != view.members.end() && member->user != address.user) ++member;
    if (member == view.members.end()) break;  // not reachable: every device's user is listed
    auto fingerprint = identity_fingerprint(record.identity_key);
    if (!fingerprint) return std::move(fingerprint).error();
    member->devices.push_back(CellDeviceView{address, record.identity_key, *fingerprint});
  }

  for (const auto& [name, record] : state.channels) {
    CellChannelView channel;
    channel.name = name;
    channel.display_name = record.display_name;
    channel.archived = record.archived;
    for (const auto& grant : record.policy.read) channel.policy.read.push_back(to_grant(grant));
    for (const auto& grant : record.policy.post) channel.policy.post.push_back(to_grant(grant));
    channel.policy.ack_required = record.policy.ack_required;
    channel.policy.ack_deadline_seconds = record.policy.ack_deadline_seconds;
    channel.policy.attested = record.policy.attested;
    channel.policy.retention_seconds = record.policy.retention_seconds;
    channel.can_read = charter::may_read(state, name, self);
    channel.can_post = charter::may_post(state, name, self);
    view.channels.push_back(std::move(channel));
  }

  if (state.is_supervisor_device(self)) {
    for (const auto& stored : proposals) {
      auto body = charter::decode_proposal(stored.bytes);
      if (!body || body->cell_id != state.cell_id) continue;
      view.pending_proposals.push_back(PendingProposalView{stored.id, body->proposer, body->base_epoch,
                                                           stored.received_at, describe_changes(body->operations),
                                                           summarize_operations(state, body->operations)});
    }
  }
  return view;
}

}  // namespace parley::cells
