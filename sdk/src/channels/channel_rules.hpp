// SPDX-License-Identifier: GPL-3.0-or-later
// Small questions about a channel that several rules ask (docs/protocol.md "Channels").
#pragma once

#include <string_view>

#include "cells/cell_book.hpp"
#include "charter/state.hpp"
#include "parley/cell_types.hpp"

namespace parley::channels {

// The channel's policy at `state`, or nullptr when the charter has no such channel.
const charter::ChannelPolicy* policy_at(const charter::CellState& state, std::string_view channel);

// A device that an earlier epoch of the cell's charter lists and the current one does not.
// Nothing it posts is accepted any more: a key it sends is not installed again, and an
// envelope under one of its keys is neither held nor asked about (installing the key again
// would only let replays of its old posts decrypt a second time).
bool removed_from(const cells::CellBook& book, const CellId& cell, const Address& device);

// Whether the channel's acknowledgement rule asks more at `now` than at `then` for posts of
// `sender` (ack_required switched on, or a party added to those who must acknowledge): a post
// naming `then` would escape the rule, so it is refused (the stricter of then and now).
bool acks_stricter_now(const charter::CellState& then, const charter::CellState& now, std::string_view channel,
                       const Address& sender);

}  // namespace parley::channels
