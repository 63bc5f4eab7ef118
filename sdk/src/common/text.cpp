// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/text.hpp"

#include <cstddef>
#include <cstdint>

namespace parley {

bool printable_utf8(std::string_view text, TextLines lines) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char lead = *p;
    std::uint32_t cp = 0;
    std::size_t length = 0;
    if (lead < 0x80) {
      cp = lead;
      length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      cp = lead & 0x1f;
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      cp = lead & 0x0f;
      length = 3;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      cp = lead & 0x07;
      length = 4;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < length) return false;
    for (std::size_t i = 1; i < length; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    const bool line_break = lines == TextLines::multi && (cp == '\n' || cp == '\t');
    if (!line_break && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))) return false;
    p += length;
  }
  return true;
}

}  // namespace parley
