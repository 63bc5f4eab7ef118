// SPDX-License-Identifier: GPL-3.0-or-later
// libsignal's address view of a parley::Address, for pairwise/'s own .cpp files (and tests):
// the one header of the module that brings in libsignal's types.
#pragma once

#include <signal_protocol.h>

#include <cstdint>

#include "parley/address.hpp"

namespace parley::pairwise {

// Borrows address.user: valid while `address` is.
inline signal_protocol_address to_signal_address(const Address& address) {
  return signal_protocol_address{address.user.data(), address.user.size(), static_cast<std::int32_t>(address.device)};
}

}  // namespace parley::pairwise
