// SPDX-License-Identifier: GPL-3.0-or-later
#include "parley/types.hpp"

namespace parley {

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string MessageId::to_hex() const { return parley::to_hex(bytes); }

}  // namespace parley
