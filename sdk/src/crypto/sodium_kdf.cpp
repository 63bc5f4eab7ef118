// SPDX-License-Identifier: GPL-3.0-or-later
// Argon2id through libsodium (crypto_pwhash_argon2id), in both builds: Debian's libsodium-dev
// natively, Debian's libsodium source package compiled by wasm/deps/build.sh in wasm.
// libsodium's Argon2 is the PHC reference algorithm with one lane; it takes the memory in
// bytes and the passes as its "opslimit".
#include <sodium.h>

#include "crypto/kdf.hpp"

namespace parley::crypto {

bool has_argon2id() { return true; }

Status argon2id(std::string_view passphrase, ByteView salt, std::uint32_t memory_kib, std::uint32_t passes,
                std::uint32_t lanes, std::span<std::uint8_t> out) {
  if (lanes != 1) return make_error(Errc::invalid_argument, "Argon2id here computes one lane (libsodium): lanes must be 1");
  if (salt.size() != crypto_pwhash_argon2id_SALTBYTES)
    return make_error(Errc::invalid_argument, "Argon2id needs a salt of exactly 16 bytes");
  if (passes < crypto_pwhash_argon2id_OPSLIMIT_MIN || passes > crypto_pwhash_argon2id_OPSLIMIT_MAX)
    return make_error(Errc::invalid_argument, "Argon2id needs at least one pass");
  const std::uint64_t memory_bytes = static_cast<std::uint64_t>(memory_kib) * 1024u;
  if (memory_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN || memory_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX)
    return make_error(Errc::invalid_argument, "Argon2id memory out of libsodium's range (8 KiB and up)");
  if (out.size() < crypto_pwhash_argon2id_BYTES_MIN || passphrase.size() > crypto_pwhash_argon2id_PASSWD_MAX)
    return make_error(Errc::invalid_argument, "Argon2id output or passphrase length out of range");
  if (sodium_init() < 0) return make_error(Errc::crypto, "libsodium failed to initialise");
  if (crypto_pwhash_argon2id(out.data(), out.size(), passphrase.data(), passphrase.size(), salt.data(), passes,
                             static_cast<std::size_t>(memory_bytes), crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0)
    return make_error(Errc::crypto, "Argon2id key derivation failed (out of memory?)");
  return {};
}

}  // namespace parley::crypto
