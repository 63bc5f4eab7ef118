// SPDX-License-Identifier: GPL-3.0-or-later
#include "cells/codec.hpp"

#include "cells/codec_support.hpp"
#include "charter/codec.hpp"
#include "crypto/hash.hpp"
#include "wire/cells_generated.h"

namespace parley::cells {
namespace {

using detail::check_channel;
using detail::check_version;
using detail::finish;
using detail::to_cell_id;
using detail::verified_root;

constexpr const char* kWelcomeId = "PLW1";
constexpr const char* kDistributionId = "PLD1";
constexpr const char* kResyncId = "PLQ1";
constexpr const char* kChannelMessageId = "PLM1";
constexpr const char* kHeadBeaconId = "PLB1";
void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

}  // namespace

Result<envelope::KeyTag> key_tag(const CellId& cell, std::string_view channel, std::uint32_t generation) {
  Bytes suffix;
  put_u32(suffix, static_cast<std::uint32_t>(channel.size()));
  Bytes gen;
  put_u32(gen, generation);
  auto digest = crypto::sha256({as_bytes(kKeyTagLabel), ByteView(cell), ByteView(suffix), as_bytes(channel), ByteView(gen)});
  if (!digest) return std::move(digest).error();
  envelope::KeyTag tag;
  std::copy_n(digest->begin(), tag.size(), tag.begin());
  return tag;
}

Bytes group_prefix(const CellId& cell) {
  Bytes out{'P', 'L', 'G', '1'};
  out.insert(out.end(), cell.begin(), cell.end());
  return out;
}

Bytes group_id(const CellId& cell, std::string_view channel, std::uint32_t generation) {
  Bytes out = group_prefix(cell);
  put_u32(out, generation);
  out.insert(out.end(), channel.begin(), channel.end());
  return out;
}

Bytes encode(const Welcome& welcome) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  std::vector<flatbuffers::Offset<wire::CommitBlob>> blobs;
  for (const auto& commit : welcome.commits)
    blobs.push_back(wire::CreateCommitBlob(fbb, fbb.CreateVector(charter::encode_signed_commit(commit))));
  auto root = wire::CreateWelcome(fbb, kCellsWireVersion, fbb.CreateVector(welcome.cell_id.data(), welcome.cell_id.size()),
                                  fbb.CreateVector(blobs));
  return finish(fbb, root.o, kWelcomeId);
}

Result<Welcome> decode_welcome(ByteView bytes) {
  auto root = verified_root<wire::Welcome>(bytes, kWelcomeId, "welcome");
  if (!root) return std::move(root).error();
  PARLEY_TRY(check_version((*root)->version(), "welcome"));
  Welcome out;
  auto cell = to_cell_id((*root)->cell_id(), "welcome");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  const auto* commits = (*root)->commits();
  if (commits->size() == 0 || commits->size() > kMaxWelcomeCommits)
    return make_error(Errc::malformed_frame, "welcome must carry 1.." + std::to_string(kMaxWelcomeCommits) +
                                                 " commits, got " + std::to_string(commits->size()));
  for (const auto* blob : *commits) {
    auto commit = charter::decode_signed_commit(ByteView(blob->signed_commit()->data(), blob->signed_commit()->size()));
    if (!commit) return std::move(commit).error();
    out.commits.push_back(std::move(*commit));
  }
  return out;
}

Bytes encode(const KeyDistribution& d) {
  flatbuffers::FlatBufferBuilder fbb(256);
  auto root = wire::CreateSenderKeyDistribution(fbb, kCellsWireVersion, fbb.CreateVector(d.cell_id.data(), d.cell_id.size()),
                                                fbb.CreateString(d.channel), d.generation,
                                                fbb.CreateVector(d.distribution), d.next_post, d.first_post);
  return finish(fbb, root.o, kDistributionId);
}

Result<KeyDistribution> decode_distribution(ByteView bytes) {
  auto root = verified_root<wire::SenderKeyDistribution>(bytes, kDistributionId, "key distribution");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  PARLEY_TRY(check_version(r->version(), "key distribution"));
  KeyDistribution out;
  auto cell = to_cell_id(r->cell_id(), "key distribution");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  PARLEY_TRY(check_channel(r->channel(), "key distribution channel"));
  out.channel = r->channel()->str();
  if (r->generation() == 0) return make_error(Errc::malformed_frame, "key distribution generation must be >= 1");
  out.generation = r->generation();
  if (r->distribution()->size() == 0 || r->distribution()->size() > kMaxDistributionBytes)
    return make_error(Errc::malformed_frame, "key distribution must be 1.." + std::to_string(kMaxDistributionBytes) +
                                                 " bytes, got " + std::to_string(r->distribution()->size()));
  out.distribution.assign(r->distribution()->begin(), r->distribution()->end());
  if (r->next_post() == 0) return make_error(Errc::malformed_frame, "key distribution next_post must be >= 1");
  out.next_post = r->next_post();
  if (r->first_post() > r->next_post())
    return make_error(Errc::malformed_frame, "key distribution first_post must not be after next_post");
  out.first_post = r->first_post();
  return out;
}

Bytes encode(const ResyncRequest& request) {
  flatbuffers::FlatBufferBuilder fbb(64);
  auto root = wire::CreateResyncRequest(fbb, kCellsWireVersion,
                                        fbb.CreateVector(request.cell_id.data(), request.cell_id.size()),
                                        request.from_epoch);
  return finish(fbb, root.o, kResyncId);
}

