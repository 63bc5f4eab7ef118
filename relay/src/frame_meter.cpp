// SPDX-License-Identifier: GPL-3.0-or-later
#include "frame_meter.hpp"

#include <algorithm>

namespace parley::relay {

FrameCounts FrameMeter::feed(ByteView bytes) {
  FrameCounts counts;
  std::size_t i = 0;
  while (i < bytes.size() && !lost_) {
    if (skip_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, bytes.size() - i));
      skip_ -= n;
      i += n;
      continue;
    }
    header_[have_++] = bytes[i++];
    if (have_ == 2) {
      const std::uint8_t len7 = header_[1] & 0x7F;
      need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
    }
    if (have_ >= 2 && have_ == need_) header_complete(counts);
  }
  return counts;
}

void FrameMeter::header_complete(FrameCounts& counts) {
  const bool fin = (header_[0] & 0x80) != 0;
  const std::uint8_t opcode = header_[0] & 0x0F;
  const std::uint8_t len7 = header_[1] & 0x7F;
  std::uint64_t length = len7;
  if (len7 == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
  } else if (len7 == 127) {
    length = 0;
    for (int k = 0; k < 8; ++k) length = (length << 8) | header_[2 + k];
    if (length >> 63) lost_ = true;  // RFC 6455 forbids it; Beast closes the connection
  }
  if (opcode == 0x9 || opcode == 0xA) {
    ++counts.control;
  } else if (opcode <= 0x2 && !fin && length < kTinyFragmentBytes) {
    ++counts.tiny_fragments;
  }
  skip_ = length;
  have_ = 0;
  need_ = 2;
}

}  // namespace parley::relay
