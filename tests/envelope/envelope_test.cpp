// SPDX-License-Identifier: GPL-3.0-or-later
#include "envelope/envelope.hpp"

#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include <random>

#include "wire/content_generated.h"
#include "wire/envelope_generated.h"

namespace parley::envelope {
namespace {

Envelope sample_envelope() {
  Envelope e;
  e.type = CipherType::prekey;
  e.ciphertext = Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9};
  return e;
}

Content sample_content() {
  Content c;
  for (std::size_t i = 0; i < c.message_id.bytes.size(); ++i) c.message_id.bytes[i] = static_cast<std::uint8_t>(i);
  c.sent_at = 1'700'000'000'123;
  c.body = Bytes{'h', 'i'};
  return c;
}

TEST(Envelope, RoundTrip) {
  auto decoded = decode(encode(sample_envelope()));
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(decoded->type, CipherType::prekey);
  EXPECT_EQ(decoded->ciphertext, sample_envelope().ciphertext);
}

TEST(Envelope, ContentRoundTrip) {
  auto decoded = decode_content(encode(sample_content()));
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(decoded->message_id, sample_content().message_id);
  EXPECT_EQ(decoded->sent_at, sample_content().sent_at);
  EXPECT_EQ(decoded->body, sample_content().body);
}

TEST(Envelope, EveryTruncationIsRejectedWithATypedError) {
  Bytes bytes = encode(sample_envelope());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decode(ByteView(bytes.data(), n));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << n << " bytes was accepted";
    EXPECT_EQ(decoded.error().code, Errc::truncated) << decoded.error().to_string();
  }
}

TEST(Envelope, TrailingBytesAreMalformed) {
  Bytes bytes = encode(sample_envelope());
  bytes.push_back(0);
  EXPECT_EQ(decode(bytes).error().code, Errc::malformed_frame);
}

TEST(Envelope, ShortInputIsTruncated) {
  Bytes three{1, 2, 3};
  EXPECT_EQ(decode(three).error().code, Errc::truncated);
  EXPECT_EQ(decode_content(three).error().code, Errc::truncated);
}

TEST(Envelope, ContentIsNotAnEnvelope) {
  // Identifiers keep one layer from being parsed as the other.
  EXPECT_EQ(decode(encode(sample_content())).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_content(encode(sample_envelope())).error().code, Errc::malformed_frame);
}

TEST(Envelope, NewerVersionIsUnsupported) {
  flatbuffers::FlatBufferBuilder fbb;
  auto ct = fbb.CreateVector(Bytes{1, 2, 3});
  fbb.FinishSizePrefixed(wire::CreateEnvelope(fbb, 2, wire::CipherType::Whisper, ct), wire::EnvelopeIdentifier());
  auto decoded = decode(ByteView(fbb.GetBufferPointer(), fbb.GetSize()));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::unsupported_version);
  EXPECT_NE(decoded.error().message.find("version 2"), std::string::npos) << decoded.error().message;
}

TEST(Envelope, UnknownCipherTypeAndEmptyCiphertextAreRejected) {
  flatbuffers::FlatBufferBuilder fbb;
  auto ct = fbb.CreateVector(Bytes{1, 2, 3});
  fbb.FinishSizePrefixed(wire::CreateEnvelope(fbb, 1, static_cast<wire::CipherType>(9), ct), wire::EnvelopeIdentifier());
  EXPECT_EQ(decode(ByteView(fbb.GetBufferPointer(), fbb.GetSize())).error().code, Errc::malformed_frame);

  flatbuffers::FlatBufferBuilder empty;
  auto none = empty.CreateVector(Bytes{});
  empty.FinishSizePrefixed(wire::CreateEnvelope(empty, 1, wire::CipherType::Whisper, none), wire::EnvelopeIdentifier());
  EXPECT_EQ(decode(ByteView(empty.GetBufferPointer(), empty.GetSize())).error().code, Errc::malformed_frame);
}

TEST(Envelope, ContentWithShortMessageIdIsRejected) {
  flatbuffers::FlatBufferBuilder fbb;
  auto id = fbb.CreateVector(Bytes{1, 2, 3});
  fbb.FinishSizePrefixed(wire::CreateContent(fbb, 1, id, 0, wire::ContentKind::Text), wire::ContentIdentifier());
  auto decoded = decode_content(ByteView(fbb.GetBufferPointer(), fbb.GetSize()));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::malformed_frame);
}

TEST(Envelope, OversizeIsRejectedBeforeParsing) {
  Bytes huge(kMaxEnvelopeBytes + 1, 0);
  EXPECT_EQ(decode(huge).error().code, Errc::frame_too_large);
}

// Random garbage and random single-byte mutations of valid buffers: never a crash, and
// anything accepted decodes to a value whose fields satisfy the documented rules.
TEST(Envelope, GarbageAndMutationsNeverCrash) {
  std::mt19937 rng(12345);
  const Bytes valid_env = encode(sample_envelope());
  const Bytes valid_content = encode(sample_content());
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 128);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    } else {
      bytes = (i % 4 == 1) ? valid_env : valid_content;
      bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    }
    if (auto env = decode(bytes); env.ok()) {
      EXPECT_FALSE(env->ciphertext.empty());
    }
    if (auto content = decode_content(bytes); content.ok()) {
      EXPECT_LE(content->body.size(), kMaxBodyBytes);
    }
  }
}

}  // namespace
}  // namespace parley::envelope
