// SPDX-License-Identifier: GPL-3.0-or-later
// Validation of device addresses: declared in the public parley/address.hpp (the C ABI and
// applications check input with it); this name stays for the SDK's and the relay's code.
#pragma once

#include "parley/address.hpp"
