// SPDX-License-Identifier: GPL-3.0-or-later
// Identity-key signatures (XEdDSA through libsignal's curve API) and randomness.
// Used by the SDK (auth, signed prekeys) and by the relay (checking them).
#pragma once

#include <span>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::crypto {

inline constexpr std::size_t kPublicKeyBytes = 33;   // 0x05 || Curve25519 point
inline constexpr std::size_t kPrivateKeyBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;

struct KeyPair {
  Bytes public_key;   // 33 bytes, serialized as libsignal does
  Bytes private_key;  // 32 bytes
};

// A fresh Curve25519 key pair.
Result<KeyPair> generate_key_pair();

// XEdDSA signature of `message` by `private_key` (32 bytes). 64 bytes out.
Result<Bytes> sign(ByteView private_key, ByteView message);

// True only if `signature` is a valid XEdDSA signature of `message` by `public_key`
// (33-byte serialized form). Malformed keys or signatures give false, never a crash.
bool verify(ByteView public_key, ByteView message, ByteView signature);

// Fill `out` from the crypto provider's CSPRNG (OpenSSL natively, the browser's in wasm).
Status random_bytes(std::span<std::uint8_t> out);

// Overwrite `data` with zeros in a way the compiler may not elide.
void wipe(std::span<std::uint8_t> data);

}  // namespace parley::crypto
