// SPDX-License-Identifier: GPL-3.0-or-later
// What the relay does with every WebSocket message: verify, then read fields.
#include "wire/frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = parley::wire::parse_client_frame(parley::ByteView(data, size));
  if (!parsed.ok()) return 0;
  const auto* frame = *parsed;
  // Touch what the relay touches after verification.
  if (const auto* send = frame->body_as_Send()) {
    (void)parley::wire::to_message_id(send->message_id());
    for (const auto* r : *send->recipients()) (void)parley::wire::to_address(r);
  } else if (const auto* reg = frame->body_as_Register()) {
    (void)parley::wire::to_address(reg->address());
    if (reg->one_time_prekeys())
      for (const auto* pk : *reg->one_time_prekeys()) (void)parley::wire::view(pk->public_key());
  } else if (const auto* fetch = frame->body_as_FetchBundle()) {
    (void)parley::wire::to_address(fetch->address());
  }
  return 0;
}
