// SPDX-License-Identifier: GPL-3.0-or-later
// Which sender key a post goes out under, and who must be given it first (docs/protocol.md
// "Channels", "Rotation"). Pure: the engine reads the stored key, asks here, then acts.
#pragma once

#include <optional>
#include <vector>

#include "store/device_store.hpp"

namespace parley::channels {

struct Rotation {
  std::uint64_t after_messages = 1000;
  TimeMs after_ms = 0;
};

struct SendKeyPlan {
  store::ChannelSendKey key;  // the generation to post under (distributed: as stored)
  bool fresh = false;         // a new generation: its own key must be created first
  // Readers (other than this device) that do not hold `key` yet: each gets it before the post.
  std::vector<Address> missing;
  // Devices the stored key went to that no longer read the channel (the reason for a new
  // generation): where their share of the posts started is forgotten.
  std::vector<Address> departed;
};

// `stored`: this device's key on the channel (nullopt: it never posted there); `others`: the
// channel's readers now, without this device. A new generation comes when a device the key
// went to no longer reads (everything it could decrypt ends here), or the key is older than
// the rotation allows; post numbers continue across generations.
SendKeyPlan plan_send_key(const std::optional<store::ChannelSendKey>& stored, const std::vector<Address>& others,
                          const Address& self, const Rotation& rotation, TimeMs now);

}  // namespace parley::channels
