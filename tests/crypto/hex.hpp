// SPDX-License-Identifier: GPL-3.0-or-later
// Hex literals for test vectors, typed as the RFC/NIST documents print them (spaces allowed).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "parley/types.hpp"

namespace parley::test {

inline Bytes hex(std::string_view text) {
  auto nibble = [](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw std::invalid_argument("bad hex digit in test vector");
  };
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    if (high < 0) {
      high = nibble(c);
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | nibble(c)));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits in test vector");
  return out;
}

inline Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

}  // namespace parley::test
