// SPDX-License-Identifier: GPL-3.0-or-later
// Validation of device addresses, the same on every side of the wire (SDK, relay, C ABI).
#pragma once

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley {

// user: 1..64 bytes of [A-Za-z0-9_-]; device: 1..2^31-1.
// Errors: invalid_argument, naming the rule that failed and the value's length or number.
Status validate_address(const Address& address);

}  // namespace parley
