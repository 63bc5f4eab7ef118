// SPDX-License-Identifier: GPL-3.0-or-later
// The one UTF-8 rule that charter names and hotline bodies share.
#include <gtest/gtest.h>

#include "common/text.hpp"

namespace parley {
namespace {

TEST(PrintableUtf8, AcceptsShortestFormUpToTheLastCodePoint) {
  EXPECT_TRUE(printable_utf8(""));
  EXPECT_TRUE(printable_utf8("Lagebild 04:00"));
  EXPECT_TRUE(printable_utf8("\xc2\xa0"));                // U+00A0, first after C1
  EXPECT_TRUE(printable_utf8("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"));  // Hebrew
  EXPECT_TRUE(printable_utf8("\xef\xbf\xbd"));            // U+FFFD
  EXPECT_TRUE(printable_utf8("\xf4\x8f\xbf\xbf"));        // U+10FFFF
}

TEST(PrintableUtf8, RefusesMalformedSequences) {
  EXPECT_FALSE(printable_utf8("\xc0\xaf"));               // overlong '/'
  EXPECT_FALSE(printable_utf8("\xe0\x80\xaf"));           // overlong, 3 bytes
  EXPECT_FALSE(printable_utf8("\xf0\x80\x80\xaf"));       // overlong, 4 bytes
  EXPECT_FALSE(printable_utf8("\xed\xa0\x80"));           // surrogate
  EXPECT_FALSE(printable_utf8("\xf4\x90\x80\x80"));       // above U+10FFFF
  EXPECT_FALSE(printable_utf8("\xf5\x80\x80\x80"));       // lead byte out of range
  EXPECT_FALSE(printable_utf8("\x80"));                   // lone continuation
  EXPECT_FALSE(printable_utf8("ab\xe2\x82"));             // truncated at the end
  EXPECT_FALSE(printable_utf8("\xe2\x28\xa1"));           // bad continuation
}

TEST(PrintableUtf8, ControlCharactersOnlyLineBreaksAndTabsInMultiLineText) {
  for (std::string_view c : {"\n", "\t"}) {
    EXPECT_FALSE(printable_utf8(c));
    EXPECT_TRUE(printable_utf8(c, TextLines::multi));
  }
  for (std::string_view c : {std::string_view("\0", 1), std::string_view("\r"), std::string_view("\x1b[2J"),
                             std::string_view("\x7f"), std::string_view("\xc2\x85"), std::string_view("\xc2\x9f")}) {
    EXPECT_FALSE(printable_utf8(c));
    EXPECT_FALSE(printable_utf8(c, TextLines::multi));
  }
}

}  // namespace
}  // namespace parley
