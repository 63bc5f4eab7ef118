// SPDX-License-Identifier: GPL-3.0-or-later
// Passphrase key derivation (openssl_kdf.cpp / tomcrypt_kdf.cpp), for the encrypted store.
// scrypt is memory-hard and is what new stores use natively; libtomcrypt (the wasm build) has
// no scrypt, so there has_scrypt() is false and stores use PBKDF2-HMAC-SHA256 with a high
// iteration count instead (see docs/threat-model.md, "Store at rest").
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

}  // namespace parley::crypto
