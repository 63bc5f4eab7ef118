// SPDX-License-Identifier: GPL-3.0-or-later
// sha256() on libtomcrypt, for the wasm build. Same contract as openssl_hash.cpp.
#include <tomcrypt.h>

#include "crypto/hash.hpp"

namespace parley::crypto {

Result<Sha256Digest> sha256(std::initializer_list<ByteView> parts) {
  hash_state state;
  if (sha256_init(&state) != CRYPT_OK) return make_error(Errc::crypto, "sha256_init failed");
  for (ByteView part : parts) {
    if (part.empty()) continue;  // an empty span's pointer may be null
    if (sha256_process(&state, part.data(), part.size()) != CRYPT_OK)
      return make_error(Errc::crypto, "sha256_process failed");
  }
  Sha256Digest out{};
  if (sha256_done(&state, out.data()) != CRYPT_OK)
    return make_error(Errc::crypto, "sha256_done failed");
  return out;
}

Result<Sha256Digest> sha256(ByteView data) { return sha256({data}); }

}  // namespace parley::crypto
