// SPDX-License-Identifier: GPL-3.0-or-later
// The wasm build's passphrase KDFs: PBKDF2-HMAC-SHA256 on libtomcrypt, and scrypt from
// libsodium (libtomcrypt 1.18 has none), so a store created natively with scrypt opens in wasm
// too. Same contract as openssl_kdf.cpp.
#include <sodium.h>
#include <tomcrypt.h>

#include "crypto/kdf.hpp"

namespace parley::crypto {

bool has_scrypt() { return true; }

Status scrypt(std::string_view passphrase, ByteView salt, std::uint64_t n, std::uint32_t r, std::uint32_t p,
              std::span<std::uint8_t> out) {
  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0)
    return make_error(Errc::invalid_argument, "scrypt needs N a power of two > 1 and r, p > 0");
  if (sodium_init() < 0) return make_error(Errc::crypto, "libsodium failed to initialise");
  if (crypto_pwhash_scryptsalsa208sha256_ll(reinterpret_cast<const std::uint8_t*>(passphrase.data()),
                                            passphrase.size(), salt.data(), salt.size(), n, r, p, out.data(),
                                            out.size()) != 0)
    return make_error(Errc::crypto, "scrypt key derivation failed (parameters or memory)");
  return {};
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
