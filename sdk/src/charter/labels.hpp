// SPDX-License-Identifier: GPL-3.0-or-later
// Security labels (docs/governance.md "Security labels"): a cell defines ordered
// classification levels; a channel may carry a label (one of them) and a releasability list
// (parties); a device may hold a clearance (one of them). A READ grant gives a device the
// channel only if its clearance dominates the label and its party is releasable. Pure
// functions of the state, so every device decides alike; READ (policy.hpp) calls them, and so
// do the key distribution and the consent rule through READ.
#pragma once

#include <optional>
#include <string_view>

#include "charter/state.hpp"

namespace parley::charter {

// The rank of `level` among the cell's levels (0 = lowest); nullopt if the cell has no such
// level.
std::optional<std::size_t> level_rank(const CellState& state, std::string_view level);

// Whether `device` (of `user`) passes `policy`'s label and releasability. An unlabelled
// channel needs no clearance; a labelled one needs a clearance of at least its rank. An empty
// releasability list restricts nothing.
bool cleared_for(const CellState& state, const ChannelPolicy& policy, const UserRecord& user, const Address& device);

// Whether a message labelled `label` may be carried by a channel with `policy`: unlabelled
// messages always, a labelled one only at or below the channel's label.
bool label_fits(const CellState& state, const ChannelPolicy& policy, std::string_view label);

// After a commit's operations: every channel label and device clearance names a level the
// cell defines (charter_invalid_operation naming the first that does not).
Status check_levels_used(const CellState& state);

// Whether the state uses any of this (levels, labels, releasability, clearances); the state
// digest encodes them only then, so the digests of cells without them stay what they were.
bool uses_labels(const CellState& state);

}  // namespace parley::charter
