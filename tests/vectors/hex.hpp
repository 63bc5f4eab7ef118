// SPDX-License-Identifier: GPL-3.0-or-later
// Lower-case hex for vector files. from_hex() of malformed text gives the bytes read so far
// (vector inputs are trusted test data; the decoders under test get the raw bytes).
#pragma once

#include <string>
#include <string_view>

#include "parley/types.hpp"

namespace parley::vectors {

template <class Range>
std::string to_hex(const Range& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(kDigits[static_cast<std::uint8_t>(b) >> 4]);
    out.push_back(kDigits[static_cast<std::uint8_t>(b) & 15]);
  }
  return out;
}

inline Bytes from_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace parley::vectors
