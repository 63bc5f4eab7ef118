// SPDX-License-Identifier: GPL-3.0-or-later
// Real libsignal sessions between real SQLCipher stores: X3DH, ratchet, typed failures.
#include "pairwise/sessions.hpp"

#include <gtest/gtest.h>

#include "crypto/keys.hpp"
#include "support/temp_dir.hpp"

namespace parley::pairwise {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

// One device: its store, libsignal adapter and session API.
struct Device {
  Address address;
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<SignalStoreAdapter> adapter;
  std::unique_ptr<Sessions> sessions;

  Device(const test::TempDir& dir, Address addr) : address(std::move(addr)) {
    auto key = StoreKey::passphrase("test " + address.to_string());
    auto opened = store::DeviceStore::open(dir.file(address.to_string() + ".db"), key);
    EXPECT_TRUE(opened.ok()) << opened.error().to_string();
    store = std::move(*opened);
    auto created = create_device_identity(*store, address, 5, kNow);
    EXPECT_TRUE(created.ok()) << created.error().to_string();
    auto made = SignalStoreAdapter::create(*store);
    EXPECT_TRUE(made.ok());
    adapter = std::move(*made);
    sessions = std::make_unique<Sessions>(*adapter);
  }

  // What the relay would hand out: identity, signed prekey and one one-time prekey.
  PreKeyBundle bundle(bool with_one_time = true) {
    auto identity = store->local_identity();
    auto spk = current_signed_prekey(*store);
    auto otks = unused_one_time_prekeys(*store);
    EXPECT_TRUE(identity.ok() && spk.ok() && otks.ok());
    PreKeyBundle b;
    b.address = address;
    b.registration_id = (*identity)->registration_id;
    b.identity_key = (*identity)->identity_public;
    b.signed_prekey = *spk;
    if (with_one_time && !otks->empty()) b.one_time_prekey = otks->front();
    return b;
  }
};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

class SessionsTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  Device alice{dir, {"alice", 1}};
  Device bob{dir, {"bob", 1}};

  envelope::Envelope alice_to_bob(std::string_view message) {
    auto env = alice.sessions->encrypt(bob.address, text(message));
    EXPECT_TRUE(env.ok()) << env.error().to_string();
    return *env;
  }

  void establish() {
    ASSERT_TRUE(alice.sessions->process_bundle(bob.bundle()).ok());
  }
};

TEST_F(SessionsTest, X3dhThenRatchetBothWays) {
  establish();
  auto first = alice_to_bob("hello bob");
  EXPECT_EQ(first.type, envelope::CipherType::prekey);
  auto plain = bob.sessions->decrypt(alice.address, first);
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_EQ(*plain, text("hello bob"));

  auto reply = bob.sessions->encrypt(alice.address, text("hello alice"));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->type, envelope::CipherType::whisper);
  auto back = alice.sessions->decrypt(bob.address, *reply);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, text("hello alice"));

  // After the reply Alice's messages are plain ratchet messages.
  auto second = alice_to_bob("second");
  EXPECT_EQ(second.type, envelope::CipherType::whisper);
  EXPECT_EQ(*bob.sessions->decrypt(alice.address, second), text("second"));
}

TEST_F(SessionsTest, OneTimePrekeyIsConsumedByTheRecipient) {
  auto before = unused_one_time_prekeys(*bob.store);
  establish();
  ASSERT_TRUE(bob.sessions->decrypt(alice.address, alice_to_bob("x")).ok());
  auto after = unused_one_time_prekeys(*bob.store);
  EXPECT_EQ(after->size() + 1, before->size());
}

TEST_F(SessionsTest, SessionWithoutOneTimePrekeyStillWorks) {
  ASSERT_TRUE(alice.sessions->process_bundle(bob.bundle(false)).ok());
  EXPECT_EQ(*bob.sessions->decrypt(alice.address, alice_to_bob("fallback")), text("fallback"));
}

TEST_F(SessionsTest, DuplicateIsTyped) {
  establish();
  auto env = alice_to_bob("once");
  ASSERT_TRUE(bob.sessions->decrypt(alice.address, env).ok());
  auto reply = bob.sessions->encrypt(alice.address, text("r"));
  auto first = alice.sessions->decrypt(bob.address, *reply);
  ASSERT_TRUE(first.ok());
  auto again = alice.sessions->decrypt(bob.address, *reply);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::duplicate_message) << again.error().to_string();
}

