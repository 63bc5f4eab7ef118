// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox recipient list encoding: exact round trip, strict decoding.
#include "store/recipient_codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "store_test_util.hpp"

namespace parley::store {
namespace {

const std::vector<Address> kSample = {{"alice", 1}, {"", 0}, {std::string(kMaxUserNameBytes, 'z'), 0xffffffffu}};

TEST(RecipientCodec, RoundTrips) {
  auto encoded = encode_recipients(kSample);
  PARLEY_ASSERT_OK(encoded);
  auto decoded = decode_recipients(*encoded);
  PARLEY_ASSERT_OK(decoded);
  EXPECT_EQ(*decoded, kSample);
}

TEST(RecipientCodec, HasTheDocumentedLayout) {
  auto encoded = encode_recipients({{"ab", 0x01020304}});
  PARLEY_ASSERT_OK(encoded);
  EXPECT_EQ(*encoded, (Bytes{1, 0, 0, 0, 1, 0, 2, 'a', 'b', 1, 2, 3, 4}));
}

TEST(RecipientCodec, EmptyListRoundTrips) {
  auto encoded = encode_recipients({});
  PARLEY_ASSERT_OK(encoded);
  auto decoded = decode_recipients(*encoded);
  PARLEY_ASSERT_OK(decoded);
  EXPECT_TRUE(decoded->empty());
}

TEST(RecipientCodec, EveryTruncationIsCorrupt) {
  auto encoded = encode_recipients(kSample);
  PARLEY_ASSERT_OK(encoded);
  for (std::size_t size = 0; size < encoded->size(); ++size) {
    auto decoded = decode_recipients(ByteView(encoded->data(), size));
    ASSERT_FALSE(decoded.ok()) << "prefix of " << size << " bytes decoded";
    EXPECT_EQ(decoded.error().code, Errc::store_corrupt);
  }
}

TEST(RecipientCodec, TrailingBytesAreCorrupt) {
  auto encoded = encode_recipients(kSample);
  PARLEY_ASSERT_OK(encoded);
  encoded->push_back(0);
  auto decoded = decode_recipients(*encoded);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::store_corrupt);
}

TEST(RecipientCodec, UnknownFormatIsCorrupt) {
  auto encoded = encode_recipients(kSample);
  PARLEY_ASSERT_OK(encoded);
  (*encoded)[0] = 0;
  auto decoded = decode_recipients(*encoded);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::store_corrupt);
  EXPECT_NE(decoded.error().message.find("format"), std::string::npos);
}

// A huge declared count with no bytes behind it fails before allocating anything.
TEST(RecipientCodec, ImpossibleCountIsCorrupt) {
  auto decoded = decode_recipients(Bytes{1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::store_corrupt);
}

TEST(RecipientCodec, OverlongUserNameIsCorruptOnReadAndRefusedOnWrite) {
  Bytes blob = {1, 0, 0, 0, 1, 0, static_cast<std::uint8_t>(kMaxUserNameBytes + 1)};
  blob.insert(blob.end(), kMaxUserNameBytes + 1, 'u');
  blob.insert(blob.end(), {0, 0, 0, 1});
  auto decoded = decode_recipients(blob);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::store_corrupt);

  auto encoded = encode_recipients({{std::string(kMaxUserNameBytes + 1, 'u'), 1}});
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace parley::store
