// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's log: one JSON object per line on stderr, {"ts": UTC time, "msg": text}. Callers
// never pass payload bytes, key material, nonces, signatures or invite tokens, and name
// devices only by device_tag(): connection ids, peer endpoints, error codes and counts are fine.
#pragma once

#include <string>
#include <string_view>

#include "parley/types.hpp"

namespace parley::relay {

void log_line(std::string_view text);

// "dev:" + 8 hex digits of a keyed hash of the address, the key random per process: one
// device's lines correlate within a run, but the log does not name the device.
std::string device_tag(const Address& address);

}  // namespace parley::relay
