// SPDX-License-Identifier: GPL-3.0-or-later
// Commit/proposal encoding: determinism, round trips, every verification step, the field
// rules, and untrusted garbage (every prefix, random mutations): typed errors, never a crash.
#include "charter/codec.hpp"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "charter/syntax.hpp"
#include "crypto/hash.hpp"
#include "charter_fixture.hpp"
#include "wire/charter_generated.h"

namespace parley::charter::test {
namespace {

namespace fb = parley::wire::charter;

Commit every_operation_commit(Keys& keys) {
  ChannelPolicy policy;
  policy.read = {Grant::for_party("IL"), Grant::for_user("alice"), Grant::for_device({"bob", 7})};
  policy.post = {Grant::for_party("SY")};
  policy.ack_required = true;
  policy.ack_deadline_seconds = 3600;
  policy.attested = true;
  policy.retention_seconds = 86400 * 30;
  Commit commit;
  commit.cell_id = test_cell_id();
  commit.epoch = 1;
  commit.author = kSup;
  commit.time_ms = 1'700'000'000'123;
  commit.operations = {CreateCell{"Cell ✓ name", "us_sup", "US"},
                       AddDevice{kSup, "US", std::nullopt, keys.pub(kSup)},
                       AddDevice{{"alice", 1}, "IL", Role::party_admin, keys.pub({"alice", 1})},
                       RemoveDevice{{"alice", 1}},
                       SetRole{"us_sup", Role::supervisor},
                       CreateChannel{"intel", "Intelligence"},
                       RenameChannel{"intel", "Intel"},
                       SetChannelPolicy{"intel", policy},
                       ArchiveChannel{"intel"}};
  return commit;
}

std::set<Errc> untrusted_errors() {
  return {Errc::truncated,           Errc::malformed_frame,        Errc::frame_too_large,
          Errc::unsupported_version, Errc::invalid_signature,      Errc::charter_wrong_cell,
          Errc::charter_out_of_order, Errc::charter_broken_chain,  Errc::charter_not_authorized,
          Errc::charter_invalid_operation};
}

// A hand-built commit, to produce what our encoder never would.
Bytes raw_commit(std::uint16_t version, std::size_t cell_bytes, fb::OperationBody type, fb::Role role,
                 fb::GrantKind kind = fb::GrantKind::Party) {
  flatbuffers::FlatBufferBuilder fbb;
  auto cell = fbb.CreateVector(Bytes(cell_bytes, 1));
  auto prev = fbb.CreateVector(Bytes(32, 3));
  auto author = parley::wire::CreateAddress(fbb, fbb.CreateString("us_sup"), 1);
  flatbuffers::Offset<void> body;
  if (type == fb::OperationBody::SetRole) {
    body = fb::CreateSetRole(fbb, fbb.CreateString("us_sup"), role).Union();
  } else if (type == fb::OperationBody::SetChannelPolicy) {
    std::vector<flatbuffers::Offset<fb::Grant>> grants{fb::CreateGrant(fbb, kind, fbb.CreateString("IL"), 0)};
    auto read = fbb.CreateVector(grants);
    auto post = fbb.CreateVector(std::vector<flatbuffers::Offset<fb::Grant>>{});
    body = fb::CreateSetChannelPolicy(fbb, fbb.CreateString("intel"), read, post).Union();
  } else {
    body = fb::CreateCreateCell(fbb, fbb.CreateString("c"), fbb.CreateString("us_sup"), fbb.CreateString("US")).Union();
  }
  std::vector<flatbuffers::Offset<fb::Operation>> ops{fb::CreateOperation(fbb, type, body)};
  auto root = fb::CreateCommit(fbb, version, cell, 2, prev, author, 0, fbb.CreateVector(ops));
  fbb.FinishSizePrefixed(root, "PLH1");
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

TEST(CharterCodec, RoundTripsEveryOperation) {
  Keys keys;
  const Commit commit = every_operation_commit(keys);
  const Bytes bytes = encode_commit(commit);
  auto decoded = decode_commit(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(*decoded, commit);
  EXPECT_EQ(encode_commit(*decoded), bytes);
}

TEST(CharterCodec, EncodingIsDeterministic) {
  Keys keys;
  const Commit commit = every_operation_commit(keys);
  const Bytes first = encode_commit(commit);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(encode_commit(Commit(commit)), first);
  EXPECT_EQ(must(commit_hash(first)), must(commit_hash(encode_commit(commit))));
  // Signatures are randomised; the bytes and therefore the hash are not.
  auto a = must(sign_commit(commit, keys.priv(kSup)));
  auto b = must(sign_commit(commit, keys.priv(kSup)));
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_NE(a.signature, b.signature);
}

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

Bytes test_hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ') continue;
    const int v = c <= '9' ? c - '0' : c - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

constexpr std::string_view kGoldenBytes =
    "1c01000020000000504c48310000000000001200240000000400140008000c001c00100012000000e4000000bc000000a00000001400"
    "000002000000000000000068e5cf8b010000020000003c00000004000000d4ffffff000000040c00000008000c000800070008000000"
    "000000040400000005000000616c69636500000008000c0007000800080000000000000504000000ccffffff24000000040000001400"
    "0000496e74656c6c6967656e63652073686172696e670000000005000000696e74656c00000008000c00040008000800000008000000"
    "010000000600000075735f73757000002000000022222222222222222222222222222222222222222222222222222222222222221000"
    "000011111111111111111111111111111111";
constexpr std::string_view kGoldenHash = "e234078cf1b08c1e03ae54a0c148920030e3e57be3ed2c15b54133b8a892b674";

TEST(CharterCodec, GoldenCommitBytesAndHash) {
  // Pins the wire format and the hash construction: a change here breaks every stored
  // charter and every peer on another version.
  Commit commit;
  commit.cell_id = test_cell_id(0x11);
  commit.epoch = 2;
  commit.prev_hash.fill(0x22);
  commit.author = {"us_sup", 1};
  commit.time_ms = 1'700'000'000'000;
  commit.operations = {CreateChannel{"intel", "Intelligence sharing"}, SetRole{"alice", Role::observer}};
  const Bytes bytes = encode_commit(commit);
  const Hash expected_label_hash = must(crypto::sha256(
      {as_bytes(std::string_view("parley-charter-commit-v1\0", 25)), ByteView(bytes)}));
  EXPECT_EQ(must(commit_hash(bytes)), expected_label_hash);
  EXPECT_EQ(to_hex(bytes), kGoldenBytes);
  EXPECT_EQ(to_hex(must(commit_hash(bytes))), kGoldenHash);
}

TEST(CharterCodec, SignedContainerRoundTrips) {
  Keys keys;
  auto signed_commit = must(sign_commit(every_operation_commit(keys), keys.priv(kSup)));
  const Bytes wire = encode_signed_commit(signed_commit);
  EXPECT_EQ(must(decode_signed_commit(wire)), signed_commit);
  SignedCommit short_signature = signed_commit;
  short_signature.signature.pop_back();
  EXPECT_EQ(decode_signed_commit(encode_signed_commit(short_signature)).error().code, Errc::malformed_frame);
  SignedCommit empty = signed_commit;
  empty.bytes.clear();
  EXPECT_EQ(decode_signed_commit(encode_signed_commit(empty)).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_signed_commit(signed_commit.bytes).error().code, Errc::malformed_frame);  // PLH1 is not PLS1
}

TEST(CharterCodec, VerificationSteps) {
  Keys keys;
  const Bytes bytes = encode_commit(every_operation_commit(keys));
  EXPECT_EQ(decode_commit({}).error().code, Errc::truncated);
  EXPECT_EQ(decode_commit(ByteView(bytes).first(bytes.size() - 1)).error().code, Errc::truncated);
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(decode_commit(trailing).error().code, Errc::malformed_frame);
  Bytes wrong_id = bytes;
  wrong_id[8] = 'X';
  auto id_error = decode_commit(wrong_id);
  EXPECT_EQ(id_error.error().code, Errc::malformed_frame);
  EXPECT_NE(id_error.error().message.find("identifier PLH1"), std::string::npos);
  EXPECT_EQ(decode_commit(Bytes(kMaxCommitBytes + 1, 0)).error().code, Errc::frame_too_large);
  // Proposal bytes are not commit bytes and vice versa.
  ProposalBody proposal{test_cell_id(), 1, kIlAdmin, 0, {SetRole{"x", Role::member}}};
  EXPECT_EQ(decode_commit(encode_proposal(proposal)).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_proposal(bytes).error().code, Errc::malformed_frame);
  EXPECT_TRUE(decode_proposal(encode_proposal(proposal)).ok());
}

TEST(CharterCodec, FieldRules) {
  using B = fb::OperationBody;
  EXPECT_TRUE(decode_commit(raw_commit(1, 16, B::SetRole, fb::Role::Member)).ok());
  EXPECT_EQ(decode_commit(raw_commit(2, 16, B::SetRole, fb::Role::Member)).error().code, Errc::unsupported_version);
  EXPECT_EQ(decode_commit(raw_commit(1, 15, B::SetRole, fb::Role::Member)).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_commit(raw_commit(1, 16, B::SetRole, fb::Role::None)).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_commit(raw_commit(1, 16, B::SetRole, static_cast<fb::Role>(9))).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_commit(raw_commit(1, 16, static_cast<B>(42), fb::Role::Member)).error().code, Errc::malformed_frame);
  EXPECT_TRUE(decode_commit(raw_commit(1, 16, B::SetChannelPolicy, fb::Role::None)).ok());
  EXPECT_EQ(decode_commit(raw_commit(1, 16, B::SetChannelPolicy, fb::Role::None, fb::GrantKind::Unknown)).error().code,
            Errc::malformed_frame);
  EXPECT_EQ(decode_commit(raw_commit(1, 16, B::SetChannelPolicy, fb::Role::None, fb::GrantKind::Device)).error().code,
            Errc::malformed_frame);  // device number 0
  auto create_later = decode_commit(raw_commit(1, 16, B::CreateCell, fb::Role::None));
  EXPECT_EQ(create_later.error().code, Errc::malformed_frame);
  EXPECT_NE(create_later.error().message.find("only as the genesis"), std::string::npos);
}

TEST(CharterSyntax, Names) {
  EXPECT_TRUE(check_cell_name("IL-SY coordination").ok());
  EXPECT_TRUE(check_cell_name("Cellule franco-syrienne é ✓ 😀").ok());
  EXPECT_FALSE(check_cell_name("").ok());
  EXPECT_FALSE(check_cell_name(std::string(kMaxCellNameBytes + 1, 'a')).ok());
  EXPECT_TRUE(check_cell_name(std::string(kMaxCellNameBytes, 'a')).ok());
  EXPECT_FALSE(check_cell_name("line\nbreak").ok());
  EXPECT_FALSE(check_cell_name(std::string("nul\0x", 5)).ok());
  EXPECT_FALSE(check_cell_name("esc\x1b[31m").ok());
  EXPECT_FALSE(check_cell_name("c1\xc2\x9b").ok());          // U+009B CSI
  EXPECT_FALSE(check_cell_name("\xc0\xaf").ok());             // overlong '/'
  EXPECT_FALSE(check_cell_name("\xed\xa0\x80").ok());        // surrogate
  EXPECT_FALSE(check_cell_name("\xf4\x90\x80\x80").ok());   // > U+10FFFF
  EXPECT_FALSE(check_cell_name("cut\xe2\x9c").ok());          // truncated sequence
  EXPECT_TRUE(check_party("IL").ok());
  EXPECT_FALSE(check_party("I L").ok());
  EXPECT_FALSE(check_party(std::string(kMaxPartyBytes + 1, 'P')).ok());
  EXPECT_TRUE(check_channel_id("intel").ok());
  EXPECT_TRUE(check_channel_id("ops-2_b").ok());
  EXPECT_FALSE(check_channel_id("Intel").ok());
  EXPECT_FALSE(check_channel_id("-intel").ok());
  EXPECT_FALSE(check_channel_id("").ok());
  EXPECT_FALSE(check_channel_id(std::string(kMaxChannelIdBytes + 1, 'a')).ok());
  EXPECT_FALSE(check_user("a.b").ok());
  EXPECT_FALSE(check_device({"alice", 0}).ok());
  Bytes key(33, 1);
  EXPECT_FALSE(check_identity_key(key).ok());
  key[0] = 0x05;
  EXPECT_TRUE(check_identity_key(key).ok());
  key.pop_back();
  EXPECT_FALSE(check_identity_key(key).ok());
  // Small-order and non-canonical points: signatures "by" them can be forged or never verify.
  Bytes weak(33, 0);
  weak[0] = 0x05;
  EXPECT_FALSE(check_identity_key(weak).ok());  // u = 0
  weak[1] = 1;
  EXPECT_FALSE(check_identity_key(weak).ok());  // u = 1
  Bytes p_minus_1(33, 0xff);
  p_minus_1[0] = 0x05;
  p_minus_1[1] = 0xec;
  p_minus_1[32] = 0x7f;
  EXPECT_FALSE(check_identity_key(p_minus_1).ok());
  p_minus_1[1] = 0xeb;  // p - 2: an ordinary point
  EXPECT_TRUE(check_identity_key(p_minus_1).ok());
  p_minus_1[1] = 0xed;  // p: non-canonical
  EXPECT_FALSE(check_identity_key(p_minus_1).ok());
  p_minus_1[32] = 0xff;  // high bit set
  p_minus_1[1] = 0x00;
  EXPECT_FALSE(check_identity_key(p_minus_1).ok());
  const Bytes order8 = test_hex("05 e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
  EXPECT_FALSE(check_identity_key(order8).ok());
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(check_identity_key(must(crypto::generate_key_pair()).public_key).ok());
}

TEST(CharterSyntax, Policies) {
  ChannelPolicy policy;
  EXPECT_TRUE(check_policy(policy).ok());
  policy.ack_deadline_seconds = 10;
  EXPECT_FALSE(check_policy(policy).ok());  // deadline without ack_required
  policy.ack_required = true;
  EXPECT_TRUE(check_policy(policy).ok());
  policy.ack_deadline_seconds = 0;
  EXPECT_FALSE(check_policy(policy).ok());
  policy.ack_deadline_seconds = kMaxAckDeadlineSeconds + 1;
  EXPECT_FALSE(check_policy(policy).ok());
  policy = {};
  policy.retention_seconds = kMaxRetentionSeconds + 1;
  EXPECT_FALSE(check_policy(policy).ok());
  policy = {};
  policy.read = {Grant::for_party("IL"), Grant::for_party("IL")};
  EXPECT_FALSE(check_policy(policy).ok());  // duplicate grant
  policy.read = {Grant{GrantKind::party, "IL", 3}};
  EXPECT_FALSE(check_policy(policy).ok());  // party grant with a device number
  policy.read = std::vector<Grant>(kMaxGrants + 1, Grant::for_party("IL"));
  EXPECT_FALSE(check_policy(policy).ok());
}

// Every strict prefix of a valid signed commit is a typed error at every layer.
TEST(CharterGarbage, EveryPrefixIsATypedError) {
  Keys keys;
  TestCell cell(keys);
  const SignedCommit genesis = cell.chain()[0];
  const auto allowed = untrusted_errors();
  for (std::size_t n = 0; n < genesis.bytes.size(); ++n) {
    SignedCommit cut{Bytes(genesis.bytes.begin(), genesis.bytes.begin() + n), genesis.signature};
    auto decoded = decode_commit(cut.bytes);
    ASSERT_FALSE(decoded.ok()) << "prefix " << n;
    EXPECT_TRUE(allowed.contains(decoded.error().code)) << decoded.error().to_string();
    auto applied = apply(CellState{}, cut);
    ASSERT_FALSE(applied.ok());
    EXPECT_TRUE(allowed.contains(applied.error().code)) << applied.error().to_string();
  }
  const Bytes wire = encode_signed_commit(genesis);
  for (std::size_t n = 0; n < wire.size(); ++n)
    EXPECT_FALSE(decode_signed_commit(ByteView(wire).first(n)).ok()) << "container prefix " << n;
}

// 10,000 random mutations of valid commits and containers: never accepted, never a crash
// (run under ASan/UBSan in the asan preset), always a known error code.
TEST(CharterGarbage, RandomMutationsAreTypedErrors) {
  Keys keys;
  TestCell cell(keys);
  cell.commit({CreateChannel{"x", "X"}, SetChannelPolicy{"x", {{Grant::for_party("IL"), Grant::for_device(kSyAdmin)},
                                                              {Grant::for_user("il_officer")}, true, 60, true, 0}},
               add({"mut", 1}, "SY", Role::member, keys), RemoveDevice{kIlTrade}});
  const CellState base = must(apply(CellState{}, cell.chain()[0]));
  const SignedCommit original = cell.chain()[1];
  const auto allowed = untrusted_errors();
  std::mt19937 rng(7);
  int decoded_anyway = 0;
  for (int i = 0; i < 10000; ++i) {
    Bytes bytes = original.bytes;
    switch (rng() % 5) {
      case 0:  // flip 1..4 bits
        for (int k = 0, n = 1 + rng() % 4; k < n; ++k) bytes[rng() % bytes.size()] ^= std::uint8_t(1u << (rng() % 8));
        break;
      case 1:  // overwrite a byte with an interesting value
        bytes[rng() % bytes.size()] = std::array<std::uint8_t, 6>{0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe}[rng() % 6];
        break;
      case 2:  // overwrite a 32-bit word (offsets, lengths)
        if (bytes.size() >= 8) {
          const std::size_t at = rng() % (bytes.size() - 4);
          const std::uint32_t value = rng() % 2 ? rng() : rng() % 512;
          for (int k = 0; k < 4; ++k) bytes[at + k] = std::uint8_t(value >> (8 * k));
        }
        break;
      case 3:  // cut
        bytes.resize(rng() % bytes.size());
        break;
      case 4:  // insert or delete a byte, keeping the size prefix consistent half of the time
        if (rng() % 2) bytes.insert(bytes.begin() + rng() % bytes.size(), std::uint8_t(rng()));
        else bytes.erase(bytes.begin() + rng() % bytes.size());
        if (rng() % 2 && bytes.size() >= 4) {
          const std::uint32_t size = static_cast<std::uint32_t>(bytes.size() - 4);
          for (int k = 0; k < 4; ++k) bytes[k] = std::uint8_t(size >> (8 * k));
        }
        break;
    }
    if (bytes == original.bytes) continue;
    auto decoded = decode_commit(bytes);
    if (decoded.ok()) {
      ++decoded_anyway;  // a value changed but the structure held: the signature must catch it
    } else {
      ASSERT_TRUE(allowed.contains(decoded.error().code)) << decoded.error().to_string();
    }
    auto applied = apply(base, SignedCommit{bytes, original.signature});
    ASSERT_FALSE(applied.ok()) << "mutation " << i << " was accepted";
    ASSERT_TRUE(allowed.contains(applied.error().code)) << applied.error().to_string();
    // And wrapped in the transport container, mutated again.
    Bytes wire = encode_signed_commit(SignedCommit{bytes, original.signature});
    wire[rng() % wire.size()] ^= std::uint8_t(1u << (rng() % 8));
    auto container = decode_signed_commit(wire);
    if (!container.ok()) {
      ASSERT_TRUE(allowed.contains(container.error().code)) << container.error().to_string();
    }
  }
  EXPECT_GT(decoded_anyway, 0);  // the mutator does reach the signature check
}


}  // namespace
}  // namespace parley::charter::test
