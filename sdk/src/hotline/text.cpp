// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/text.hpp"

#include <cstdint>
#include <string>

namespace parley::hotline {
namespace {

bool allowed(std::uint32_t cp, Lines lines) {
  if (lines == Lines::multi && (cp == '\n' || cp == '\t')) return true;
  return !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f));
}

// RFC 3629: shortest form, no surrogates, at most U+10FFFF.
bool valid_utf8(std::string_view text, Lines lines) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char lead = *p;
    std::uint32_t cp = 0;
    std::size_t length = 0;
    if (lead < 0x80) {
      cp = lead, length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      cp = lead & 0x1f, length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      cp = lead & 0x0f, length = 3;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      cp = lead & 0x07, length = 4;
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
    if (!allowed(cp, lines)) return false;
    p += length;
  }
  return true;
}

}  // namespace

Status check_text(std::string_view text, std::size_t max, Lines lines, const char* what, bool may_be_empty) {
  if ((text.empty() && !may_be_empty) || text.size() > max)
    return make_error(Errc::malformed_frame, std::string(what) + " must be " + (may_be_empty ? "0" : "1") + ".." +
                                                 std::to_string(max) + " bytes, got " + std::to_string(text.size()));
  if (!valid_utf8(text, lines))
    return make_error(Errc::malformed_frame, std::string(what) + " must be valid UTF-8 without control characters");
  return {};
}

}  // namespace parley::hotline
