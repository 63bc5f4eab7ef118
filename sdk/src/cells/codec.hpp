// SPDX-License-Identifier: GPL-3.0-or-later
// Bytes <-> cell traffic values (sdk/schema/cells.fbs), plus the derived names of channel
// keys. Decoders verify every untrusted buffer like envelope.cpp does: size limit, size
// prefix, identifier, FlatBuffers Verifier, version, then each field's rule.
// Errors of decoders: frame_too_large, truncated, malformed_frame, unsupported_version.
#pragma once

#include <string>
#include <vector>

#include "charter/model.hpp"
#include "envelope/envelope.hpp"
#include "parley/error.hpp"

namespace parley::cells {

using charter::CellId;
using charter::Hash;

inline constexpr std::uint16_t kCellsWireVersion = 1;
inline constexpr std::size_t kMaxCellsBufferBytes = envelope::kMaxBodyBytes;  // one Content body
inline constexpr std::size_t kMaxWelcomeCommits = 4096;
inline constexpr std::size_t kMaxDistributionBytes = 1024;
inline constexpr std::size_t kAttestationBytes = 64;
// A channel message body: leaves room in one cells buffer for the message's other fields,
// so that any message also fits, alone, in a PostsResend.
inline constexpr std::size_t kMaxChannelBodyBytes = 192 * 1024;
// What a PostsResend may spend on messages (the rest is its own fields).
inline constexpr std::size_t kMaxResendPayloadBytes = kMaxCellsBufferBytes - 4096;

// Domain label of key tags (includes its NUL, like the commit hash label).
inline constexpr std::string_view kKeyTagLabel{"parley-channel-key-tag-v1\0", 26};

// tag = first 16 bytes of SHA-256(label || cell_id || u32 len(channel) || channel || u32 generation)
// (integers big-endian). The relay sees the tag; without the cell id it cannot name the channel.
Result<envelope::KeyTag> key_tag(const CellId& cell, std::string_view channel, std::uint32_t generation);

// The libsignal sender-key group id: "PLG1" || cell_id || u32 generation || channel.
Bytes group_id(const CellId& cell, std::string_view channel, std::uint32_t generation);
// The leading bytes every group_id of `cell` shares.
Bytes group_prefix(const CellId& cell);

struct Welcome {
  CellId cell_id{};
  std::vector<charter::SignedCommit> commits;
};

struct KeyDistribution {
  CellId cell_id{};
  std::string channel;
  std::uint32_t generation = 0;
  Bytes distribution;
  std::uint64_t next_post = 1;  // the sender's next post number on the channel
  // The sender's first post this reader was meant to read (1..next_post; 0: not said).
  std::uint64_t first_post = 0;
};

struct ResyncRequest {
  CellId cell_id{};
  std::uint64_t from_epoch = 0;
};

// A supervisor device's periodic word: its charter epoch and head (docs/protocol.md
// "Supervisor beacons"). Sent over the pairwise session, so the sender is authenticated and
// the Content's sent_at dates it.
struct HeadBeacon {
  CellId cell_id{};
  std::uint64_t epoch = 0;  // >= 1
  Hash head{};
};

enum class ChannelMessageKind : std::uint8_t { text = 1, hotline = 2 };

struct ChannelMessage {
  CellId cell_id{};
  std::string channel;
  std::uint64_t epoch = 0;
  Hash head{};
  MessageId message_id;
  TimeMs sent_at = 0;
  ChannelMessageKind kind = ChannelMessageKind::text;
  Bytes body;
  std::uint64_t post_number = 1;  // 1, 2, 3... per (sender device, cell, channel)
  std::uint8_t precedence = 1;    // hotline::Precedence wire value, 1..4
  Bytes attestation;              // empty, or 64 bytes on attested channels
};

// --- recovery of lost channel traffic (recovery_codec.cpp) ---

inline constexpr std::size_t kMaxResendMessages = 32;

struct PostsRequest {
  CellId cell_id{};
  std::string channel;
  std::uint64_t from_post = 1;  // 1 <= from_post <= to_post
  std::uint64_t to_post = 1;
};

// A post the answer leaves out because the asker could not read it: the epoch it was sent
// under lets the asker check that (engine_recovery.cpp).
struct SkippedPost {
  std::uint64_t post_number = 0;
  std::uint64_t epoch = 0;
  bool operator==(const SkippedPost&) const = default;
};

struct PostsResend {
  CellId cell_id{};
  std::string channel;
  std::uint64_t through_post = 0;         // accounts for every post up to this number
  std::vector<ChannelMessage> messages;  // each of this cell and channel, post_number <= through_post
  std::vector<SkippedPost> skipped;      // the numbers up to through_post left out, ascending
};

struct KeyRequest {
  envelope::KeyTag key_tag{};
};

Bytes encode(const Welcome& welcome);
Result<Welcome> decode_welcome(ByteView bytes);
Bytes encode(const KeyDistribution& distribution);
Result<KeyDistribution> decode_distribution(ByteView bytes);
Bytes encode(const ResyncRequest& request);
Result<ResyncRequest> decode_resync(ByteView bytes);
Bytes encode(const HeadBeacon& beacon);
Result<HeadBeacon> decode_head_beacon(ByteView bytes);
Bytes encode(const ChannelMessage& message);
Result<ChannelMessage> decode_channel_message(ByteView bytes);
Bytes encode(const PostsRequest& request);
Result<PostsRequest> decode_posts_request(ByteView bytes);
Bytes encode(const PostsResend& resend);
Result<PostsResend> decode_posts_resend(ByteView bytes);
// An escalation's envelope (the notice itself is decoded by hotline/codec.hpp).
struct Escalation {
  CellId cell_id{};
  std::string channel;
  Bytes notice;
};

Bytes encode(const KeyRequest& request);
Bytes encode(const Escalation& escalation);
Result<Escalation> decode_escalation(ByteView bytes);
Result<KeyRequest> decode_key_request(ByteView bytes);

}  // namespace parley::cells