TEST_F(SessionsTest, TamperedCiphertextIsBadMac) {
  establish();
  ASSERT_TRUE(bob.sessions->decrypt(alice.address, alice_to_bob("a")).ok());
  auto reply = bob.sessions->encrypt(alice.address, text("tamper me"));
  ASSERT_TRUE(reply.ok());
  envelope::Envelope bad = *reply;
  bad.ciphertext[bad.ciphertext.size() - 12] ^= 0x01;  // inside the body, before the 8-byte MAC
  auto result = alice.sessions->decrypt(bob.address, bad);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::bad_mac) << result.error().to_string();
  // The untouched message still decrypts: a failed decrypt changed nothing.
  EXPECT_EQ(*alice.sessions->decrypt(bob.address, *reply), text("tamper me"));
}

TEST_F(SessionsTest, NoSessionIsTyped) {
  establish();
  ASSERT_TRUE(bob.sessions->decrypt(alice.address, alice_to_bob("a")).ok());
  auto reply = bob.sessions->encrypt(alice.address, text("to alice"));
  Device carol(dir, {"carol", 1});
  auto result = carol.sessions->decrypt(bob.address, *reply);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::no_session) << result.error().to_string();
}

TEST_F(SessionsTest, ChangedIdentityIsUntrusted) {
  establish();
  ASSERT_TRUE(bob.sessions->decrypt(alice.address, alice_to_bob("a")).ok());
  // Bob reinstalls: same address, new identity key.
  test::TempDir other;
  Device new_bob(other, {"bob", 1});
  auto result = alice.sessions->process_bundle(new_bob.bundle());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::untrusted_identity) << result.error().to_string();
}

TEST_F(SessionsTest, ForgedSignedPrekeyIsRejected) {
  auto bundle = bob.bundle();
  bundle.signed_prekey.signature[5] ^= 0x40;
  auto result = alice.sessions->process_bundle(bundle);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::invalid_signature) << result.error().to_string();
  EXPECT_FALSE(*alice.sessions->has_session(bob.address));
}

TEST_F(SessionsTest, GarbageCiphertextIsInvalidMessage) {
  envelope::Envelope garbage;
  garbage.type = envelope::CipherType::whisper;
  garbage.ciphertext = Bytes(40, 0x33);
  auto result = bob.sessions->decrypt(alice.address, garbage);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::invalid_message) << result.error().to_string();
  garbage.type = envelope::CipherType::prekey;
  EXPECT_EQ(bob.sessions->decrypt(alice.address, garbage).error().code, Errc::invalid_message);
}

// Signed prekey rotation (docs/protocol.md "Prekeys"): a first message built from the bundle
// fetched before a rotation still opens while the old key is kept, and not after it is pruned.
TEST_F(SessionsTest, AFirstMessageBuiltBeforeARotationOpensUntilTheOldKeyIsPruned) {
  const PreKeyBundle old_bundle = bob.bundle();
  EXPECT_EQ(old_bundle.signed_prekey.created_at, kNow);
  auto rotated = rotate_signed_prekey(*bob.store, kNow + 1000);
  ASSERT_TRUE(rotated.ok()) << rotated.error().to_string();
  EXPECT_EQ(rotated->id, old_bundle.signed_prekey.id + 1);
  EXPECT_NE(rotated->public_key, old_bundle.signed_prekey.public_key);
  EXPECT_EQ(current_signed_prekey(*bob.store)->id, rotated->id);  // the relay gets this one now

  // Nothing replaced after kNow + 999: the old key stays.
  EXPECT_EQ(*prune_signed_prekeys(*bob.store, kNow + 999), 0u);
  ASSERT_TRUE(alice.sessions->process_bundle(old_bundle).ok());
  EXPECT_EQ(*bob.sessions->decrypt(alice.address, alice_to_bob("sent before")), text("sent before"));

  // A second sender with the same old bundle, after the old key was pruned: refused, typed.
  Device carol(dir, {"carol", 1});
  ASSERT_TRUE(carol.sessions->process_bundle(old_bundle).ok());
  auto late = carol.sessions->encrypt(bob.address, text("too late"));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*prune_signed_prekeys(*bob.store, kNow + 1000), 1u);
  EXPECT_EQ(*bob.store->signed_prekey_ids(), std::vector<std::uint32_t>{rotated->id});
  auto refused = bob.sessions->decrypt(carol.address, *late);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(*prune_signed_prekeys(*bob.store, kNow + 10'000'000), 0u);  // never the newest
}

TEST_F(SessionsTest, PrekeysContinueAfterTheLastId) {
  auto first = unused_one_time_prekeys(*bob.store);
  auto more = generate_one_time_prekeys(*bob.store, 3);
  ASSERT_TRUE(more.ok());
  ASSERT_EQ(more->size(), 3u);
  EXPECT_EQ(more->front().id, first->back().id + 1);
  EXPECT_EQ(unused_one_time_prekeys(*bob.store)->size(), first->size() + 3);
}

}  // namespace
}  // namespace parley::pairwise
