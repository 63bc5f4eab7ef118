// SPDX-License-Identifier: GPL-3.0-or-later
// Delivers parley::Event values to a C callback as parley_event structs.
#pragma once

#include "abi.hpp"

namespace parley::cabi {

// Converts `event` and calls the client's callback on this (the network) thread.
void dispatch(parley_client& client, const Event& event) noexcept;

}  // namespace parley::cabi
