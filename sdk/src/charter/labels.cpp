// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/labels.hpp"

#include <algorithm>

namespace parley::charter {

std::optional<std::size_t> level_rank(const CellState& state, std::string_view level) {
  auto it = std::find(state.levels.begin(), state.levels.end(), level);
  if (it == state.levels.end()) return std::nullopt;
  return static_cast<std::size_t>(it - state.levels.begin());
}

bool cleared_for(const CellState& state, const ChannelPolicy& policy, const UserRecord& user, const Address& device) {
  if (!policy.releasable_to.empty() &&
      std::find(policy.releasable_to.begin(), policy.releasable_to.end(), user.party) == policy.releasable_to.end())
    return false;
  if (policy.label.empty()) return true;
  auto record = state.devices.find(device);
  if (record == state.devices.end() || record->second.clearance.empty()) return false;
  const auto needed = level_rank(state, policy.label);
  const auto held = level_rank(state, record->second.clearance);
  // Both name defined levels after every commit (check_levels_used); an undefined one, which
  // only a bug could leave, clears nobody.
  return needed && held && *held >= *needed;
}

bool label_fits(const CellState& state, const ChannelPolicy& policy, std::string_view label) {
  if (label.empty()) return true;
  if (policy.label.empty()) return false;
  const auto message = level_rank(state, label);
  const auto channel = level_rank(state, policy.label);
  return message && channel && *message <= *channel;
}

Status check_levels_used(const CellState& state) {
  for (const auto& [id, channel] : state.channels)
    if (!channel.policy.label.empty() && !level_rank(state, channel.policy.label))
      return make_error(Errc::charter_invalid_operation,
                        "channel " + id + " is labelled " + channel.policy.label + ", which is not a level of the cell");
  for (const auto& [address, device] : state.devices)
    if (!device.clearance.empty() && !level_rank(state, device.clearance))
      return make_error(Errc::charter_invalid_operation, "device " + address.to_string() + " is cleared for " +
                                                             device.clearance + ", which is not a level of the cell");
  return {};
}

bool uses_labels(const CellState& state) {
  if (!state.levels.empty()) return true;
  for (const auto& [id, channel] : state.channels)
    if (!channel.policy.label.empty() || !channel.policy.releasable_to.empty()) return true;
  for (const auto& [address, device] : state.devices)
    if (!device.clearance.empty()) return true;
  return false;
}

}  // namespace parley::charter
