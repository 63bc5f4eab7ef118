// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/state.hpp"

#include <algorithm>
#include <set>

#include "charter/codec.hpp"
#include "charter/consent.hpp"
#include "charter/labels.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"

namespace parley::charter {

namespace {

Error conflict(std::string message) { return make_error(Errc::charter_invalid_operation, std::move(message)); }

std::vector<Grant> sorted(std::vector<Grant> grants) {
  std::set<Grant> unique(grants.begin(), grants.end());
  return {unique.begin(), unique.end()};
}

std::size_t device_count(const CellState& state, const std::string& user) {
  std::size_t count = 0;
  for (auto it = state.devices.lower_bound(Address{user, 0}); it != state.devices.end() && it->first.user == user;
       ++it)
    ++count;
  return count;
}

// Each operation edits `state` in place; the caller owns a copy, so a failure part-way
// through a commit never reaches the caller's state.
struct Applier {
  CellState& state;

  Status operator()(const CreateCell& op) const {
    if (!state.name.empty()) return conflict("the cell already exists");
    state.name = op.name;
    state.supervisor_party = op.supervisor_party;
    state.users[op.supervisor_user] = UserRecord{op.supervisor_party, Role::supervisor};
    return {};
  }

  Status operator()(const AddDevice& op) const {
    if (state.devices.contains(op.device))
      return conflict("device " + op.device.to_string() + " is already in the cell");
    if (state.devices.size() >= kMaxDevices)
      return conflict("the cell already has " + std::to_string(kMaxDevices) + " devices, the limit");
    for (const auto& [address, record] : state.devices)
      if (record.identity_key == op.identity_key)
        return conflict("device " + op.device.to_string() + " reuses the identity key of " + address.to_string());
    auto user = state.users.find(op.device.user);
    if (user != state.users.end()) {
      if (user->second.party != op.party)
        return conflict("user " + op.device.user + " belongs to party " + user->second.party + ", not " + op.party);
      if (op.role)
        return conflict("user " + op.device.user + " already exists; its role changes only through SetRole");
    } else {
      if (!op.role) return conflict("new user " + op.device.user + " needs a role");
      if (*op.role == Role::supervisor && op.party != state.supervisor_party)
        return conflict("the supervisor role belongs to party " + state.supervisor_party + ", not " + op.party);
      state.users[op.device.user] = UserRecord{op.party, *op.role};
    }
    state.devices[op.device] = DeviceRecord{op.identity_key};
    return {};
  }

  Status operator()(const RemoveDevice& op) const {
    if (state.devices.erase(op.device) == 0)
      return conflict("device " + op.device.to_string() + " is not in the cell");
    if (device_count(state, op.device.user) == 0) state.users.erase(op.device.user);
    return {};
  }

  Status operator()(const SetRole& op) const {
    auto user = state.users.find(op.user);
    if (user == state.users.end()) return conflict("user " + op.user + " is not in the cell");
    if (op.role == Role::supervisor && user->second.party != state.supervisor_party)
      return conflict("the supervisor role belongs to party " + state.supervisor_party + ", and user " + op.user +
                      " is in party " + user->second.party);
    user->second.role = op.role;
    return {};
  }

  Status operator()(const CreateChannel& op) const {
    if (auto it = state.channels.find(op.channel); it != state.channels.end())
      return conflict("channel " + op.channel + (it->second.archived ? " was archived; channel ids are never reused"
                                                                     : " already exists"));
    if (state.channels.size() >= kMaxChannels)
      return conflict("the cell already has " + std::to_string(kMaxChannels) + " channels, the limit");
    state.channels[op.channel] = ChannelRecord{op.display_name, false, {}};
    return {};
  }

  Result<ChannelRecord*> open_channel(const std::string& channel) const {
    auto it = state.channels.find(channel);
    if (it == state.channels.end()) return conflict("channel " + channel + " does not exist");
    if (it->second.archived) return conflict("channel " + channel + " is archived");
    return &it->second;
  }

  Status operator()(const RenameChannel& op) const {
    auto channel = open_channel(op.channel);
    if (!channel) return std::move(channel).error();
    (*channel)->display_name = op.display_name;
    return {};
  }

  Status operator()(const ArchiveChannel& op) const {
    auto channel = open_channel(op.channel);
    if (!channel) return std::move(channel).error();
    (*channel)->archived = true;
    return {};
  }

