// SPDX-License-Identifier: GPL-3.0-or-later
// Free text that every device must display the same way (charter names, hotline bodies).
#pragma once

#include <string_view>

namespace parley {

enum class TextLines { single, multi };

// Strict UTF-8 (RFC 3629): shortest form, no surrogates, at most U+10FFFF; and no C0/C1
// control characters or DEL, so text cannot hide line breaks or terminal escapes. Multi-line
// text may hold '\n' and '\t'.
bool printable_utf8(std::string_view text, TextLines lines = TextLines::single);

}  // namespace parley
