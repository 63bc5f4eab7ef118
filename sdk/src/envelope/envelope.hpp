// SPDX-License-Identifier: GPL-3.0-or-later
// The end-to-end payload format: Envelope (outer, opaque to the relay) and Content (the
// plaintext inside it). Both are FlatBuffers (sdk/schema/envelope.fbs, content.fbs); every
// decode verifies the buffer, the identifier, the version and each field before use.
#pragma once

#include <array>
#include <optional>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::envelope {

inline constexpr std::uint16_t kEnvelopeVersion = 1;
inline constexpr std::uint16_t kContentVersion = 1;
// Upper bound of one envelope; the relay's frame limit is larger than this plus framing.
inline constexpr std::size_t kMaxEnvelopeBytes = 512 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 256 * 1024;

enum class CipherType : std::uint8_t { prekey = 1, whisper = 2, sender_key = 3 };

// Opaque channel-key tag carried by sender-key envelopes (see cells/codec.hpp).
inline constexpr std::size_t kKeyTagBytes = 16;
using KeyTag = std::array<std::uint8_t, kKeyTagBytes>;

struct Envelope {
  CipherType type = CipherType::whisper;
  Bytes ciphertext;
  std::optional<KeyTag> key_tag;  // present iff type == sender_key (checked by decode)
};

// text: an application message. The others are cell control traffic over pairwise
// sessions; their body is a cells codec buffer (cells/codec.hpp).
enum class ContentKind : std::uint8_t {
  text = 1,
  charter_commit = 2,
  welcome = 3,
  sender_key_distribution = 4,
  resync_request = 5,
  posts_request = 6,
  posts_resend = 7,
  key_request = 8,
  proposal = 9,
  escalation = 10,
  head_beacon = 11,
  last = head_beacon,
};

struct Content {
  MessageId message_id;
  TimeMs sent_at = 0;
  ContentKind kind = ContentKind::text;
  Bytes body;
};

Bytes encode(const Envelope& envelope);
// Errc::truncated, malformed_frame, unsupported_version, frame_too_large.
Result<Envelope> decode(ByteView bytes);

Bytes encode(const Content& content);
Result<Content> decode_content(ByteView bytes);

}  // namespace parley::envelope
