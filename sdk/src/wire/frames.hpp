// SPDX-License-Identifier: GPL-3.0-or-later
// Verified access to relay protocol frames. Every buffer from the network goes through
// parse_* before any field is read: FlatBuffers verification (bounds, offsets, required
// fields, depth), the file identifier, the version, and field-level rules (sizes, addresses).
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "wire/client_frame_generated.h"
#include "wire/relay_frame_generated.h"

namespace parley::wire {

inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kMessageIdBytes = 16;
inline constexpr std::size_t kNonceBytes = 32;

// The returned pointer borrows `bytes`: keep the buffer alive while using it.
Result<const ClientFrame*> parse_client_frame(ByteView bytes);
Result<const RelayFrame*> parse_relay_frame(ByteView bytes);

// Field helpers. They assume a verified frame.
Result<parley::Address> to_address(const Address* address);  // validates user/device
Result<parley::MessageId> to_message_id(const flatbuffers::Vector<std::uint8_t>* bytes);
inline ByteView view(const flatbuffers::Vector<std::uint8_t>* bytes) {
  if (!bytes) return {};
  return {bytes->data(), bytes->size()};
}

flatbuffers::Offset<Address> make_address(flatbuffers::FlatBufferBuilder& fbb, const parley::Address& address);

// Finish a frame with its file identifier and return the bytes.
Bytes finish_client_frame(flatbuffers::FlatBufferBuilder& fbb, ClientBody type, flatbuffers::Offset<void> body);
Bytes finish_relay_frame(flatbuffers::FlatBufferBuilder& fbb, RelayBody type, flatbuffers::Offset<void> body);

// One recipient of a Send that the relay did not store it for (SendAck.refused, Failure.refused).
struct Refused {
  parley::Address recipient;
  Errc code = Errc::unknown_device;  // unknown_device or mailbox_full
  friend bool operator==(const Refused&, const Refused&) = default;
};
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<Refusal>>> make_refusals(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<Refused>& refused);
// The refusals of a verified SendAck or Failure (empty if the field is absent). An invalid
// address is an error; an unknown code becomes protocol_violation.
Result<std::vector<Refused>> to_refusals(const flatbuffers::Vector<flatbuffers::Offset<Refusal>>* refused);

// A Failure frame carrying `error` (fatal: the relay closes after sending it). `refused`: the
// recipients of a Send none of which could take it.
Bytes make_failure(const Error& error, bool fatal, std::uint32_t request_id = 0, const MessageId* message_id = nullptr,
                   const std::vector<Refused>& refused = {});

// What a device signs to authenticate: "parley-auth-v1" || nonce || user || 0x00 || device (big endian).
Bytes auth_transcript(ByteView nonce, const parley::Address& address);

}  // namespace parley::wire
