// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstdlib>

#include "envelope/envelope.hpp"

// Never a crash or sanitizer report; an accepted envelope satisfies the field rules.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = parley::envelope::decode(parley::ByteView(data, size));
  if (decoded.ok() && decoded->ciphertext.empty()) std::abort();
  return 0;
}
