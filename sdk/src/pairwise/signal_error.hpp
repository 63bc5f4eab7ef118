// SPDX-License-Identifier: GPL-3.0-or-later
// libsignal's SG_ERR_* codes as typed parley errors.
#pragma once

#include <string>

#include "parley/error.hpp"

namespace parley::pairwise {

// `what` names the operation, e.g. "decrypt from bob.1".
Error from_signal(int code, const std::string& what);

}  // namespace parley::pairwise
