// SPDX-License-Identifier: GPL-3.0-or-later
// What a device does with every message from the (possibly malicious) relay.
#include "wire/frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = parley::wire::parse_relay_frame(parley::ByteView(data, size));
  if (!parsed.ok()) return 0;
  const auto* frame = *parsed;
  if (const auto* deliver = frame->body_as_Deliver()) {
    (void)parley::wire::to_address(deliver->sender());
    (void)parley::wire::view(deliver->payload());
  } else if (const auto* bundle = frame->body_as_Bundle()) {
    (void)parley::wire::to_address(bundle->address());
    (void)parley::wire::view(bundle->signed_prekey()->signature());
  } else if (const auto* failure = frame->body_as_Failure()) {
    if (failure->message()) (void)failure->message()->str();
  }
  return 0;
}
