// SPDX-License-Identifier: GPL-3.0-or-later
// Identity keys and XEdDSA signatures: round trips, libsignal's own known-answer vector,
// tampering, malformed and non-canonical inputs, garbage, randomness and wiping.
#include "crypto/keys.hpp"

#include <curve.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "hex.hpp"

namespace parley::crypto {
namespace {

using test::hex;
using test::text_bytes;

KeyPair fresh_pair() {
  auto pair = generate_key_pair();
  EXPECT_TRUE(pair.ok()) << (pair.ok() ? "" : pair.error().to_string());
  return pair.ok() ? std::move(pair).value() : KeyPair{};
}

Bytes sign_ok(const Bytes& private_key, const Bytes& message) {
  auto signature = sign(private_key, message);
  EXPECT_TRUE(signature.ok()) << (signature.ok() ? "" : signature.error().to_string());
  return signature.ok() ? std::move(signature).value() : Bytes{};
}

// libsignal's verdict alone, without keys.cpp's canonical-encoding checks.
int libsignal_verify(const Bytes& public_key, const Bytes& message, const Bytes& signature) {
  ec_public_key* raw = nullptr;
  if (curve_decode_point(&raw, public_key.data(), public_key.size(), global_context()) < 0) {
    return -1;
  }
  SignalPtr<ec_public_key> key(raw);
  return curve_verify_signature(key.get(), message.data(), message.size(), signature.data(),
                                signature.size());
}

// libsignal's test_curve25519.c signature vector: Alice's identity key signs her
// serialized ephemeral public key.
const Bytes kAliceIdentityPublic =
    hex("05ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64");
const Bytes kAliceEphemeralPublic =
    hex("05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a");
const Bytes kAliceSignature =
    hex("5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfb"
        "ede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88");

TEST(Keys, GeneratedPairHasLibsignalShape) {
  const KeyPair pair = fresh_pair();
  ASSERT_EQ(pair.public_key.size(), kPublicKeyBytes);
  ASSERT_EQ(pair.private_key.size(), kPrivateKeyBytes);
  EXPECT_EQ(pair.public_key[0], 0x05);
  // Clamped as X25519 requires.
  EXPECT_EQ(pair.private_key[0] & 7, 0);
  EXPECT_EQ(pair.private_key[31] & 0xc0, 0x40);
}

TEST(Keys, TwoPairsDiffer) {
  const KeyPair a = fresh_pair();
  const KeyPair b = fresh_pair();
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_NE(a.private_key, b.private_key);
}

TEST(Keys, SignVerifyRoundTrip) {
  const KeyPair pair = fresh_pair();
  const Bytes message = text_bytes("prekey bundle for alice.1");
  const Bytes signature = sign_ok(pair.private_key, message);
  ASSERT_EQ(signature.size(), kSignatureBytes);
  EXPECT_TRUE(verify(pair.public_key, message, signature));
}

TEST(Keys, EmptyAndLargeMessages) {
  const KeyPair pair = fresh_pair();
  const Bytes empty;
  EXPECT_TRUE(verify(pair.public_key, empty, sign_ok(pair.private_key, empty)));
  const Bytes large(1 << 20, 0x5a);
  EXPECT_TRUE(verify(pair.public_key, large, sign_ok(pair.private_key, large)));
}

TEST(Keys, LibsignalKnownAnswerVector) {
  EXPECT_TRUE(verify(kAliceIdentityPublic, kAliceEphemeralPublic, kAliceSignature));
}

TEST(Keys, EveryFlippedSignatureBitFails) {
  for (std::size_t i = 0; i < kAliceSignature.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes tampered = kAliceSignature;
      tampered[i] ^= static_cast<std::uint8_t>(1u << bit);
      EXPECT_FALSE(verify(kAliceIdentityPublic, kAliceEphemeralPublic, tampered))
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(Keys, DifferentMessageFails) {
  const KeyPair pair = fresh_pair();
  const Bytes signature = sign_ok(pair.private_key, text_bytes("attack at dawn"));
  EXPECT_FALSE(verify(pair.public_key, text_bytes("attack at dusk"), signature));
  EXPECT_FALSE(verify(pair.public_key, text_bytes("attack at dawn!"), signature));
  EXPECT_FALSE(verify(pair.public_key, {}, signature));
}

TEST(Keys, OtherKeyFails) {
  const KeyPair pair = fresh_pair();
  const KeyPair other = fresh_pair();
  const Bytes message = text_bytes("hello");
  EXPECT_FALSE(verify(other.public_key, message, sign_ok(pair.private_key, message)));

  Bytes tampered_key = pair.public_key;
  tampered_key[10] ^= 0x01;
  EXPECT_FALSE(verify(tampered_key, message, sign_ok(pair.private_key, message)));
}

TEST(Keys, WrongLengthsAreRejected) {
  const KeyPair pair = fresh_pair();
  const Bytes message = text_bytes("hello");
  const Bytes signature = sign_ok(pair.private_key, message);
  ASSERT_TRUE(verify(pair.public_key, message, signature));

  const Bytes key_32(pair.public_key.begin() + 1, pair.public_key.end());  // type byte dropped
  Bytes key_34 = pair.public_key;
  key_34.push_back(0);
  EXPECT_FALSE(verify(key_32, message, signature));
  EXPECT_FALSE(verify(key_34, message, signature));
  EXPECT_FALSE(verify({}, message, signature));

  const Bytes sig_63(signature.begin(), signature.end() - 1);
  Bytes sig_65 = signature;
  sig_65.push_back(0);
  EXPECT_FALSE(verify(pair.public_key, message, sig_63));
  EXPECT_FALSE(verify(pair.public_key, message, sig_65));
  EXPECT_FALSE(verify(pair.public_key, message, {}));

  for (std::size_t len : {0u, 31u, 33u}) {
    auto result = sign(Bytes(len, 0x11), message);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::invalid_key);
  }
}

TEST(Keys, WrongKeyTypeByteIsRejected) {
  Bytes key = kAliceIdentityPublic;
  key[0] = 0x06;
  EXPECT_FALSE(verify(key, kAliceEphemeralPublic, kAliceSignature));
}

// libsignal ignores bit 255 of the public key, so a second encoding of Alice's key would
// verify her signatures; verify() accepts only the canonical one.
TEST(Keys, NonCanonicalPublicKeyIsRejected) {
  Bytes key = kAliceIdentityPublic;
  key[32] |= 0x80;
  EXPECT_EQ(libsignal_verify(key, kAliceEphemeralPublic, kAliceSignature), 1);
  EXPECT_FALSE(verify(key, kAliceEphemeralPublic, kAliceSignature));
}

// R || (S + L), keeping the sign bit, when S + L still fits libsignal's 253-bit check.
std::optional<Bytes> add_group_order(const Bytes& signature) {
  static const Bytes kOrder =
      hex("edd3f55c1a631258d69cf7a2def9de14 00000000000000000000000000000010");
  Bytes out = signature;
  const std::uint8_t sign_bit = out[63] & 0x80;
  out[63] &= 0x7f;
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = out[32 + i] + kOrder[i] + carry;
    out[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  if (carry || (out[63] & 0xe0)) return std::nullopt;
  out[63] |= sign_bit;
  return out;
}

// libsignal accepts S + L as well as S, so signatures would be malleable; verify() insists
// on S < L, as honest signers always produce.
TEST(Keys, MalleatedSignatureIsRejected) {
  const std::optional<Bytes> malleated = add_group_order(kAliceSignature);
  ASSERT_TRUE(malleated.has_value());
  EXPECT_NE(*malleated, kAliceSignature);
  EXPECT_EQ(libsignal_verify(kAliceIdentityPublic, kAliceEphemeralPublic, *malleated), 1);
  EXPECT_FALSE(verify(kAliceIdentityPublic, kAliceEphemeralPublic, *malleated));
}

// sign() clamps like X25519, so the bits X25519 ignores do not change which public key
// the signature verifies under.
TEST(Keys, SignClampsThePrivateKey) {
  const KeyPair pair = fresh_pair();
  Bytes unclamped = pair.private_key;
  unclamped[0] |= 0x07;
  unclamped[31] |= 0x80;
  const Bytes message = text_bytes("clamp me");
  EXPECT_TRUE(verify(pair.public_key, message, sign_ok(unclamped, message)));
}

TEST(Keys, RandomGarbageNeverVerifies) {
  const KeyPair pair = fresh_pair();
  const Bytes message = text_bytes("garbage test");
  const Bytes good_signature = sign_ok(pair.private_key, message);
  std::mt19937 rng(20240601);  // fixed seed: a failure can be replayed
  auto random_bytes_of = [&](std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  };
  for (int i = 0; i < 1000; ++i) {
    SCOPED_TRACE(i);
    Bytes key = random_bytes_of(kPublicKeyBytes);
    if (i % 2 == 0) key[0] = 0x05;  // get past the type check half the time
    Bytes signature = random_bytes_of(kSignatureBytes);
    if (i % 4 == 1) signature[63] &= 0x0f;  // canonical S, so libsignal does the rejecting
    const Bytes junk_message = random_bytes_of(rng() % 200);
    EXPECT_FALSE(verify(key, junk_message, signature));
    EXPECT_FALSE(verify(key, message, good_signature));
    EXPECT_FALSE(verify(pair.public_key, message, signature));
    EXPECT_FALSE(verify(random_bytes_of(rng() % 80), message, random_bytes_of(rng() % 80)));
  }
  EXPECT_TRUE(verify(pair.public_key, message, good_signature));
}

TEST(Keys, ConcurrentUseFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> verified(8, 0);
  for (std::size_t t = 0; t < verified.size(); ++t) {
    threads.emplace_back([t, &verified] {
      for (int i = 0; i < 20; ++i) {
        auto pair = generate_key_pair();
        if (!pair.ok()) return;
        const Bytes message(t + 1, static_cast<std::uint8_t>(i));
        auto signature = sign(pair->private_key, message);
        if (signature.ok() && verify(pair->public_key, message, *signature)) ++verified[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : verified) EXPECT_EQ(count, 20);
}

TEST(Random, FillsBytes) {
  Bytes a(64, 0);
  Bytes b(64, 0);
  ASSERT_TRUE(random_bytes(a).ok());
  ASSERT_TRUE(random_bytes(b).ok());
  EXPECT_NE(a, Bytes(64, 0));
  EXPECT_NE(a, b);
  EXPECT_TRUE(random_bytes({}).ok());
}

TEST(Wipe, ZeroesData) {
  Bytes secret(48, 0xa5);
  wipe(secret);
  EXPECT_EQ(secret, Bytes(48, 0));
  wipe({});
}

}  // namespace
}  // namespace parley::crypto
