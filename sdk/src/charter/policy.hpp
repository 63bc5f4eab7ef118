// SPDX-License-Identifier: GPL-3.0-or-later
// Who may READ and who may POST on a channel at a given charter state. Channels use these
// to choose sender-key recipients (readers) and to accept or refuse posts (posters).
//
// How roles and grants combine (normative; docs/protocol.md repeats it):
//   * Only devices of the cell count. A grant names a party, a user or a device; a device
//     matches a grant if its user's party, its user, or its address equals the grant's name.
//     Grants may name parties, users or devices that are not (yet) in the cell: they take
//     effect when a matching device is added, so policies can be written before members
//     join and removals never leave a policy invalid. A device grant therefore also applies
//     to a later device re-added under the same address: edit the policy when reusing one.
//   * READ  = some READ grant matches the device, and the device passes the channel's
//     security label and releasability (labels.hpp). Roles add nothing: a supervisor reads a
//     channel only through a grant (the standard template grants the supervisor party).
//   * POST  = the channel is not archived, the device may READ it, some POST grant matches,
//     and the user's role is not observer. POST implies READ so that every poster sees the
//     replies and acknowledgements of the stream it writes into: a party-wide POST grant
//     does not let a member without READ (e.g. a commercial-only delegate) post into it.
//   * Archived channels keep their READ set (history stays readable) and have no posters.
//   * Unknown channels and unknown devices: no READ, no POST, empty lists.
#pragma once

#include <string_view>
#include <vector>

#include "charter/state.hpp"

namespace parley::charter {

bool may_read(const CellState& state, std::string_view channel, const Address& device);
bool may_post(const CellState& state, std::string_view channel, const Address& device);

// Devices with READ / POST, sorted by address.
std::vector<Address> readers(const CellState& state, std::string_view channel);
std::vector<Address> posters(const CellState& state, std::string_view channel);

}  // namespace parley::charter
