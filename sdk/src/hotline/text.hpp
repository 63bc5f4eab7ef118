// SPDX-License-Identifier: GPL-3.0-or-later
// Rules for the free text hotline bodies carry (titles, details, comments, descriptions).
// Strict UTF-8 so every device displays the same thing; no control characters so a title
// cannot hide line breaks or terminal escapes. Multi-line fields allow '\n' and '\t' only.
#pragma once

#include <string_view>

#include "common/text.hpp"
#include "parley/error.hpp"

namespace parley::hotline {

using Lines = TextLines;  // the UTF-8 rule itself is common/text.hpp

// 1..max bytes (0..max when `may_be_empty`), strict UTF-8, no control characters other
// than '\n' and '\t' in multi-line text. Errc::malformed_frame naming `what`.
Status check_text(std::string_view text, std::size_t max, Lines lines, const char* what, bool may_be_empty = false);

}  // namespace parley::hotline
