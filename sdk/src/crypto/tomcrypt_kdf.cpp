// SPDX-License-Identifier: GPL-3.0-or-later
// PBKDF2-HMAC-SHA256 on libtomcrypt, for the wasm build. libtomcrypt 1.18 has no scrypt:
// stores created here use PBKDF2, and a store created natively with scrypt is refused with
// a clear error rather than mis-derived. Same contract as openssl_kdf.cpp.
#include <tomcrypt.h>

#include "crypto/kdf.hpp"

namespace parley::crypto {

bool has_scrypt() { return false; }

Status scrypt(std::string_view, ByteView, std::uint64_t, std::uint32_t, std::uint32_t, std::span<std::uint8_t>) {
  return make_error(Errc::crypto, "scrypt is not available in this build (libtomcrypt); open this store with "
                                       "a native build, or use a raw store key");
}

Status pbkdf2_sha256(std::string_view passphrase, ByteView salt, std::uint32_t iterations,
                     std::span<std::uint8_t> out) {
  if (iterations == 0) return make_error(Errc::invalid_argument, "PBKDF2 needs at least one iteration");
  const int hash = register_hash(&sha256_desc);  // idempotent: returns the existing index
  if (hash < 0) return make_error(Errc::crypto, "libtomcrypt has no SHA-256");
  unsigned long length = out.size();
  const int rc = pkcs_5_alg2(reinterpret_cast<const unsigned char*>(passphrase.data()), passphrase.size(),
                             salt.data(), salt.size(), static_cast<int>(iterations), hash, out.data(), &length);
  if (rc != CRYPT_OK || length != out.size()) return make_error(Errc::crypto, "PBKDF2-HMAC-SHA256 failed");
  return {};
}

}  // namespace parley::crypto
