// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/syntax.hpp"

#include <algorithm>
#include <set>

#include "common/address.hpp"
#include "common/text.hpp"

namespace parley::charter {

namespace {

Error bad(std::string message) { return make_error(Errc::malformed_frame, std::move(message)); }

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

Status check_text(std::string_view text, std::size_t max, const char* what) {
  if (text.empty() || text.size() > max)
    return bad(std::string(what) + " must be 1.." + std::to_string(max) + " bytes, got " +
               std::to_string(text.size()));
  if (!printable_utf8(text))
    return bad(std::string(what) + " must be valid UTF-8 without control characters");
  return {};
}

Status check_grants(const std::vector<Grant>& grants, const char* list) {
  if (grants.size() > kMaxGrants)
    return bad(std::string(list) + " grants: " + std::to_string(grants.size()) + ", limit " +
               std::to_string(kMaxGrants));
  std::set<Grant> seen;
  for (const Grant& grant : grants) {
    PARLEY_TRY(check_grant(grant));
    if (!seen.insert(grant).second) return bad(std::string(list) + " grant " + grant.to_string() + " is listed twice");
  }
  return {};
}

}  // namespace

Status check_cell_name(std::string_view name) { return check_text(name, kMaxCellNameBytes, "cell name"); }

Status check_display_name(std::string_view name) {
  return check_text(name, kMaxDisplayNameBytes, "channel display name");
}

Status check_party(std::string_view party) {
  if (party.empty() || party.size() > kMaxPartyBytes)
    return bad("party must be 1.." + std::to_string(kMaxPartyBytes) + " bytes, got " + std::to_string(party.size()));
  if (!std::all_of(party.begin(), party.end(), name_char)) return bad("party may hold only A-Z a-z 0-9 _ -");
  return {};
}

Status check_level(std::string_view level) {
  if (level.empty() || level.size() > kMaxLevelBytes)
    return bad("level must be 1.." + std::to_string(kMaxLevelBytes) + " bytes, got " + std::to_string(level.size()));
  if (!std::all_of(level.begin(), level.end(), name_char)) return bad("level may hold only A-Z a-z 0-9 _ -");
  return {};
}

Status check_user(std::string_view user) {
  // The address rule, with any valid device number.
  auto status = validate_address(Address{std::string(user), 1});
  if (!status) return bad(status.error().message);
  return {};
}

Status check_device(const Address& device) {
  auto status = validate_address(device);
  if (!status) return bad(status.error().message);
  return {};
}

Status check_channel_id(std::string_view channel) {
  if (channel.empty() || channel.size() > kMaxChannelIdBytes)
    return bad("channel id must be 1.." + std::to_string(kMaxChannelIdBytes) + " bytes, got " +
               std::to_string(channel.size()));
  auto lower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower(channel.front())) return bad("channel id must start with a-z or 0-9");
  if (!std::all_of(channel.begin(), channel.end(), [&](char c) { return lower(c) || c == '_' || c == '-'; }))
    return bad("channel id may hold only a-z 0-9 _ -");
  return {};
}

namespace {

// Curve25519 u-coordinates (little-endian, canonical) of the points of order 1, 2, 4 and 8.
// XEdDSA signatures "by" such a key can be forged without any private key, so a device with
// one would let anyone sign commits or proposals in its name. Honest key generation never
// yields them; refusing them turns a supervisor's mistake into an error instead of a hole.
constexpr std::uint8_t kSmallOrder[][32] = {
    {0},                                                   // 0: order 4
    {1},                                                   // 1: order 1
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},  // order 8
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},  // order 8
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p-1: order 2
};

// u >= 2^255 - 19 (non-canonical): crypto::verify rejects every signature by such a key.
bool non_canonical(ByteView u) {
  if (u[31] & 0x80) return true;
  if (u[31] != 0x7f) return false;
  for (std::size_t i = 30; i >= 1; --i)
    if (u[i] != 0xff) return false;
  return u[0] >= 0xed;
}

}  // namespace

Status check_identity_key(ByteView key) {
  if (key.size() != 33) return bad("identity key must be 33 bytes, got " + std::to_string(key.size()));
  if (key[0] != 0x05) return bad("identity key must start with type byte 0x05");
  const ByteView u = key.subspan(1);
  if (non_canonical(u)) return bad("identity key is not a canonical Curve25519 point encoding");
  for (const auto& weak : kSmallOrder)
    if (std::equal(u.begin(), u.end(), weak)) return bad("identity key is a small-order point");
  return {};
}

Status check_grant(const Grant& grant) {
  switch (grant.kind) {
    case GrantKind::party:
      if (grant.device != 0) return bad("a party grant carries no device number");
      return check_party(grant.name);
    case GrantKind::user:
      if (grant.device != 0) return bad("a user grant carries no device number");
      return check_user(grant.name);
    case GrantKind::device:
      return check_device(Address{grant.name, grant.device});
  }
  return bad("grant kind " + std::to_string(static_cast<int>(grant.kind)) + " is unknown");
}

