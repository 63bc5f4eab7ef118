// SPDX-License-Identifier: GPL-3.0-or-later
// wipe() on libtomcrypt: zeromem writes through a volatile pointer the compiler must keep.
#include <tomcrypt.h>

#include "crypto/keys.hpp"

namespace parley::crypto {

void wipe(std::span<std::uint8_t> data) {
  if (!data.empty()) zeromem(data.data(), data.size());
}

}  // namespace parley::crypto
