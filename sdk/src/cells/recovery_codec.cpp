// SPDX-License-Identifier: GPL-3.0-or-later
// Codecs of the recovery traffic (PostsRequest, PostsResend, KeyRequest) and of the
// escalation envelope. Untrusted like
// every cells buffer: see codec.hpp for the checks and errors.
#include "cells/codec.hpp"
#include "cells/codec_support.hpp"
#include "wire/cells_generated.h"

namespace parley::cells {
namespace {

using detail::check_channel;
using detail::check_version;
using detail::finish;
using detail::to_cell_id;
using detail::verified_root;

constexpr const char* kPostsRequestId = "PLN1";
constexpr const char* kPostsResendId = "PLO1";
constexpr const char* kKeyRequestId = "PLK1";
constexpr const char* kEscalationId = "PLZ1";
constexpr std::size_t kMaxNoticeBytes = 4096;

}  // namespace

Bytes encode(const PostsRequest& request) {
  flatbuffers::FlatBufferBuilder fbb(128);
  auto root = wire::CreatePostsRequest(fbb, kCellsWireVersion,
                                       fbb.CreateVector(request.cell_id.data(), request.cell_id.size()),
                                       fbb.CreateString(request.channel), request.from_post, request.to_post);
  return finish(fbb, root.o, kPostsRequestId);
}

Result<PostsRequest> decode_posts_request(ByteView bytes) {
  auto root = verified_root<wire::PostsRequest>(bytes, kPostsRequestId, "posts request");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  PARLEY_TRY(check_version(r->version(), "posts request"));
  PostsRequest out;
  auto cell = to_cell_id(r->cell_id(), "posts request");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  PARLEY_TRY(check_channel(r->channel(), "posts request channel"));
  out.channel = r->channel()->str();
  if (r->from_post() == 0 || r->to_post() < r->from_post())
    return make_error(Errc::malformed_frame, "posts request range " + std::to_string(r->from_post()) + ".." +
                                                 std::to_string(r->to_post()) + " is not 1 <= from <= to");
  out.from_post = r->from_post();
  out.to_post = r->to_post();
  return out;
}

Bytes encode(const PostsResend& resend) {
  flatbuffers::FlatBufferBuilder fbb(1024);
  std::vector<flatbuffers::Offset<wire::MessageBlob>> blobs;
  for (const auto& message : resend.messages)
    blobs.push_back(wire::CreateMessageBlob(fbb, fbb.CreateVector(encode(message))));
  std::vector<wire::SkippedPost> skipped;
  for (const auto& skip : resend.skipped) skipped.emplace_back(skip.post_number, skip.epoch);
  auto root = wire::CreatePostsResend(fbb, kCellsWireVersion,
                                      fbb.CreateVector(resend.cell_id.data(), resend.cell_id.size()),
                                      fbb.CreateString(resend.channel), resend.through_post, fbb.CreateVector(blobs),
                                      fbb.CreateVectorOfStructs(skipped));
  return finish(fbb, root.o, kPostsResendId);
}

Result<PostsResend> decode_posts_resend(ByteView bytes) {
  auto root = verified_root<wire::PostsResend>(bytes, kPostsResendId, "posts resend");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  PARLEY_TRY(check_version(r->version(), "posts resend"));
  PostsResend out;
  auto cell = to_cell_id(r->cell_id(), "posts resend");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  PARLEY_TRY(check_channel(r->channel(), "posts resend channel"));
  out.channel = r->channel()->str();
  if (r->through_post() == 0) return make_error(Errc::malformed_frame, "posts resend through_post must be >= 1");
  out.through_post = r->through_post();
  if (r->messages()->size() > kMaxResendMessages)
    return make_error(Errc::malformed_frame, "posts resend carries " + std::to_string(r->messages()->size()) +
                                                 " messages, limit " + std::to_string(kMaxResendMessages));
  for (const auto* blob : *r->messages()) {
    auto message = decode_channel_message(ByteView(blob->message()->data(), blob->message()->size()));
    if (!message) return std::move(message).error();
    if (message->cell_id != out.cell_id || message->channel != out.channel || message->post_number > out.through_post)
      return make_error(Errc::malformed_frame, "posts resend holds a message of another channel or beyond through_post");
    out.messages.push_back(std::move(*message));
  }
  if (const auto* skipped = r->skipped()) {
    if (skipped->size() > kMaxResendMessages)
      return make_error(Errc::malformed_frame, "posts resend skips " + std::to_string(skipped->size()) +
                                                   " posts, limit " + std::to_string(kMaxResendMessages));
    for (const auto* skip : *skipped) {
      const std::uint64_t previous = out.skipped.empty() ? 0 : out.skipped.back().post_number;
      if (skip->post_number() <= previous || skip->post_number() > out.through_post || skip->epoch() == 0)
        return make_error(Errc::malformed_frame,
                          "posts resend skips are not ascending numbers up to through_post, each with an epoch");
      out.skipped.push_back(SkippedPost{skip->post_number(), skip->epoch()});
    }
  }
  return out;
}

Bytes encode(const KeyRequest& request) {
  flatbuffers::FlatBufferBuilder fbb(64);
  auto root =
      wire::CreateKeyRequest(fbb, kCellsWireVersion, fbb.CreateVector(request.key_tag.data(), request.key_tag.size()));
  return finish(fbb, root.o, kKeyRequestId);
}

Result<KeyRequest> decode_key_request(ByteView bytes) {
  auto root = verified_root<wire::KeyRequest>(bytes, kKeyRequestId, "key request");
  if (!root) return std::move(root).error();
  PARLEY_TRY(check_version((*root)->version(), "key request"));
  const auto* tag = (*root)->key_tag();
  KeyRequest out;
  if (tag->size() != out.key_tag.size())
    return make_error(Errc::malformed_frame, "key request tag must be 16 bytes, got " + std::to_string(tag->size()));
  std::copy(tag->begin(), tag->end(), out.key_tag.begin());
  return out;
}

Bytes encode(const Escalation& escalation) {
  flatbuffers::FlatBufferBuilder fbb(256);
  auto root = wire::CreateEscalation(fbb, kCellsWireVersion,
                                     fbb.CreateVector(escalation.cell_id.data(), escalation.cell_id.size()),
                                     fbb.CreateString(escalation.channel), fbb.CreateVector(escalation.notice));
  return finish(fbb, root.o, kEscalationId);
}

Result<Escalation> decode_escalation(ByteView bytes) {
  auto root = verified_root<wire::Escalation>(bytes, kEscalationId, "escalation");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  PARLEY_TRY(check_version(r->version(), "escalation"));
  Escalation out;
  auto cell = to_cell_id(r->cell_id(), "escalation");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  PARLEY_TRY(check_channel(r->channel(), "escalation channel"));
  out.channel = r->channel()->str();
  if (r->notice()->size() == 0 || r->notice()->size() > kMaxNoticeBytes)
    return make_error(Errc::malformed_frame, "escalation notice must be 1.." + std::to_string(kMaxNoticeBytes) + " bytes");
  out.notice.assign(r->notice()->begin(), r->notice()->end());
  return out;
}

}  // namespace parley::cells
