// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/channel_rules.hpp"

#include "hotline/ack_rule.hpp"

namespace parley::channels {

const charter::ChannelPolicy* policy_at(const charter::CellState& state, std::string_view channel) {
  auto it = state.channels.find(std::string(channel));
  return it == state.channels.end() ? nullptr : &it->second.policy;
}

bool removed_from(const cells::CellBook& book, const CellId& cell, const Address& device) {
  const charter::CharterLog* log = book.find(cell);
  return log && !log->state().devices.count(device) && log->ever_listed(device);
}

bool acks_stricter_now(const charter::CellState& then, const charter::CellState& now, std::string_view channel,
                       const Address& sender) {
  const auto* policy_now = policy_at(now, channel);
  if (!policy_now || !policy_now->ack_required) return false;
  const auto* policy_then = policy_at(then, channel);
  if (!policy_then || !policy_then->ack_required) return true;
  const auto required_then = hotline::required_ack_parties(then, channel, sender);
  for (const auto& party : hotline::required_ack_parties(now, channel, sender))
    if (!required_then.count(party)) return true;
  return false;
}

}  // namespace parley::channels
