// SPDX-License-Identifier: GPL-3.0-or-later
// Attested channel messages: the canonical bytes a sender signs with its identity key when
// the channel's policy has `attested`, so that a transcript can later be checked offline by
// a third party (the mediator settling a dispute). Acknowledgements are channel messages
// too (kind hotline, body "PLA1"), so they are attested by the same rule.
//
// Canonical encoding (all integers big-endian, strings length-prefixed with a u32):
//   "parley-attested-message-v1\0"   domain label (27 bytes, NUL included)
//   cell_id (16) | u32 len, channel | u64 epoch | head (32) | message_id (16)
//   u32 len, sender user | u32 sender device | u64 sent_at (two's complement)
//   u8 kind | u8 precedence | u64 sequence | SHA-256(body) (32)
// Hand-written rather than FlatBuffers so that exactly one byte string exists per value.
// The label cannot be confused with the other things an identity key signs: a charter
// commit or proposal starts with a size prefix below 256 KiB and has its identifier at
// offset 8; the relay's auth transcript starts "parley-auth-v1"; signed prekeys are 33 bytes.
//
// `sequence` counts the sender device's attested messages on this channel, from 1, with no
// gaps: a verifier holding messages 1 and 3 knows 2 is missing. The engine persists the last
// sequence it used per (cell, channel) and increments it in the same transaction as the post.
// ChannelMessage.post_number (cells.fbs) has exactly this shape and can serve as the
// sequence; then a transcript may claim the whole history (from == 0, so sequences must
// start at 1) only if the channel was attested from its first post.
#pragma once

#include <string>

#include "charter/model.hpp"
#include "crypto/hash.hpp"
#include "parley/error.hpp"

namespace parley::hotline {

inline constexpr std::string_view kAttestationLabel{"parley-attested-message-v1\0", 27};

// The channel message kinds as the attestation encodes them. They must equal the wire
// values of ChannelMessageKind in cells.fbs (Text = 1; the hotline kind, whose body is one
// of codec.hpp's buffers, is to be added there as 2).
inline constexpr std::uint8_t kKindText = 1;
inline constexpr std::uint8_t kKindHotline = 2;

struct AttestedFields {
  charter::CellId cell_id{};
  std::string channel;
  std::uint64_t epoch = 0;
  charter::Hash head{};
  MessageId message_id;
  Address sender;
  TimeMs sent_at = 0;
  std::uint8_t kind = kKindText;
  std::uint8_t precedence = 1;  // a Precedence wire value; raw so a verifier can report bad ones
  std::uint64_t sequence = 0;
  crypto::Sha256Digest body_hash{};
  bool operator==(const AttestedFields&) const = default;
};

Bytes canonical_encoding(const AttestedFields& fields);

// XEdDSA over canonical_encoding(fields) with the sender's 32-byte identity private key.
Result<Bytes> sign_attestation(const AttestedFields& fields, ByteView private_key);

// True only if `signature` is the sender's (public_key, 33 bytes) over the canonical bytes.
bool verify_attestation(const AttestedFields& fields, ByteView public_key, ByteView signature);

}  // namespace parley::hotline
