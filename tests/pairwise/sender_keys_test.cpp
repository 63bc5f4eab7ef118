// SPDX-License-Identifier: GPL-3.0-or-later
// Real libsignal Sender Keys between real SQLCipher stores: distribution, channel messages,
// rekey on removal, tampering, replay, garbage, persistence and sender binding.
#include "pairwise/sender_keys.hpp"

#include <curve.h>
#include <group_session_builder.h>
#include <protocol.h>

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "pairwise/signal_address.hpp"
#include "support/temp_dir.hpp"

namespace parley::pairwise {
namespace {

using crypto::SignalPtr;

// One device: its store, libsignal adapter and sender key API; can close and reopen its store.
struct Device {
  const test::TempDir& dir;
  Address address;
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<SignalStoreAdapter> adapter;
  std::unique_ptr<SenderKeys> keys;

  Device(const test::TempDir& d, Address addr) : dir(d), address(std::move(addr)) { open(); }

  void open() {
    auto opened = store::DeviceStore::open(dir.file(address.to_string() + ".db"),
                                           StoreKey::passphrase("test " + address.to_string()));
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store = std::move(*opened);
    auto made = SignalStoreAdapter::create(*store);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    adapter = std::move(*made);
    keys = std::make_unique<SenderKeys>(*adapter);
  }

  void reopen() {
    keys.reset();
    adapter.reset();
    store.reset();
    open();
  }

  Bytes distribution(const Bytes& group) {
    auto d = keys->own_distribution(group, address);
    EXPECT_TRUE(d.ok()) << d.error().to_string();
    return d.ok() ? *d : Bytes{};
  }

  Bytes post(const Bytes& group, std::string_view text) {
    auto c = keys->encrypt(group, address, as_bytes(text));
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c.ok() ? *c : Bytes{};
  }

  void install(const Bytes& group, const Device& from, const Bytes& distribution) {
    auto s = keys->install_distribution({group, from.address}, distribution);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
  }

  Result<Bytes> read(const Bytes& group, const Device& from, const Bytes& ciphertext) {
    return keys->decrypt({group, from.address}, ciphertext);
  }
};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// cell id || channel id || generation, as the channel layer will build it.
Bytes group_id(std::uint8_t generation) {
  Bytes g = text("cell-0001/channel-general/");
  g.push_back(0);  // group ids are binary: embedded NULs must work
  g.push_back(generation);
  return g;
}

std::uint32_t key_id_of(const Bytes& distribution) {
  sender_key_distribution_message* raw = nullptr;
  EXPECT_EQ(sender_key_distribution_message_deserialize(&raw, distribution.data(), distribution.size(),
                                                        crypto::global_context()),
            0);
  SignalPtr<sender_key_distribution_message> message(raw);
  return message ? sender_key_distribution_message_get_id(message.get()) : 0;
}

// A distribution message with chosen fields, as a malicious member could craft one.
Bytes craft_distribution(std::uint32_t key_id, std::uint32_t iteration, const Bytes& chain_key) {
  ec_key_pair* raw_pair = nullptr;
  EXPECT_EQ(curve_generate_key_pair(crypto::global_context(), &raw_pair), 0);
  SignalPtr<ec_key_pair> pair(raw_pair);
  sender_key_distribution_message* raw = nullptr;
  EXPECT_EQ(sender_key_distribution_message_create(&raw, key_id, iteration, chain_key.data(), chain_key.size(),
                                                   ec_key_pair_get_public(pair.get()), crypto::global_context()),
            0);
  SignalPtr<sender_key_distribution_message> message(raw);
  return crypto::to_bytes(ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(message.get())));
}

#define EXPECT_ERRC(result, errc)                                                           \
  do {                                                                                      \
    const auto& r_ = (result);                                                              \
    ASSERT_FALSE(r_.ok()) << "expected " << errc_name(errc) << ", got success";             \
    EXPECT_EQ(r_.error().code, errc) << r_.error().to_string();                             \
  } while (0)

class SenderKeysTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  Device alice{dir, {"alice", 1}};
  Device bob{dir, {"bob", 1}};
  Device carol{dir, {"carol", 2}};
  const Bytes g1 = group_id(1);
  const Bytes g2 = group_id(2);

