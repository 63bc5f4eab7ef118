// SPDX-License-Identifier: GPL-3.0-or-later
// Certificate pinning: a relay certificate is named by the SHA-256 of its DER encoding,
// written as 64 hex digits (colons allowed, either case), as `openssl x509 -fingerprint -sha256` prints it.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::transport {

// The 32 bytes of a pin, or nullopt if `text` is not 64 hex digits (after removing colons).
std::optional<std::array<std::uint8_t, 32>> parse_pin(std::string_view text);

// True if `cert` hashes to `pin`; false for a malformed pin or a certificate that cannot be encoded.
bool cert_matches_pin(X509* cert, std::string_view pin);

}  // namespace parley::transport
