// SPDX-License-Identifier: GPL-3.0-or-later
// The canonical encoding every attested message is signed over, and the transcript codec.
#include "hotline/attestation.hpp"

#include <gtest/gtest.h>

#include <random>

#include "hotline_fixture.hpp"

namespace parley::hotline {
namespace {

using namespace test;

AttestedFields sample() {
  AttestedFields f;
  f.cell_id.fill(1);
  f.channel = "deescalation";
  f.epoch = 2;
  f.head.fill(3);
  f.message_id.bytes.fill(4);
  f.sender = {"il_officer", 1};
  f.sent_at = kT0;
  f.kind = kKindHotline;
  f.precedence = 4;
  f.sequence = 7;
  f.body_hash.fill(5);
  return f;
}

TEST(Attestation, EncodingIsFixedAndCoversEveryField) {
  const AttestedFields f = sample();
  const Bytes bytes = canonical_encoding(f);
  // Pinned: the label, then the cell id. A change here breaks every existing transcript.
  ASSERT_GE(bytes.size(), kAttestationLabel.size() + 16);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 26), "parley-attested-message-v1");
  EXPECT_EQ(bytes[26], 0);
  EXPECT_EQ(bytes[27], 1);
  EXPECT_EQ(bytes.size(), 27u + 16 + 4 + 12 + 8 + 32 + 16 + 4 + 10 + 4 + 8 + 1 + 1 + 8 + 32);
  // Each field changes the bytes.
  std::vector<AttestedFields> variants(11, f);
  variants[0].cell_id[15] ^= 1;
  variants[1].channel = "deescalatioo";
  variants[2].epoch += 1;
  variants[3].head[0] ^= 1;
  variants[4].message_id.bytes[15] ^= 1;
  variants[5].sender.user = "il_offices";
  variants[6].sender.device = 2;
  variants[7].sent_at += 1;
  variants[8].kind = kKindText;
  variants[9].precedence = 3;
  variants[10].sequence = 8;
  for (const auto& v : variants) EXPECT_NE(canonical_encoding(v), bytes);
  AttestedFields body = f;
  body.body_hash[31] ^= 1;
  EXPECT_NE(canonical_encoding(body), bytes);
  // Length prefixes keep channel and user boundaries unambiguous.
  AttestedFields shifted = f;
  shifted.sender.user = "il_officer1";
  shifted.sender.device = 1;
  EXPECT_NE(canonical_encoding(shifted), bytes);
}

TEST(Attestation, SignaturesBindTheKeyAndTheFields) {
  auto alice = must(crypto::generate_key_pair());
  auto mallory = must(crypto::generate_key_pair());
  const AttestedFields f = sample();
  const Bytes signature = must(sign_attestation(f, alice.private_key));
  EXPECT_TRUE(verify_attestation(f, alice.public_key, signature));
  EXPECT_FALSE(verify_attestation(f, mallory.public_key, signature));
  AttestedFields other = f;
  other.sequence = 6;
  EXPECT_FALSE(verify_attestation(other, alice.public_key, signature));
  EXPECT_FALSE(verify_attestation(f, alice.public_key, Bytes(63, 0)));
}

TEST(TranscriptCodec, RoundTripAndGarbage) {
  charter::test::Keys keys;
  charter::test::TestCell cell(keys);
  const Transcript t = sample_transcript(cell);
  const Bytes bytes = encode_transcript(t);
  auto back = decode_transcript(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, t);
  EXPECT_EQ(decode_transcript(ByteView(bytes).first(bytes.size() - 1)).error().code, Errc::truncated);
  Bytes wrong_id = bytes;
  wrong_id[8] = 'X';
  EXPECT_EQ(decode_transcript(wrong_id).error().code, Errc::malformed_frame);
  Transcript no_commits = t;
  no_commits.commits.clear();
  EXPECT_EQ(decode_transcript(encode_transcript(no_commits)).error().code, Errc::malformed_frame);
  Transcript bad_channel = t;
  bad_channel.channel = "Bad Channel";
  EXPECT_EQ(decode_transcript(encode_transcript(bad_channel)).error().code, Errc::malformed_frame);
  std::mt19937 rng(9);
  for (int i = 0; i < 3000; ++i) {
    Bytes b = bytes;
    b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    (void)decode_transcript(b);
  }
}

}  // namespace
}  // namespace parley::hotline