  // Alice posts on g1 and Bob and Carol read.
  Bytes alice_distributes_g1() {
    Bytes d = alice.distribution(g1);
    bob.install(g1, alice, d);
    carol.install(g1, alice, d);
    return d;
  }
};

TEST_F(SenderKeysTest, RoundTripBetweenThreeDevices) {
  // Every device posts; each distributes its key to the two others.
  for (Device* poster : {&alice, &bob, &carol}) {
    Bytes d = poster->distribution(g1);
    for (Device* reader : {&alice, &bob, &carol})
      if (reader != poster) reader->install(g1, *poster, d);
  }
  for (Device* poster : {&alice, &bob, &carol}) {
    for (int i = 0; i < 3; ++i) {
      std::string message = poster->address.user + " says " + std::to_string(i);
      Bytes c = poster->post(g1, message);
      for (Device* reader : {&alice, &bob, &carol}) {
        if (reader == poster) continue;
        auto plain = reader->read(g1, *poster, c);
        ASSERT_TRUE(plain.ok()) << plain.error().to_string();
        EXPECT_EQ(*plain, text(message));
      }
    }
  }
  EXPECT_TRUE(*bob.keys->has_key({g1, alice.address}));
  EXPECT_TRUE(*alice.keys->has_key({g1, alice.address}));  // its own
  EXPECT_FALSE(*bob.keys->has_key({g2, alice.address}));
}

TEST_F(SenderKeysTest, OwnDistributionIsStableForAGroup) {
  Bytes first = alice.distribution(g1);
  alice.post(g1, "advance the chain");
  Bytes again = alice.distribution(g1);
  EXPECT_EQ(key_id_of(first), key_id_of(again));
  EXPECT_NE(first, again);  // same key, later iteration and chain key
  EXPECT_NE(key_id_of(first), key_id_of(alice.distribution(g2)));
}

TEST_F(SenderKeysTest, NonReaderCannotDecrypt) {
  Bytes d = alice.distribution(g1);
  bob.install(g1, alice, d);
  std::vector<Bytes> captured;
  for (int i = 0; i < 3; ++i) captured.push_back(alice.post(g1, "for readers only " + std::to_string(i)));
  // Carol never received the distribution; she holds every ciphertext.
  for (const Bytes& c : captured) {
    auto result = carol.read(g1, alice, c);
    EXPECT_ERRC(result, Errc::no_session);
    EXPECT_EQ(result.error().message.find("readers only"), std::string::npos);
  }
  EXPECT_FALSE(*carol.keys->has_key({g1, alice.address}));
  // Bob, a reader, decrypts them all.
  for (const Bytes& c : captured) EXPECT_TRUE(bob.read(g1, alice, c).ok());
}

TEST_F(SenderKeysTest, RekeyLocksOutTheRemovedReader) {
  Bytes d1 = alice_distributes_g1();
  std::vector<Bytes> old_messages;
  for (int i = 0; i < 2; ++i) old_messages.push_back(alice.post(g1, "generation 1"));
  for (const Bytes& c : old_messages) ASSERT_TRUE(carol.read(g1, alice, c).ok());

  // Carol loses READ: Alice makes a generation-2 key and gives it to Bob only.
  Bytes d2 = alice.distribution(g2);
  EXPECT_NE(key_id_of(d2), key_id_of(d1));
  bob.install(g2, alice, d2);
  std::vector<Bytes> new_messages;
  for (int i = 0; i < 2; ++i) new_messages.push_back(alice.post(g2, "after carol left " + std::to_string(i)));

  for (int i = 0; i < 2; ++i) {
    auto plain = bob.read(g2, alice, new_messages[i]);
    ASSERT_TRUE(plain.ok()) << plain.error().to_string();
    EXPECT_EQ(*plain, text("after carol left " + std::to_string(i)));
  }

  // Carol kept her old key and every envelope: under the new name she has no key, and her
  // generation-1 key does not know the new key id.
  for (const Bytes& c : new_messages) {
    EXPECT_ERRC(carol.read(g2, alice, c), Errc::no_session);
    EXPECT_ERRC(carol.read(g1, alice, c), Errc::no_session);
  }
  // Re-labelling her old distribution as generation 2 gives her a key with the wrong id.
  ASSERT_TRUE(carol.keys->install_distribution({g2, alice.address}, d1).ok());
  for (const Bytes& c : new_messages) EXPECT_ERRC(carol.read(g2, alice, c), Errc::no_session);
  // Alice's generation-1 chain is still readable by Carol (what she was allowed to read).
  EXPECT_TRUE(carol.read(g1, alice, alice.post(g1, "still gen 1")).ok());
}

