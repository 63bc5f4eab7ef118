// SPDX-License-Identifier: GPL-3.0-or-later
// wipe() on OpenSSL: OPENSSL_cleanse is written so the compiler cannot drop the stores.
#include <openssl/crypto.h>

#include "crypto/keys.hpp"

namespace parley::crypto {

void wipe(std::span<std::uint8_t> data) {
  if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
}

}  // namespace parley::crypto
