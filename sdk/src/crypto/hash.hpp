// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 (openssl_hash.cpp / tomcrypt_hash.cpp), for content addressing (charter commit hashes, state digests).
// Not for secrets: nothing here wipes its input.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::crypto {

inline constexpr std::size_t kSha256Bytes = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Bytes>;

// SHA-256 of `data`. Errc::crypto only if the backend itself fails (allocation, provider).
Result<Sha256Digest> sha256(ByteView data);

// SHA-256 of the concatenation of `parts`, without copying them together. Used for
// domain-separated hashes: sha256({as_bytes("label"), payload}).
Result<Sha256Digest> sha256(std::initializer_list<ByteView> parts);

}  // namespace parley::crypto
