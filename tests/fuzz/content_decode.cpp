// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstdlib>

#include "envelope/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = parley::envelope::decode_content(parley::ByteView(data, size));
  if (decoded.ok() && decoded->body.size() > parley::envelope::kMaxBodyBytes) std::abort();
  return 0;
}
