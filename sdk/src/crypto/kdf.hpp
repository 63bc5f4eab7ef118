// SPDX-License-Identifier: GPL-3.0-or-later
// Passphrase key derivation for the encrypted store. Argon2id (sodium_kdf.cpp, libsodium, the
// same code in both builds) is what new stores use in the browser; scrypt is what they use
// natively (openssl_kdf.cpp: OpenSSL 3; tomcrypt_kdf.cpp: libsodium in wasm, since libtomcrypt
// has no scrypt). PBKDF2-HMAC-SHA256 remains for headers that name it. See
// docs/threat-model.md, "Store at rest".
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::crypto {

bool has_scrypt();

// scrypt (RFC 7914) of `passphrase` and `salt` into `out`. `n` must be a power of two > 1.
// Errors: invalid_argument (parameters), unsupported (no scrypt in this build), crypto.
Status scrypt(std::string_view passphrase, ByteView salt, std::uint64_t n, std::uint32_t r, std::uint32_t p,
              std::span<std::uint8_t> out);

// PBKDF2-HMAC-SHA256 (RFC 8018) of `passphrase` and `salt` into `out`.
// Errors: invalid_argument (iterations 0), crypto.
Status pbkdf2_sha256(std::string_view passphrase, ByteView salt, std::uint32_t iterations,
                     std::span<std::uint8_t> out);

bool has_argon2id();

// Argon2id (RFC 9106, version 0x13, no secret, no associated data) of `passphrase` and `salt`
// into `out`: `memory_kib` KiB of memory, `passes` passes over it (t), `lanes` lanes (p).
// libsodium computes a single lane, so `lanes` must be 1; `salt` must be 16 bytes (libsodium's
// crypto_pwhash_argon2id_SALTBYTES), `memory_kib` at least 8, `passes` at least 1, `out` 16
// bytes or more. Errors: invalid_argument (parameters), crypto (out of memory included).
Status argon2id(std::string_view passphrase, ByteView salt, std::uint32_t memory_kib, std::uint32_t passes,
                std::uint32_t lanes, std::span<std::uint8_t> out);

}  // namespace parley::crypto