TEST_F(SenderKeysTest, TamperedMessageIsRejectedAndChangesNothing) {
  alice_distributes_g1();
  Bytes c = alice.post(g1, "tamper with me, please");
  // Layout: version byte | protobuf {key id, iteration, AES-CBC ciphertext} | 64-byte signature.
  ASSERT_GT(c.size(), 64u + 16u);
  Bytes in_body = c;
  in_body[c.size() - 64 - 3] ^= 0x01;  // last bytes of the AES ciphertext
  EXPECT_ERRC(bob.read(g1, alice, in_body), Errc::invalid_signature);
  Bytes in_signature = c;
  in_signature[c.size() - 1] ^= 0x80;
  EXPECT_ERRC(bob.read(g1, alice, in_signature), Errc::invalid_signature);
  // The header fields: key id right after the version byte and its tag, iteration (0, one
  // byte) right before the ciphertext field's tag and length.
  sender_key_message* raw = nullptr;
  ASSERT_EQ(sender_key_message_deserialize(&raw, c.data(), c.size(), crypto::global_context()), 0);
  SignalPtr<sender_key_message> parsed(raw);
  ASSERT_EQ(sender_key_message_get_iteration(parsed.get()), 0u);
  const std::size_t body_len = signal_buffer_len(sender_key_message_get_ciphertext(parsed.get()));
  ASSERT_LT(body_len, 128u);  // one-byte length prefix
  Bytes in_iteration = c;
  std::uint8_t& iteration_byte = in_iteration[c.size() - 64 - body_len - 2 - 1];
  ASSERT_EQ(iteration_byte, 0x00);
  iteration_byte = 0x01;
  EXPECT_ERRC(bob.read(g1, alice, in_iteration), Errc::invalid_signature);
  Bytes in_key_id = c;
  ASSERT_EQ(in_key_id[1], 0x08);  // protobuf tag of field 1 (id), varint
  in_key_id[2] ^= 0x01;
  EXPECT_ERRC(bob.read(g1, alice, in_key_id), Errc::no_session);

  // None of the failures advanced or consumed anything.
  auto plain = bob.read(g1, alice, c);
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_EQ(*plain, text("tamper with me, please"));
  EXPECT_TRUE(carol.read(g1, alice, c).ok());
  EXPECT_TRUE(bob.read(g1, alice, alice.post(g1, "next")).ok());
}

TEST_F(SenderKeysTest, MessageFromAnotherSenderIsNotAccepted) {
  // Bob's message presented as Alice's: the key id is unknown under Alice's name.
  alice_distributes_g1();
  bob.distribution(g1);
  Bytes from_bob = bob.post(g1, "i am bob");
  EXPECT_ERRC(carol.read(g1, alice, from_bob), Errc::no_session);
}

TEST_F(SenderKeysTest, ReplayIsDuplicate) {
  alice_distributes_g1();
  Bytes m1 = alice.post(g1, "one");
  Bytes m2 = alice.post(g1, "two");
  // Out of order is fine, each once.
  EXPECT_EQ(*bob.read(g1, alice, m2), text("two"));
  EXPECT_EQ(*bob.read(g1, alice, m1), text("one"));
  EXPECT_ERRC(bob.read(g1, alice, m1), Errc::duplicate_message);
  EXPECT_ERRC(bob.read(g1, alice, m2), Errc::duplicate_message);
  // In order, then replay.
  EXPECT_TRUE(carol.read(g1, alice, m1).ok());
  EXPECT_ERRC(carol.read(g1, alice, m1), Errc::duplicate_message);
  EXPECT_TRUE(carol.read(g1, alice, m2).ok());
}