  Status operator()(const SetChannelPolicy& op) const {
    auto channel = open_channel(op.channel);
    if (!channel) return std::move(channel).error();
    // A retention every member believes in but no device enforces would be a false promise
    // (history stays on every device): refuse it until deletion is implemented and tested.
    if (op.policy.retention_seconds != 0)
      return conflict("retention is not enforced yet: channel " + op.channel + " asks for " +
                      std::to_string(op.policy.retention_seconds) + " s; retention_seconds must be 0 (keep)");
    if (!op.policy.label.empty() && !level_rank(state, op.policy.label))
      return conflict("channel " + op.channel + " cannot be labelled " + op.policy.label +
                      ": not a level of the cell");
    ChannelPolicy policy = op.policy;
    std::sort(policy.releasable_to.begin(), policy.releasable_to.end());
    policy.read = sorted(std::move(policy.read));
    policy.post = sorted(std::move(policy.post));
    (*channel)->policy = std::move(policy);
    return {};
  }

  // Labels and clearances that name a dropped level are caught after the whole commit
  // (check_levels_used), so one commit may rename levels and relabel together.
  Status operator()(const SetLevels& op) const {
    state.levels = op.levels;
    return {};
  }

  Status operator()(const SetClearance& op) const {
    auto device = state.devices.find(op.device);
    if (device == state.devices.end()) return conflict("device " + op.device.to_string() + " is not in the cell");
    if (!op.level.empty() && !level_rank(state, op.level))
      return conflict("device " + op.device.to_string() + " cannot be cleared for " + op.level +
                      ": not a level of the cell");
    device->second.clearance = op.level;
    return {};
  }
};

Status check_invariants(const CellState& state) {
  bool supervisor = false;
  for (const auto& [address, record] : state.devices) {
    if (state.is_supervisor_device(address)) {
      supervisor = true;
      break;
    }
  }
  if (!supervisor) return conflict("the cell would have no supervisor device left");
  for (const auto& [user, record] : state.users)
    if (device_count(state, user) == 0) return conflict("user " + user + " has no device");
  return check_levels_used(state);
}

// Canonical, injective encoding of a state for its digest: fixed-width integers, strings
// with a length, containers with a count, maps in key order.
class Canonical {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u64(std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void bytes(ByteView v) {
    u64(v.size());
    out_.insert(out_.end(), v.begin(), v.end());
  }
  void text(const std::string& v) { bytes(as_bytes(v)); }
  void grants(const std::vector<Grant>& list) {
    u64(list.size());
    for (const Grant& g : list) {
      u8(static_cast<std::uint8_t>(g.kind));
      text(g.name);
      u64(g.device);
    }
  }
  const Bytes& out() const { return out_; }

 private:
  Bytes out_;
};

}  // namespace

const UserRecord* CellState::user_of(const Address& device) const {
  if (!devices.contains(device)) return nullptr;
  auto it = users.find(device.user);
  return it == users.end() ? nullptr : &it->second;
}

bool CellState::is_supervisor_device(const Address& device) const {
  const UserRecord* user = user_of(device);
  return user && user->role == Role::supervisor;
}

Result<Hash> CellState::digest() const {
  const bool extended = uses_labels(*this) || std::any_of(channels.begin(), channels.end(), [](const auto& entry) {
                          return entry.second.policy.consent;
                        });
  Canonical c;
  c.bytes(cell_id);
  c.text(name);
  c.text(supervisor_party);
  c.u64(epoch);
  c.bytes(head);
  c.u64(static_cast<std::uint64_t>(time_ms));
  c.u64(users.size());
  for (const auto& [user, record] : users) {
    c.text(user);
    c.text(record.party);
    c.u8(static_cast<std::uint8_t>(record.role));
  }
  c.u64(devices.size());
  for (const auto& [address, record] : devices) {
    c.text(address.user);
    c.u64(address.device);
    c.bytes(record.identity_key);
    if (extended) c.text(record.clearance);
  }
  c.u64(channels.size());
  for (const auto& [id, channel] : channels) {
    c.text(id);
    c.text(channel.display_name);
    c.u8(channel.archived ? 1 : 0);
    c.grants(channel.policy.read);
    c.grants(channel.policy.post);
    c.u8(channel.policy.ack_required ? 1 : 0);
    c.u64(channel.policy.ack_deadline_seconds);
    c.u8(channel.policy.attested ? 1 : 0);
    c.u64(channel.policy.retention_seconds);
    if (extended) {
      c.u8(channel.policy.consent ? 1 : 0);
      c.u64(channel.policy.consent_quorum);
      c.text(channel.policy.label);
      c.u64(channel.policy.releasable_to.size());
      for (const std::string& party : channel.policy.releasable_to) c.text(party);
    }
  }
  if (extended) {
    c.u64(levels.size());
    for (const std::string& level : levels) c.text(level);
  }
  // A cell that uses consent or labels is digested under v2, which encodes them for every
  // channel and device; v1 (neither anywhere) stays what it was, so existing digests do not
  // change.
  static constexpr std::string_view kLabelV1{"parley-charter-state-v1\0", 24};
  static constexpr std::string_view kLabelV2{"parley-charter-state-v2\0", 24};
  auto digest = crypto::sha256({as_bytes(extended ? kLabelV2 : kLabelV1), c.out()});
  if (!digest) return std::move(digest).error();
  return *digest;
}

Result<CellState> apply_operations(const CellState& state, const std::vector<Operation>& operations) {
  CellState next = state;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    auto status = std::visit(Applier{next}, operations[i]);
    if (!status)
      return conflict("operation " + std::to_string(i) + " (" + std::string(operation_name(operations[i])) +
                      "): " + status.error().message);
  }
  PARLEY_TRY(check_invariants(next));
  return next;
}

Result<CellState> apply(const CellState& state, const SignedCommit& signed_commit) {
  auto decoded = decode_commit(signed_commit.bytes);
  if (!decoded) return std::move(decoded).error();
  const Commit& commit = *decoded;
  const std::string epoch_text = "commit for epoch " + std::to_string(commit.epoch);

  Result<CellState> next = Error{};
  if (state.epoch == 0) {
    if (commit.epoch != 1)
      return make_error(Errc::charter_out_of_order,
                        "the charter starts with the genesis (epoch 1), got " + epoch_text);
    CellState empty;
    empty.cell_id = commit.cell_id;
    next = apply_operations(empty, commit.operations);
    if (!next) return make_error(next.error().code, "genesis: " + next.error().message);
    // A genesis certifies itself: its author must be a supervisor device it creates.
    if (!next->is_supervisor_device(commit.author))
      return make_error(Errc::charter_not_authorized,
                        "genesis author " + commit.author.to_string() + " is not a supervisor device the genesis adds");
    if (!crypto::verify(next->devices.at(commit.author).identity_key, signed_commit.bytes, signed_commit.signature))
      return make_error(Errc::invalid_signature,
                        "genesis signature does not verify with author " + commit.author.to_string() + "'s key");
  } else {
    if (commit.cell_id != state.cell_id)
      return make_error(Errc::charter_wrong_cell, epoch_text + " names another cell");
    if (commit.epoch != state.epoch + 1)
      return make_error(Errc::charter_out_of_order,
                        epoch_text + ", expected epoch " + std::to_string(state.epoch + 1));
    if (commit.prev_hash != state.head)
      return make_error(Errc::charter_broken_chain,
                        epoch_text + " does not extend the head of epoch " + std::to_string(state.epoch));
    auto author = state.devices.find(commit.author);
    if (author == state.devices.end())
      return make_error(Errc::charter_not_authorized,
                        epoch_text + ": author " + commit.author.to_string() + " is not a device of the cell");
    if (!state.is_supervisor_device(commit.author))
      return make_error(Errc::charter_not_authorized,
                        epoch_text + ": author " + commit.author.to_string() + " is a " +
                            std::string(role_name(state.users.at(commit.author.user).role)) +
                            ", only supervisor devices commit");
    if (!crypto::verify(author->second.identity_key, signed_commit.bytes, signed_commit.signature))
      return make_error(Errc::invalid_signature,
                        epoch_text + ": signature does not verify with author " + commit.author.to_string() + "'s key");
    next = apply_operations(state, commit.operations);
    if (!next) return make_error(next.error().code, epoch_text + ": " + next.error().message);
    if (auto consent = check_consent(state, *next, commit.author, signed_commit.bytes, signed_commit.co_signatures);
        !consent)
      return make_error(consent.error().code, epoch_text + ": " + consent.error().message);
  }
  auto hash = commit_hash(signed_commit.bytes);
  if (!hash) return std::move(hash).error();
  next->epoch = commit.epoch;
  next->head = *hash;
  next->time_ms = commit.time_ms;
  return next;
}

}  // namespace parley::charter