Status check_policy(const ChannelPolicy& policy) {
  PARLEY_TRY(check_grants(policy.read, "READ"));
  PARLEY_TRY(check_grants(policy.post, "POST"));
  if (policy.ack_required) {
    if (policy.ack_deadline_seconds == 0 || policy.ack_deadline_seconds > kMaxAckDeadlineSeconds)
      return bad("ack deadline must be 1.." + std::to_string(kMaxAckDeadlineSeconds) + " seconds, got " +
                 std::to_string(policy.ack_deadline_seconds));
  } else if (policy.ack_deadline_seconds != 0) {
    return bad("ack deadline is set but acknowledgements are not required");
  }
  if (policy.retention_seconds > kMaxRetentionSeconds)
    return bad("retention must be at most " + std::to_string(kMaxRetentionSeconds) + " seconds (0 = keep)");
  if (!policy.consent && policy.consent_quorum != 0)
    return bad("consent quorum is set but consent is not required");
  if (!policy.label.empty()) PARLEY_TRY(check_level(policy.label));
  if (policy.releasable_to.size() > kMaxGrants)
    return bad("releasable to " + std::to_string(policy.releasable_to.size()) + " parties, limit " +
               std::to_string(kMaxGrants));
  for (std::size_t i = 0; i < policy.releasable_to.size(); ++i) {
    PARLEY_TRY(check_party(policy.releasable_to[i]));
    for (std::size_t j = 0; j < i; ++j)
      if (policy.releasable_to[j] == policy.releasable_to[i])
        return bad("party " + policy.releasable_to[i] + " is listed twice as releasable");
  }
  if (policy.consent_quorum > kMaxConsentQuorum)
    return bad("consent quorum must be at most " + std::to_string(kMaxConsentQuorum) + " parties, got " +
               std::to_string(policy.consent_quorum));
  return {};
}

Status check_operation(const Operation& operation) {
  struct Visitor {
    Status operator()(const CreateCell& op) const {
      PARLEY_TRY(check_cell_name(op.name));
      PARLEY_TRY(check_user(op.supervisor_user));
      return check_party(op.supervisor_party);
    }
    Status operator()(const AddDevice& op) const {
      PARLEY_TRY(check_device(op.device));
      PARLEY_TRY(check_party(op.party));
      return check_identity_key(op.identity_key);
    }
    Status operator()(const RemoveDevice& op) const { return check_device(op.device); }
    Status operator()(const SetRole& op) const {
      PARLEY_TRY(check_user(op.user));
      switch (op.role) {
        case Role::supervisor:
        case Role::party_admin:
        case Role::member:
        case Role::observer:
          return {};
      }
      return bad("role " + std::to_string(static_cast<int>(op.role)) + " is unknown");
    }
    Status operator()(const CreateChannel& op) const {
      PARLEY_TRY(check_channel_id(op.channel));
      return check_display_name(op.display_name);
    }
    Status operator()(const RenameChannel& op) const {
      PARLEY_TRY(check_channel_id(op.channel));
      return check_display_name(op.display_name);
    }
    Status operator()(const ArchiveChannel& op) const { return check_channel_id(op.channel); }
    Status operator()(const SetChannelPolicy& op) const {
      PARLEY_TRY(check_channel_id(op.channel));
      return check_policy(op.policy);
    }
    Status operator()(const SetLevels& op) const {
      if (op.levels.size() > kMaxLevels)
        return bad("a cell has at most " + std::to_string(kMaxLevels) + " levels, got " +
                   std::to_string(op.levels.size()));
      for (std::size_t i = 0; i < op.levels.size(); ++i) {
        PARLEY_TRY(check_level(op.levels[i]));
        for (std::size_t j = 0; j < i; ++j)
          if (op.levels[j] == op.levels[i]) return bad("level " + op.levels[i] + " is listed twice");
      }
      return {};
    }
    Status operator()(const SetClearance& op) const {
      PARLEY_TRY(check_device(op.device));
      return op.level.empty() ? Status{} : check_level(op.level);
    }
  };
  return std::visit(Visitor{}, operation);
}

Status check_commit_shape(const Commit& commit) {
  if (commit.epoch == 0) return bad("commit epoch must be at least 1 (genesis is 1)");
  if (commit.time_ms < 0) return bad("commit time is negative");
  PARLEY_TRY(check_device(commit.author));
  if (commit.operations.empty() || commit.operations.size() > kMaxOperations)
    return bad("commit must carry 1.." + std::to_string(kMaxOperations) + " operations, got " +
               std::to_string(commit.operations.size()));
  const bool genesis = commit.epoch == 1;
  if (genesis != (commit.prev_hash == Hash{}))
    return bad(genesis ? "the genesis commit must have an all-zero previous hash"
                       : "only the genesis commit has an all-zero previous hash");
  for (std::size_t i = 0; i < commit.operations.size(); ++i) {
    const bool create = std::holds_alternative<CreateCell>(commit.operations[i]);
    if (genesis && i == 0 && !create) return bad("the genesis commit must start with CreateCell");
    if (create && !(genesis && i == 0))
      return bad("operation " + std::to_string(i) + ": CreateCell is allowed only as the genesis's first operation");
    auto status = check_operation(commit.operations[i]);
    if (!status)
      return bad("operation " + std::to_string(i) + " (" + std::string(operation_name(commit.operations[i])) +
                 "): " + status.error().message);
  }
  return {};
}

Status check_proposal_shape(const ProposalBody& proposal) {
  if (proposal.time_ms < 0) return bad("proposal time is negative");
  PARLEY_TRY(check_device(proposal.proposer));
  if (proposal.operations.empty() || proposal.operations.size() > kMaxOperations)
    return bad("proposal must carry 1.." + std::to_string(kMaxOperations) + " operations, got " +
               std::to_string(proposal.operations.size()));
  for (std::size_t i = 0; i < proposal.operations.size(); ++i) {
    if (std::holds_alternative<CreateCell>(proposal.operations[i]))
      return bad("operation " + std::to_string(i) + ": a proposal cannot create a cell");
    auto status = check_operation(proposal.operations[i]);
    if (!status)
      return bad("operation " + std::to_string(i) + " (" + std::string(operation_name(proposal.operations[i])) +
                 "): " + status.error().message);
  }
  return {};
}

}  // namespace parley::charter