TEST_F(SenderKeysTest, GarbageDistributionIsTypedNeverInstalled) {
  const std::set<Errc> allowed{Errc::invalid_message, Errc::invalid_key};
  auto check = [&](const Bytes& bytes) {
    auto s = bob.keys->install_distribution({g1, alice.address}, bytes);
    ASSERT_FALSE(s.ok()) << "garbage of " << bytes.size() << " bytes was installed";
    EXPECT_TRUE(allowed.count(s.error().code)) << s.error().to_string();
  };
  Bytes good = alice.distribution(g1);
  check({});
  for (std::size_t len = 0; len < good.size(); ++len) check(Bytes(good.begin(), good.begin() + len));
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    Bytes junk(1 + rng() % 200);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (i % 2) junk[0] = 0x33;  // a valid version byte, so the protobuf parser sees it
    check(junk);
  }
  EXPECT_FALSE(*bob.keys->has_key({g1, alice.address}));
  // A signing key that is not a curve point.
  Bytes bad_key = good;
  bad_key[bad_key.size() - 33] = 0x07;  // the key type byte of the 33-byte signing key
  EXPECT_ERRC(bob.keys->install_distribution({g1, alice.address}, bad_key), Errc::invalid_key);
  // Nothing was installed; the real distribution still is.
  EXPECT_FALSE(*bob.keys->has_key({g1, alice.address}));
  bob.install(g1, alice, good);
  EXPECT_TRUE(bob.read(g1, alice, alice.post(g1, "after garbage")).ok());
}

TEST_F(SenderKeysTest, GarbageCiphertextIsTypedAndChangesNothing) {
  alice_distributes_g1();
  Bytes good = alice.post(g1, "the real one");
  const std::set<Errc> allowed{Errc::invalid_message, Errc::invalid_signature, Errc::no_session};
  auto check = [&](const Bytes& bytes) {
    auto r = bob.read(g1, alice, bytes);
    ASSERT_FALSE(r.ok()) << "garbage of " << bytes.size() << " bytes decrypted";
    EXPECT_TRUE(allowed.count(r.error().code)) << r.error().to_string();
  };
  check({});
  for (std::size_t len = 0; len < good.size(); ++len) check(Bytes(good.begin(), good.begin() + len));
  Bytes extended = good;
  extended.push_back(0);
  check(extended);
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    Bytes junk(1 + rng() % 300);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (i % 2) junk[0] = 0x33;
    check(junk);
  }
  // Every single-bit flip anywhere is rejected.
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes flipped = good;
    flipped[i] ^= 0x04;
    check(flipped);
  }
  EXPECT_EQ(*bob.read(g1, alice, good), text("the real one"));
}

TEST_F(SenderKeysTest, KeysSurviveStoreReopen) {
  alice_distributes_g1();
  Bytes before = alice.post(g1, "before");
  ASSERT_TRUE(bob.read(g1, alice, before).ok());
  Bytes pending = alice.post(g1, "sent while bob was closed");

  alice.reopen();
  bob.reopen();
  EXPECT_TRUE(*bob.keys->has_key({g1, alice.address}));
  EXPECT_EQ(*bob.read(g1, alice, pending), text("sent while bob was closed"));
  EXPECT_ERRC(bob.read(g1, alice, before), Errc::duplicate_message);
  // Alice's chain continued where it was: a reused iteration would be a duplicate here.
  Bytes after = alice.post(g1, "after reopen");
  EXPECT_EQ(*bob.read(g1, alice, after), text("after reopen"));
  EXPECT_EQ(key_id_of(alice.distribution(g1)), key_id_of(alice.distribution(g1)));
}

