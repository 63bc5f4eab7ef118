// SPDX-License-Identifier: GPL-3.0-or-later
// The transcript of an attested channel ("PLF1", sdk/schema/transcript.fbs): everything an
// offline verifier needs — the charter from its genesis (member devices and their identity
// keys at every epoch, channel policies) and the attested messages with their signatures.
// verifier.hpp checks one; the engine's export_transcript will build one from history.
#pragma once

#include <string>
#include <vector>

#include "charter/model.hpp"
#include "hotline/attestation.hpp"
#include "parley/error.hpp"

namespace parley::hotline {

inline constexpr std::uint16_t kTranscriptVersion = 1;
inline constexpr std::size_t kMaxTranscriptBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxTranscriptCommits = 4096;
inline constexpr std::size_t kMaxTranscriptMessages = 100'000;
inline constexpr std::size_t kMaxAttestedBodyBytes = 256 * 1024;  // one channel message body

// One message as its sender attested it. Cell id and channel come from the transcript.
// `precedence` and `signature` are kept raw: a bad value is the verifier's finding about
// that one message, not a reason to refuse the whole file.
struct AttestedMessage {
  Address sender;
  MessageId message_id;
  std::uint64_t epoch = 0;
  charter::Hash head{};
  TimeMs sent_at = 0;
  std::uint8_t kind = kKindText;
  std::uint8_t precedence = 1;
  std::uint64_t sequence = 0;
  Bytes body;
  Bytes signature;  // 64 bytes when well formed (at most 64 accepted by the decoder)
  bool operator==(const AttestedMessage&) const = default;
};

struct Transcript {
  charter::CellId cell_id{};
  std::string channel;
  TimeMs from = 0;  // the exported window; from == 0 claims the channel's whole attested history
  TimeMs to = 0;
  std::vector<charter::SignedCommit> commits;  // genesis first
  std::vector<AttestedMessage> messages;       // in the order exported (any order verifies)
  bool operator==(const Transcript&) const = default;
};

// The fields a message's signature covers (hashes the body). Errc::crypto only if OpenSSL fails.
Result<AttestedFields> attested_fields(const Transcript& transcript, const AttestedMessage& message);

// Sign `message` (all fields but `signature` set) as a member of `transcript`'s channel.
Status attest(const Transcript& transcript, AttestedMessage& message, ByteView private_key);

Bytes encode_transcript(const Transcript& transcript);
// Errors: frame_too_large, truncated, malformed_frame (structure, counts, ids of the wrong
// size, an invalid address or channel), unsupported_version.
Result<Transcript> decode_transcript(ByteView bytes);

}  // namespace parley::hotline
