// SPDX-License-Identifier: GPL-3.0-or-later
#include "invites.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>

namespace parley::relay {

Result<std::string> new_invite_token() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    return make_error(Errc::crypto, "no randomness for an invite token");
  std::string token = "pinv_";
  char two[3];
  for (unsigned char byte : random) {
    std::snprintf(two, sizeof two, "%02x", byte);
    token += two;
  }
  return token;
}

Bytes invite_token_hash(std::string_view token) {
  Bytes digest(32);
  unsigned int length = 0;
  EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

}  // namespace parley::relay
