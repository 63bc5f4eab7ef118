// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/ack_rule.hpp"

#include "charter/policy.hpp"

namespace parley::hotline {

std::set<std::string> required_ack_parties(const charter::CellState& state, std::string_view channel,
                                           const Address& sender) {
  std::set<std::string> out;
  const auto* sender_user = state.user_of(sender);
  if (!sender_user) return out;
  for (const Address& reader : charter::readers(state, channel)) {
    const auto* user = state.user_of(reader);
    if (!user || user->party == sender_user->party || user->party == state.supervisor_party) continue;
    out.insert(user->party);
  }
  return out;
}

}  // namespace parley::hotline
