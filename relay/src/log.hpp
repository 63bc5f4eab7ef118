// SPDX-License-Identifier: GPL-3.0-or-later
// One line per event on stderr, with a UTC timestamp. Callers never pass payload bytes or
// key material: only connection ids, peer endpoints, device addresses, error codes, counts.
#pragma once

#include <string_view>

namespace parley::relay {

void log_line(std::string_view text);

}  // namespace parley::relay
