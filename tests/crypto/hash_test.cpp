// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 against FIPS 180-2 / NIST CAVS examples, and the multi-part form against one shot.
#include "crypto/hash.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hex.hpp"

namespace parley::crypto {
namespace {

using test::hex;
using test::text_bytes;

Bytes digest_of(const Bytes& data) {
  auto digest = sha256(data);
  EXPECT_TRUE(digest.ok()) << (digest.ok() ? "" : digest.error().to_string());
  return digest.ok() ? Bytes(digest->begin(), digest->end()) : Bytes{};
}

TEST(Sha256, Abc) {
  EXPECT_EQ(digest_of(text_bytes("abc")),
            hex("ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad"));
}

TEST(Sha256, Empty) {
  EXPECT_EQ(digest_of({}), hex("e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855"));
}

TEST(Sha256, Nist448BitMessage) {
  EXPECT_EQ(digest_of(text_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            hex("248d6a61 d20638b8 e5c02693 0c3e6039 a33ce459 64ff2167 f6ecedd4 19db06c1"));
}

TEST(Sha256, MillionA) {
  EXPECT_EQ(digest_of(Bytes(1000000, 'a')),
            hex("cdc76e5c 9914fb92 81a1c7e2 84d73e67 f1809a48 a497200e 046d39cc c7112cd0"));
}

TEST(Sha256, PartsEqualConcatenation) {
  const Bytes whole = text_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  const ByteView view(whole);
  for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
    auto parts = sha256({view.first(cut), ByteView{}, view.subspan(cut)});
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(Bytes(parts->begin(), parts->end()), digest_of(whole)) << "cut at " << cut;
  }
}

TEST(Sha256, DifferentInputsDiffer) {
  EXPECT_NE(digest_of(text_bytes("abc")), digest_of(text_bytes("abd")));
}

}  // namespace
}  // namespace parley::crypto
