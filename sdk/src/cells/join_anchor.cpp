// SPDX-License-Identifier: GPL-3.0-or-later
// Text forms of join anchors and identity fingerprints (parley/joining.hpp).
#include <cstdio>

#include "crypto/hash.hpp"
#include "parley/joining.hpp"

namespace parley {
namespace {

constexpr std::string_view kGenesisPrefix = "parley-cell:";
constexpr std::string_view kSupervisorPrefix = "parley-supervisor:";
constexpr std::string_view kFingerprintLabel = "parley-fingerprint-v1";
constexpr std::size_t kIdentityKeyBytes = 33;

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_string(const JoinAnchor& anchor) {
  return std::string(anchor.kind == JoinAnchor::Kind::genesis ? kGenesisPrefix : kSupervisorPrefix) +
         to_hex(anchor.value);
}

Result<JoinAnchor> parse_join_anchor(std::string_view text) {
  JoinAnchor anchor;
  if (text.starts_with(kGenesisPrefix)) {
    anchor.kind = JoinAnchor::Kind::genesis;
    text.remove_prefix(kGenesisPrefix.size());
  } else if (text.starts_with(kSupervisorPrefix)) {
    anchor.kind = JoinAnchor::Kind::supervisor;
    text.remove_prefix(kSupervisorPrefix.size());
  } else {
    return make_error(Errc::invalid_argument,
                      "a join anchor starts with \"parley-cell:\" or \"parley-supervisor:\"");
  }
  if (text.size() != anchor.value.size() * 2)
    return make_error(Errc::invalid_argument, "a join anchor carries 64 hexadecimal digits after its prefix");
  for (std::size_t i = 0; i < anchor.value.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error(Errc::invalid_argument, "a join anchor holds a non-hexadecimal digit");
    anchor.value[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return anchor;
}

Result<Digest> identity_fingerprint(ByteView identity_key) {
  if (identity_key.size() != kIdentityKeyBytes)
    return make_error(Errc::invalid_argument, "an identity key is 33 bytes, got " + std::to_string(identity_key.size()));
  auto digest = crypto::sha256({as_bytes(kFingerprintLabel), identity_key});
  if (!digest) return std::move(digest).error();
  return Digest(*digest);
}

std::string fingerprint_digits(const Digest& digest) {
  std::string out;
  for (std::size_t group = 0; group < 6; ++group) {
    // Five bytes (40 bits) per group, reduced to five digits, as Signal's safety numbers are.
    std::uint64_t chunk = 0;
    for (std::size_t i = 0; i < 5; ++i) chunk = chunk << 8 | digest[group * 5 + i];
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "%05u", static_cast<unsigned>(chunk % 100000));
    if (!out.empty()) out.push_back(' ');
    out += buffer;
  }
  return out;
}

}  // namespace parley