// A member crafts a distribution for its OWN key and gets a receiver to file it under a
// victim's name. libsignal checks signatures only against what was installed for the name
// the receiver asks about, so the install name is the whole binding.
TEST_F(SenderKeysTest, InstallNameIsWhatBindsAKeyToItsSender) {
  Device mallory(dir, {"mallory", 1});
  Bytes mallory_key = mallory.distribution(g1);
  Bytes forged = mallory.post(g1, "this is alice, honest");

  // Carol wrongly files Mallory's distribution under Alice's name: she then accepts
  // Mallory's message as Alice's. This is why the channel layer installs only what arrived
  // over the pairwise session from the named sender.
  ASSERT_TRUE(carol.keys->install_distribution({g1, alice.address}, mallory_key).ok());
  auto fooled = carol.read(g1, alice, forged);
  ASSERT_TRUE(fooled.ok()) << fooled.error().to_string();
  EXPECT_EQ(*fooled, text("this is alice, honest"));

  // Bob files each distribution under the device it came from: the forgery is not Alice's.
  Bytes alice_key = alice.distribution(g1);
  bob.install(g1, alice, alice_key);
  bob.install(g1, mallory, mallory_key);
  EXPECT_ERRC(bob.read(g1, alice, forged), Errc::no_session);
  EXPECT_EQ(*bob.read(g1, mallory, forged), text("this is alice, honest"));
  EXPECT_EQ(*bob.read(g1, alice, alice.post(g1, "the real alice")), text("the real alice"));
}

TEST_F(SenderKeysTest, FirstInstallWinsUnderAName) {
  Device mallory(dir, {"mallory", 1});
  Bytes alice_key = alice_distributes_g1();
  Bytes m = alice.post(g1, "genuine");

  // A different key under Alice's name, whether Mallory's real key or a crafted one that
  // reuses Alice's key id with Mallory's signing key, is refused.
  EXPECT_ERRC(bob.keys->install_distribution({g1, alice.address}, mallory.distribution(g1)), Errc::invalid_key);
  Bytes same_id = craft_distribution(key_id_of(alice_key), 0, Bytes(kSenderChainKeyBytes, 0x42));
  EXPECT_ERRC(bob.keys->install_distribution({g1, alice.address}, same_id), Errc::invalid_key);
  EXPECT_ERRC(bob.read(g1, alice, mallory.post(g1, "as alice")), Errc::no_session);
  EXPECT_EQ(*bob.read(g1, alice, m), text("genuine"));
}

TEST_F(SenderKeysTest, RedeliveredDistributionDoesNotReopenReplay) {
  Bytes d = alice_distributes_g1();
  Bytes m1 = alice.post(g1, "one");
  ASSERT_TRUE(bob.read(g1, alice, m1).ok());
  // The relay (or an attacker) re-delivers the old distribution, then replays m1.
  EXPECT_TRUE(bob.keys->install_distribution({g1, alice.address}, d).ok());
  EXPECT_ERRC(bob.read(g1, alice, m1), Errc::duplicate_message);
  // Alice re-sending her key at a later iteration is also a no-op.
  EXPECT_TRUE(bob.keys->install_distribution({g1, alice.address}, alice.distribution(g1)).ok());
  EXPECT_ERRC(bob.read(g1, alice, m1), Errc::duplicate_message);
  EXPECT_TRUE(bob.read(g1, alice, alice.post(g1, "two")).ok());
}

