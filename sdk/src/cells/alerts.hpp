// SPDX-License-Identifier: GPL-3.0-or-later
// Building the SecurityAlert events raised about a cell (by the engine and the channel rules).
#pragma once

#include "parley/events.hpp"

namespace parley::cells {

// An alert about `cell` revealed by a delivery from `sender`, at the charter epoch it names.
inline SecurityAlert security_alert(const CellId& cell, const Address& sender, std::uint64_t epoch, Error error) {
  SecurityAlert a;
  a.cell = cell;
  a.sender = sender;
  a.epoch = epoch;
  a.error = std::move(error);
  return a;
}

}  // namespace parley::cells
