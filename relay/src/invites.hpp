// SPDX-License-Identifier: GPL-3.0-or-later
// Invite tokens: 32 random bytes as "pinv_" + 64 hex digits. The relay stores only their
// SHA-256, so a copy of its database cannot register anyone.
#pragma once

#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::relay {

Result<std::string> new_invite_token();
Bytes invite_token_hash(std::string_view token);

}  // namespace parley::relay
