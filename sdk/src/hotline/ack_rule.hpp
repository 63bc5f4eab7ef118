// SPDX-License-Identifier: GPL-3.0-or-later
// Who must acknowledge a message: the one rule, in one place.
//
//   required(message) = { party P : some device of P may READ the channel at the epoch the
//                                    message names }
//                       minus the sender's own party (it wrote the message)
//                       minus the supervisor's party (it mediates: it sees every party's
//                                    status and receives escalations; it does not acknowledge)
//
// Any one device of a required party acknowledges for the whole party. Acknowledgements are
// channel messages, so that device also needs POST (the engine checks it like any post): a
// party whose only readers are observers cannot acknowledge, and its messages go overdue —
// the supervisor should give it a posting member. The rule uses READ, not POST, on purpose:
// a party that reads a channel is accountable for what it was told there.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "charter/state.hpp"

namespace parley::hotline {

// `state` is the charter state at the epoch the message names. Empty if the channel or the
// sender is unknown at that state (nothing can be required of anyone then).
std::set<std::string> required_ack_parties(const charter::CellState& state, std::string_view channel,
                                           const Address& sender);

}  // namespace parley::hotline
