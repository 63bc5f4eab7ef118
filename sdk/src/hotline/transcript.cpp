// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/transcript.hpp"

#include <flatbuffers/flatbuffers.h>

#include "charter/codec.hpp"
#include "charter/syntax.hpp"
#include "wire/frames.hpp"
#include "wire/size_prefixed.hpp"
#include "wire/transcript_generated.h"

namespace parley::hotline {
namespace {

namespace fb = parley::wire;
constexpr const char* kTranscriptId = "PLF1";

Error bad(std::string message) { return make_error(Errc::malformed_frame, "transcript " + std::move(message)); }

template <std::size_t N>
Result<std::array<std::uint8_t, N>> fixed(const flatbuffers::Vector<std::uint8_t>* v, const char* what) {
  if (v->size() != N) return bad(std::string(what) + " must be " + std::to_string(N) + " bytes, got " + std::to_string(v->size()));
  std::array<std::uint8_t, N> out;
  std::copy(v->begin(), v->end(), out.begin());
  return out;
}

Result<TimeMs> to_time(std::uint64_t v, const char* what) {
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return bad(std::string(what) + " is out of range");
  return static_cast<TimeMs>(v);
}

Result<AttestedMessage> to_message(const fb::AttestedMessage* m, std::size_t index) {
  const std::string where = "message " + std::to_string(index);
  AttestedMessage out;
  auto sender = fb::to_address(m->sender());
  if (!sender) return bad(where + " sender: " + sender.error().message);
  out.sender = std::move(*sender);
  auto id = fixed<16>(m->message_id(), "message id");
  if (!id) return std::move(id).error();
  out.message_id.bytes = *id;
  out.epoch = m->epoch();
  auto head = fixed<charter::kHashBytes>(m->head(), "message head");
  if (!head) return std::move(head).error();
  out.head = *head;
  auto sent = to_time(m->sent_at_ms(), "message time");
  if (!sent) return std::move(sent).error();
  out.sent_at = *sent;
  out.kind = m->kind();
  out.precedence = m->precedence();
  out.sequence = m->sequence();
  if (m->body()->size() > kMaxAttestedBodyBytes) return bad(where + " body is over " + std::to_string(kMaxAttestedBodyBytes) + " bytes");
  out.body.assign(m->body()->begin(), m->body()->end());
  if (m->signature()->size() > 64) return bad(where + " signature is over 64 bytes");
  out.signature.assign(m->signature()->begin(), m->signature()->end());
  return out;
}

}  // namespace

Result<AttestedFields> attested_fields(const Transcript& t, const AttestedMessage& m) {
  auto hash = crypto::sha256(m.body);
  if (!hash) return std::move(hash).error();
  return AttestedFields{t.cell_id, t.channel, m.epoch, m.head, m.message_id, m.sender, m.sent_at, m.kind, m.precedence,
                        m.sequence, *hash};
}

Status attest(const Transcript& transcript, AttestedMessage& message, ByteView private_key) {
  auto fields = attested_fields(transcript, message);
  if (!fields) return std::move(fields).error();
  auto signature = sign_attestation(*fields, private_key);
  if (!signature) return std::move(signature).error();
  message.signature = std::move(*signature);
  return {};
}

Bytes encode_transcript(const Transcript& t) {
  flatbuffers::FlatBufferBuilder fbb(4096);
  std::vector<flatbuffers::Offset<fb::TranscriptCommit>> commits;
  for (const auto& c : t.commits)
    commits.push_back(fb::CreateTranscriptCommit(fbb, fbb.CreateVector(charter::encode_signed_commit(c))));
  std::vector<flatbuffers::Offset<fb::AttestedMessage>> messages;
  for (const auto& m : t.messages) {
    auto sender = fb::make_address(fbb, m.sender);
    auto id = fbb.CreateVector(m.message_id.bytes.data(), m.message_id.bytes.size());
    auto head = fbb.CreateVector(m.head.data(), m.head.size());
    auto body = fbb.CreateVector(m.body);
    auto signature = fbb.CreateVector(m.signature);
    messages.push_back(fb::CreateAttestedMessage(fbb, sender, id, m.epoch, head, static_cast<std::uint64_t>(m.sent_at),
                                                 m.kind, m.precedence, m.sequence, body, signature));
  }
  auto cell = fbb.CreateVector(t.cell_id.data(), t.cell_id.size());
  auto channel = fbb.CreateString(t.channel);
  auto commit_vector = fbb.CreateVector(commits);
  auto message_vector = fbb.CreateVector(messages);
  auto root = fb::CreateTranscript(fbb, kTranscriptVersion, cell, channel, static_cast<std::uint64_t>(t.from),
                                   static_cast<std::uint64_t>(t.to), commit_vector, message_vector);
  fbb.FinishSizePrefixed(root, kTranscriptId);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Result<Transcript> decode_transcript(ByteView bytes) {
  // Tables: the root, one per commit, two per message (the message and its sender address).
  const wire::BufferLimits limits{kMaxTranscriptBytes, 8,
                                  static_cast<flatbuffers::uoffset_t>(8 + kMaxTranscriptCommits + 2 * kMaxTranscriptMessages)};
  auto root = wire::verify_size_prefixed<fb::Transcript>(bytes, kTranscriptId, "transcript", limits);
  if (!root) return std::move(root).error();
  const auto* r = *root;
  if (r->version() != kTranscriptVersion)
    return make_error(Errc::unsupported_version, "transcript version " + std::to_string(r->version()) +
                                                     ", this build speaks " + std::to_string(kTranscriptVersion));
  Transcript out;
  auto cell = fixed<charter::kCellIdBytes>(r->cell_id(), "cell id");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  if (auto ok = charter::check_channel_id(r->channel()->string_view()); !ok) return bad("channel: " + ok.error().message);
  out.channel = r->channel()->str();
  auto from = to_time(r->from_ms(), "window start");
  if (!from) return std::move(from).error();
  auto to = to_time(r->to_ms(), "window end");
  if (!to) return std::move(to).error();
  out.from = *from;
  out.to = *to;
  if (r->commits()->size() == 0 || r->commits()->size() > kMaxTranscriptCommits)
    return bad("must carry 1.." + std::to_string(kMaxTranscriptCommits) + " commits, got " + std::to_string(r->commits()->size()));
  if (r->messages()->size() > kMaxTranscriptMessages)
    return bad("carries more than " + std::to_string(kMaxTranscriptMessages) + " messages");
  for (const auto* c : *r->commits()) {
    auto commit = charter::decode_signed_commit(ByteView(c->signed_commit()->data(), c->signed_commit()->size()));
    if (!commit) return std::move(commit).error();
    out.commits.push_back(std::move(*commit));
  }
  std::size_t index = 0;
  for (const auto* m : *r->messages()) {
    auto message = to_message(m, ++index);
    if (!message) return std::move(message).error();
    out.messages.push_back(std::move(*message));
  }
  return out;
}

}  // namespace parley::hotline