Result<ResyncRequest> decode_resync(ByteView bytes) {
  auto root = verified_root<wire::ResyncRequest>(bytes, kResyncId, "resync request");
  if (!root) return std::move(root).error();
  PARLEY_TRY(check_version((*root)->version(), "resync request"));
  ResyncRequest out;
  auto cell = to_cell_id((*root)->cell_id(), "resync request");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  if ((*root)->from_epoch() == 0) return make_error(Errc::malformed_frame, "resync request from_epoch must be >= 1");
  out.from_epoch = (*root)->from_epoch();
  return out;
}

Bytes encode(const HeadBeacon& beacon) {
  flatbuffers::FlatBufferBuilder fbb(96);
  auto root = wire::CreateHeadBeacon(fbb, kCellsWireVersion,
                                     fbb.CreateVector(beacon.cell_id.data(), beacon.cell_id.size()), beacon.epoch,
                                     fbb.CreateVector(beacon.head.data(), beacon.head.size()));
  return finish(fbb, root.o, kHeadBeaconId);
}

Result<HeadBeacon> decode_head_beacon(ByteView bytes) {
  auto root = verified_root<wire::HeadBeacon>(bytes, kHeadBeaconId, "head beacon");
  if (!root) return std::move(root).error();
  PARLEY_TRY(check_version((*root)->version(), "head beacon"));
  HeadBeacon out;
  auto cell = to_cell_id((*root)->cell_id(), "head beacon");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  if ((*root)->epoch() == 0) return make_error(Errc::malformed_frame, "head beacon epoch must be >= 1");
  out.epoch = (*root)->epoch();
  if ((*root)->head()->size() != charter::kHashBytes)
    return make_error(Errc::malformed_frame, "head beacon head must be 32 bytes");
  std::copy((*root)->head()->begin(), (*root)->head()->end(), out.head.begin());
  return out;
}

Bytes encode(const ChannelMessage& m) {
  flatbuffers::FlatBufferBuilder fbb(m.body.size() + 256);
  const flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> attestation =
      m.attestation.empty() ? 0 : fbb.CreateVector(m.attestation);
  auto root = wire::CreateChannelMessage(
      fbb, kCellsWireVersion, fbb.CreateVector(m.cell_id.data(), m.cell_id.size()), fbb.CreateString(m.channel), m.epoch,
      fbb.CreateVector(m.head.data(), m.head.size()), fbb.CreateVector(m.message_id.bytes.data(), m.message_id.bytes.size()),
      static_cast<std::uint64_t>(m.sent_at), static_cast<wire::ChannelMessageKind>(m.kind), fbb.CreateVector(m.body),
      m.post_number, m.precedence, attestation);
  return finish(fbb, root.o, kChannelMessageId);
}

Result<ChannelMessage> decode_channel_message(ByteView bytes) {
  auto root = verified_root<wire::ChannelMessage>(bytes, kChannelMessageId, "channel message");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  PARLEY_TRY(check_version(r->version(), "channel message"));
  ChannelMessage out;
  auto cell = to_cell_id(r->cell_id(), "channel message");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  PARLEY_TRY(check_channel(r->channel(), "channel message channel"));
  out.channel = r->channel()->str();
  if (r->epoch() == 0) return make_error(Errc::malformed_frame, "channel message epoch must be >= 1");
  out.epoch = r->epoch();
  if (r->head()->size() != charter::kHashBytes)
    return make_error(Errc::malformed_frame, "channel message head must be 32 bytes");
  std::copy(r->head()->begin(), r->head()->end(), out.head.begin());
  if (r->message_id()->size() != out.message_id.bytes.size())
    return make_error(Errc::malformed_frame, "channel message id must be 16 bytes");
  std::copy(r->message_id()->begin(), r->message_id()->end(), out.message_id.bytes.begin());
  if (r->sent_at_ms() > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(Errc::malformed_frame, "channel message time is out of range");
  out.sent_at = static_cast<TimeMs>(r->sent_at_ms());
  if (r->kind() != wire::ChannelMessageKind::Text && r->kind() != wire::ChannelMessageKind::Hotline)
    return make_error(Errc::malformed_frame,
                      "channel message kind " + std::to_string(static_cast<int>(r->kind())) + " is unknown");
  if (r->body() && r->body()->size() > kMaxChannelBodyBytes)
    return make_error(Errc::frame_too_large, "channel message body is over the limit");
  if (r->body()) out.body.assign(r->body()->begin(), r->body()->end());
  if (r->post_number() == 0) return make_error(Errc::malformed_frame, "channel message post_number must be >= 1");
  out.post_number = r->post_number();
  out.kind = static_cast<ChannelMessageKind>(r->kind());
  if (r->precedence() < 1 || r->precedence() > 4)
    return make_error(Errc::malformed_frame,
                      "channel message precedence " + std::to_string(r->precedence()) + " is not 1..4");
  out.precedence = r->precedence();
  if (r->attestation()) {
    if (r->attestation()->size() != kAttestationBytes)
      return make_error(Errc::malformed_frame, "channel message attestation must be 64 bytes");
    out.attestation.assign(r->attestation()->begin(), r->attestation()->end());
  }
  return out;
}

}  // namespace parley::cells
