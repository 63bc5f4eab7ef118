// SPDX-License-Identifier: GPL-3.0-or-later
// Validation of device addresses, the same on every side of the wire.
#pragma once

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley {

// user: 1..64 bytes of [A-Za-z0-9_-]; device: 1..2^31-1.
Status validate_address(const Address& address);

}  // namespace parley
