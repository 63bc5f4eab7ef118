// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport/tls_pin.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace parley::transport {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::array<std::uint8_t, 32>> parse_pin(std::string_view text) {
  std::array<std::uint8_t, 32> pin{};
  std::size_t digits = 0;
  for (char c : text) {
    if (c == ':') continue;
    const int v = hex_value(c);
    if (v < 0 || digits >= 64) return std::nullopt;
    pin[digits / 2] = static_cast<std::uint8_t>(pin[digits / 2] << 4 | v);
    ++digits;
  }
  if (digits != 64) return std::nullopt;
  return pin;
}

bool cert_matches_pin(X509* cert, std::string_view pin_text) {
  const auto pin = parse_pin(pin_text);
  if (!pin || !cert) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1 || length != pin->size()) return false;
  return CRYPTO_memcmp(digest, pin->data(), pin->size()) == 0;
}

}  // namespace parley::transport
