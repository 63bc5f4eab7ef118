// SPDX-License-Identifier: GPL-3.0-or-later
// Keeps parley.h's parley_status enum equal to PARLEY_ERROR_CODES, the one table of codes.
//   status_block --check parley.h   exit 1 (and say how to fix it) if the block drifted
//   status_block --write parley.h   rewrite the block from the table
// The build runs --check, so a code added to the table without the header fails the build.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "parley/error.hpp"

namespace {

constexpr const char* kBegin = "/* BEGIN GENERATED parley_status */\n";
constexpr const char* kEnd = "/* END GENERATED parley_status */\n";

std::string upper(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string block() {
  std::ostringstream out;
  out << kBegin << "typedef enum parley_status {\n";
#define PARLEY_X(name, number, text) \
  out << "  PARLEY_" << (number == 0 ? std::string("OK") : "E_" + upper(#name)) << " = " << number << ", /* " << text << " */\n";
  PARLEY_ERROR_CODES(PARLEY_X)
#undef PARLEY_X
  out << "} parley_status;\n" << kEnd;
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "--check" && std::string(argv[1]) != "--write")) {
    std::cerr << "usage: status_block --check|--write parley.h\n";
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string header = buf.str();
  const auto begin = header.find(kBegin);
  const auto end = header.find(kEnd);
  if (!in || begin == std::string::npos || end == std::string::npos || end < begin) {
    std::cerr << argv[2] << ": no generated parley_status block\n";
    return 2;
  }
  const std::string current = header.substr(begin, end + std::strlen(kEnd) - begin);
  const std::string expected = block();
  if (std::string(argv[1]) == "--check") {
    if (current == expected) return 0;
    std::cerr << argv[2] << ": the parley_status enum differs from PARLEY_ERROR_CODES "
              << "(sdk/include/parley/error.hpp). Regenerate it with:\n  " << argv[0] << " --write " << argv[2]
              << "\nExpected:\n" << expected;
    return 1;
  }
  header.replace(begin, current.size(), expected);
  std::ofstream(argv[2], std::ios::binary | std::ios::trunc) << header;
  return 0;
}
