// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/text.hpp"

#include <string>

namespace parley::hotline {

Status check_text(std::string_view text, std::size_t max, Lines lines, const char* what, bool may_be_empty) {
  if ((text.empty() && !may_be_empty) || text.size() > max)
    return make_error(Errc::malformed_frame, std::string(what) + " must be " + (may_be_empty ? "0" : "1") + ".." +
                                                 std::to_string(max) + " bytes, got " + std::to_string(text.size()));
  if (!printable_utf8(text, lines))
    return make_error(Errc::malformed_frame, std::string(what) + " must be valid UTF-8 without control characters");
  return {};
}

}  // namespace parley::hotline
