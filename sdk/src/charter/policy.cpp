// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/policy.hpp"

#include <algorithm>

#include "charter/labels.hpp"

namespace parley::charter {

namespace {

bool matches(const std::vector<Grant>& grants, const UserRecord& user, const Address& device) {
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& grant) {
    switch (grant.kind) {
      case GrantKind::party:
        return grant.name == user.party;
      case GrantKind::user:
        return grant.name == device.user;
      case GrantKind::device:
        return grant.name == device.user && grant.device == device.device;
    }
    return false;
  });
}

const ChannelRecord* find_channel(const CellState& state, std::string_view channel) {
  auto it = state.channels.find(std::string(channel));
  return it == state.channels.end() ? nullptr : &it->second;
}

bool read_allowed(const CellState& state, const ChannelRecord& channel, const UserRecord& user,
                  const Address& device) {
  return matches(channel.policy.read, user, device) && cleared_for(state, channel.policy, user, device);
}

bool post_allowed(const CellState& state, const ChannelRecord& channel, const UserRecord& user,
                  const Address& device) {
  return !channel.archived && user.role != Role::observer && read_allowed(state, channel, user, device) &&
         matches(channel.policy.post, user, device);
}

template <class Allowed>
std::vector<Address> select(const CellState& state, std::string_view channel, Allowed allowed) {
  std::vector<Address> out;
  const ChannelRecord* record = find_channel(state, channel);
  if (!record) return out;
  for (const auto& [address, device] : state.devices) {
    const UserRecord* user = state.user_of(address);
    if (user && allowed(state, *record, *user, address)) out.push_back(address);
  }
  return out;  // std::map order: already sorted
}

}  // namespace

bool may_read(const CellState& state, std::string_view channel, const Address& device) {
  const ChannelRecord* record = find_channel(state, channel);
  const UserRecord* user = state.user_of(device);
  return record && user && read_allowed(state, *record, *user, device);
}

bool may_post(const CellState& state, std::string_view channel, const Address& device) {
  const ChannelRecord* record = find_channel(state, channel);
  const UserRecord* user = state.user_of(device);
  return record && user && post_allowed(state, *record, *user, device);
}

std::vector<Address> readers(const CellState& state, std::string_view channel) {
  return select(state, channel, read_allowed);
}

std::vector<Address> posters(const CellState& state, std::string_view channel) {
  return select(state, channel, post_allowed);
}

}  // namespace parley::charter
