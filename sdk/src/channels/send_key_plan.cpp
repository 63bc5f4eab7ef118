// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/send_key_plan.hpp"

#include <algorithm>

namespace parley::channels {

namespace {

bool contains(const std::vector<Address>& list, const Address& a) {
  return std::find(list.begin(), list.end(), a) != list.end();
}

}  // namespace

SendKeyPlan plan_send_key(const std::optional<store::ChannelSendKey>& stored, const std::vector<Address>& others,
                          const Address& self, const Rotation& rotation, TimeMs now) {
  SendKeyPlan plan;
  plan.fresh = !stored.has_value();
  if (stored) {
    plan.key = *stored;
    for (const auto& d : stored->distributed)
      if (d != self && !contains(others, d)) plan.departed.push_back(d);
    plan.fresh = !plan.departed.empty();
    if (stored->sent_count >= rotation.after_messages || now - stored->created_at >= rotation.after_ms)
      plan.fresh = true;
  }
  if (plan.fresh)
    plan.key = store::ChannelSendKey{stored ? stored->generation + 1 : 1, {}, 0, now, stored ? stored->next_post : 1};
  for (const auto& r : others)
    if (!contains(plan.key.distributed, r)) plan.missing.push_back(r);
  return plan;
}

}  // namespace parley::channels
