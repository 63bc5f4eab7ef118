// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: the binary form of an outbox item's recipient list.
//
//   u8 format (= 1) | u32 count | count x ( u16 user length | user bytes | u32 device )
//
// All integers big-endian. The format byte lets a later version change the layout.
#pragma once

#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::store {

inline constexpr std::uint8_t kRecipientFormat = 1;

// Errc::invalid_argument if a user name is longer than kMaxUserNameBytes.
Result<Bytes> encode_recipients(const std::vector<Address>& recipients);

// Errc::store_corrupt for anything but an exact encoding (wrong format, truncation, a user
// name over the limit, trailing bytes).
Result<std::vector<Address>> decode_recipients(ByteView blob);

}  // namespace parley::store
