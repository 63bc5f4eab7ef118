// SPDX-License-Identifier: GPL-3.0-or-later
#include "envelope/envelope.hpp"

#include <flatbuffers/flatbuffers.h>

#include "wire/content_generated.h"
#include "wire/envelope_generated.h"
#include "wire/size_prefixed.hpp"

namespace parley::envelope {

namespace {

constexpr flatbuffers::uoffset_t kMaxDepth = 8;
constexpr flatbuffers::uoffset_t kMaxTables = 64;

// Shared checks before any field of an untrusted buffer is read. Both layers are
// size-prefixed, so a truncated buffer is told apart from a malformed one exactly.
template <class Table>
Result<const Table*> verified_root(ByteView bytes, const char* identifier, const char* what) {
  return wire::verify_size_prefixed<Table>(bytes, identifier, what, {kMaxEnvelopeBytes, kMaxDepth, kMaxTables});
}

}  // namespace

Bytes encode(const Envelope& envelope) {
  flatbuffers::FlatBufferBuilder fbb(envelope.ciphertext.size() + 64);
  auto ciphertext = fbb.CreateVector(envelope.ciphertext);
  flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> tag;
  if (envelope.key_tag) tag = fbb.CreateVector(envelope.key_tag->data(), envelope.key_tag->size());
  auto root = wire::CreateEnvelope(fbb, kEnvelopeVersion, static_cast<wire::CipherType>(envelope.type), ciphertext,
                                   tag);
  fbb.FinishSizePrefixed(root, wire::EnvelopeIdentifier());
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Result<Envelope> decode(ByteView bytes) {
  auto root = verified_root<wire::Envelope>(bytes, wire::EnvelopeIdentifier(), "envelope");
  if (!root) return std::move(root).error();
  const wire::Envelope* env = *root;
  if (env->version() != kEnvelopeVersion)
    return make_error(Errc::unsupported_version, "envelope version " + std::to_string(env->version()) +
                                                     ", this build speaks " + std::to_string(kEnvelopeVersion));
  Envelope out;
  switch (env->cipher_type()) {
    case wire::CipherType::PreKey:
      out.type = CipherType::prekey;
      break;
    case wire::CipherType::Whisper:
      out.type = CipherType::whisper;
      break;
    case wire::CipherType::SenderKey:
      out.type = CipherType::sender_key;
      break;
    default:
      return make_error(Errc::malformed_frame,
                        "envelope cipher type " + std::to_string(static_cast<int>(env->cipher_type())) + " is unknown");
  }
  if (env->ciphertext()->size() == 0) return make_error(Errc::malformed_frame, "envelope ciphertext is empty");
  const bool wants_tag = out.type == CipherType::sender_key;
  if (wants_tag != (env->key_tag() != nullptr))
    return make_error(Errc::malformed_frame, wants_tag ? "sender-key envelope lacks its key tag"
                                                       : "pairwise envelope carries a key tag");
  if (wants_tag) {
    if (env->key_tag()->size() != kKeyTagBytes)
      return make_error(Errc::malformed_frame,
                        "envelope key tag must be 16 bytes, got " + std::to_string(env->key_tag()->size()));
    out.key_tag.emplace();
    std::copy(env->key_tag()->begin(), env->key_tag()->end(), out.key_tag->begin());
  }
  out.ciphertext.assign(env->ciphertext()->begin(), env->ciphertext()->end());
  return out;
}

Bytes encode(const Content& content) {
  flatbuffers::FlatBufferBuilder fbb(content.body.size() + 64);
  auto id = fbb.CreateVector(content.message_id.bytes.data(), content.message_id.bytes.size());
  auto body = fbb.CreateVector(content.body);
  auto root = wire::CreateContent(fbb, kContentVersion, id, static_cast<std::uint64_t>(content.sent_at),
                                  static_cast<wire::ContentKind>(content.kind), body);
  fbb.FinishSizePrefixed(root, wire::ContentIdentifier());
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Result<Content> decode_content(ByteView bytes) {
  auto root = verified_root<wire::Content>(bytes, wire::ContentIdentifier(), "content");
  if (!root) return std::move(root).error();
  const wire::Content* content = *root;
  if (content->version() != kContentVersion)
    return make_error(Errc::unsupported_version, "content version " + std::to_string(content->version()) +
                                                     ", this build speaks " + std::to_string(kContentVersion));
  if (content->message_id()->size() != sizeof(MessageId::bytes))
    return make_error(Errc::malformed_frame, "content message id must be 16 bytes, got " +
                                                 std::to_string(content->message_id()->size()));
  const auto kind = static_cast<std::uint8_t>(content->kind());
  if (kind < static_cast<std::uint8_t>(ContentKind::text) || kind > static_cast<std::uint8_t>(ContentKind::last))
    return make_error(Errc::malformed_frame,
                      "content kind " + std::to_string(static_cast<int>(content->kind())) + " is unknown");
  if (content->body() && content->body()->size() > kMaxBodyBytes)
    return make_error(Errc::frame_too_large, "content body is " + std::to_string(content->body()->size()) +
                                                 " bytes, limit " + std::to_string(kMaxBodyBytes));
  if (content->sent_at_ms() > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(Errc::malformed_frame, "content time is out of range");
  Content out;
  std::copy(content->message_id()->begin(), content->message_id()->end(), out.message_id.bytes.begin());
  out.sent_at = static_cast<TimeMs>(content->sent_at_ms());
  out.kind = static_cast<ContentKind>(kind);
  if (content->body()) out.body.assign(content->body()->begin(), content->body()->end());
  return out;
}

}  // namespace parley::envelope
