// SPDX-License-Identifier: GPL-3.0-or-later
// Every cell-traffic decoder on the same bytes: they all read untrusted plaintext that a
// (possibly malicious) cell member encrypted; each must reject what is not its own kind.
#include "cells/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const parley::ByteView bytes(data, size);
  (void)parley::cells::decode_welcome(bytes);
  (void)parley::cells::decode_distribution(bytes);
  (void)parley::cells::decode_resync(bytes);
  (void)parley::cells::decode_channel_message(bytes);
  (void)parley::cells::decode_posts_request(bytes);
  (void)parley::cells::decode_posts_resend(bytes);
  (void)parley::cells::decode_key_request(bytes);
  (void)parley::cells::decode_head_beacon(bytes);
  return 0;
}