// Pins the libsignal behaviour that install_distribution guards against: processing the
// same distribution twice rewinds the chain, and an already decrypted message decrypts again.
TEST_F(SenderKeysTest, LibsignalAloneWouldRewindOnRedelivery) {
  Bytes d = alice_distributes_g1();
  Bytes m1 = alice.post(g1, "one");
  ASSERT_TRUE(bob.read(g1, alice, m1).ok());
  sender_key_distribution_message* raw = nullptr;
  ASSERT_EQ(sender_key_distribution_message_deserialize(&raw, d.data(), d.size(), crypto::global_context()), 0);
  SignalPtr<sender_key_distribution_message> message(raw);
  group_session_builder* raw_builder = nullptr;
  ASSERT_EQ(group_session_builder_create(&raw_builder, bob.adapter->context(), crypto::global_context()), 0);
  std::unique_ptr<group_session_builder, void (*)(group_session_builder*)> builder(raw_builder,
                                                                                   group_session_builder_free);
  const std::string group(g1.begin(), g1.end());
  signal_protocol_sender_key_name name{group.c_str(), group.size(), to_signal_address(alice.address)};
  ASSERT_EQ(group_session_builder_process_session(builder.get(), &name, message.get()), 0);
  auto again = bob.read(g1, alice, m1);
  ASSERT_TRUE(again.ok()) << "libsignal no longer rewinds: " << again.error().to_string();
  EXPECT_EQ(*again, text("one"));
}

TEST_F(SenderKeysTest, OwnSendingKeyIsProtected) {
  Bytes alice_key = alice.distribution(g1);
  bob.distribution(g1);
  // Nobody can install a key over Bob's own sending key.
  EXPECT_ERRC(bob.keys->install_distribution({g1, bob.address}, alice_key), Errc::invalid_argument);
  carol.install(g1, bob, bob.distribution(g1));
  EXPECT_TRUE(carol.read(g1, bob, bob.post(g1, "still mine")).ok());

  // A received key filed under Carol's own name is never re-exported or used to send.
  carol.install(g2, carol, alice.distribution(g2));
  EXPECT_ERRC(carol.keys->own_distribution(g2, carol.address), Errc::invalid_key);
  EXPECT_ERRC(carol.keys->encrypt(g2, carol.address, as_bytes("x")), Errc::invalid_key);
}

TEST_F(SenderKeysTest, EncryptWithoutOwnKeyIsNoSession) {
  EXPECT_ERRC(alice.keys->encrypt(g1, alice.address, as_bytes("nothing yet")), Errc::no_session);
  bob.install(g1, alice, alice.distribution(g1));
  EXPECT_ERRC(alice.keys->encrypt(g2, alice.address, as_bytes("wrong group")), Errc::no_session);
}

TEST_F(SenderKeysTest, ShortChainKeyIsRefused) {
  EXPECT_ERRC(bob.keys->install_distribution({g1, alice.address}, craft_distribution(7, 0, Bytes(5, 1))),
              Errc::invalid_key);
  EXPECT_ERRC(bob.keys->install_distribution({g1, alice.address}, craft_distribution(7, 0, Bytes{})),
              Errc::invalid_key);
  EXPECT_FALSE(*bob.keys->has_key({g1, alice.address}));
}

TEST_F(SenderKeysTest, BadNamesAreInvalidArgument) {
  EXPECT_ERRC(alice.keys->own_distribution({}, alice.address), Errc::invalid_argument);
  EXPECT_ERRC(alice.keys->own_distribution(Bytes(kMaxSenderKeyGroupIdBytes + 1, 1), alice.address),
              Errc::invalid_argument);
  EXPECT_TRUE(alice.keys->own_distribution(Bytes(kMaxSenderKeyGroupIdBytes, 1), alice.address).ok());
  EXPECT_ERRC(bob.keys->decrypt({{}, alice.address}, Bytes(100, 0x33)), Errc::invalid_argument);
  EXPECT_ERRC(bob.keys->has_key({g1, Address{"", 1}}), Errc::invalid_argument);
}

TEST_F(SenderKeysTest, GroupIdsDifferingAfterANulAreDistinct) {
  Bytes a = group_id(1);
  Bytes b = group_id(1);
  b.back() = 9;  // differs only after the embedded NUL
  Bytes da = alice.distribution(a);
  EXPECT_NE(key_id_of(da), key_id_of(alice.distribution(b)));
  bob.install(a, alice, da);
  EXPECT_FALSE(*bob.keys->has_key({b, alice.address}));
  EXPECT_ERRC(bob.read(b, alice, alice.post(a, "x")), Errc::no_session);
}

}  // namespace
}  // namespace parley::pairwise
