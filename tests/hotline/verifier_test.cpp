// SPDX-License-Identifier: GPL-3.0-or-later
// The transcript verifier: a good transcript verifies, and each kind of tampering is
// reported precisely (which message, which check).
#include "hotline/verifier.hpp"

#include <gtest/gtest.h>

#include "hotline_fixture.hpp"

namespace parley::hotline {
namespace {

using namespace test;

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() : cell_(keys_) {}

  TranscriptReport verify(const Transcript& t) {
    auto report = verify_transcript_bytes(encode_transcript(t));
    EXPECT_TRUE(report.ok()) << report.error().to_string();
    if (!report.ok()) throw std::runtime_error("verification refused");
    return std::move(*report);
  }

  // Every message valid except those listed, which are forged for `reason`.
  static void expect_forged(const TranscriptReport& r, std::set<std::size_t> forged, Forgery reason) {
    for (const auto& m : r.messages) {
      if (forged.contains(m.index)) {
        EXPECT_EQ(m.verdict, Verdict::forged) << "message " << m.index;
        EXPECT_EQ(m.reason, reason) << "message " << m.index << ": " << m.detail;
      } else {
        EXPECT_EQ(m.verdict, Verdict::valid) << "message " << m.index << ": " << m.detail;
      }
    }
  }

  charter::test::Keys keys_;
  charter::test::TestCell cell_;
};

TEST_F(VerifierTest, AGoodTranscriptVerifies) {
  const Transcript t = sample_transcript(cell_);
  const auto r = verify(t);
  EXPECT_TRUE(r.all_valid());
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.count(Verdict::valid), 5u);
  EXPECT_EQ(r.charter_epoch, 2u);
  EXPECT_EQ(r.genesis_hash, must(charter::commit_hash(cell_.chain()[0].bytes)));
  // Acknowledgements are attached to the messages they name, with the acker's party.
  ASSERT_EQ(r.messages[0].acks.size(), 1u);
  EXPECT_EQ(r.messages[0].acks[0].party, "SY");
  EXPECT_EQ(r.messages[0].acks[0].device, kSyOfficer);
  ASSERT_EQ(r.messages[2].acks.size(), 1u);
  EXPECT_EQ(r.messages[2].acks[0].party, "IL");
  EXPECT_TRUE(r.messages[4].acks.empty());
}

TEST_F(VerifierTest, FlippingOneByteOfAnyMessageIsReported) {
  const Transcript good = sample_transcript(cell_);
  for (std::size_t i = 0; i < good.messages.size(); ++i) {
    // The body, the time, the sequence, the precedence and the signature, one at a time.
    for (int field = 0; field < 5; ++field) {
      Transcript t = good;
      AttestedMessage& m = t.messages[i];
      switch (field) {
        case 0: m.body[m.body.size() / 2] ^= 0x01; break;
        case 1: m.sent_at ^= 0x100; break;
        case 2: m.sequence += 1000; break;
        case 3: m.precedence = m.precedence == 4 ? 3 : 4; break;
        case 4: m.signature[10] ^= 0x80; break;
      }
      const auto r = verify(t);
      SCOPED_TRACE("message " + std::to_string(i) + " field " + std::to_string(field));
      EXPECT_FALSE(r.all_valid());
      expect_forged(r, {i}, Forgery::bad_signature);
      EXPECT_NE(r.messages[i].detail.find(t.messages[i].sender.to_string()), std::string::npos);
    }
  }
}

TEST_F(VerifierTest, FlippingABodyByteInTheFileIsReportedForThatMessage) {
  const Transcript good = sample_transcript(cell_);
  Bytes file = encode_transcript(good);
  // Find the third message's body bytes in the encoded file and flip one.
  const Bytes& body = good.messages[2].body;
  auto at = std::search(file.begin(), file.end(), body.begin(), body.end());
  ASSERT_NE(at, file.end());
  at[3] ^= 0x20;
  auto report = verify_transcript_bytes(file);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  expect_forged(*report, {2}, Forgery::bad_signature);
}

TEST_F(VerifierTest, DroppingAMessageFromTheMiddleIsMissing) {
  make_hotline_channel(cell_);
  TranscriptBuilder b(cell_);
  b.text(kIlOfficer, "one");
  b.text(kIlOfficer, "two");
  b.text(kIlOfficer, "three");
  b.text(kSyOfficer, "reply");
  Transcript t = b.transcript();
  t.messages.erase(t.messages.begin() + 1);  // IL's sequence 2
  const auto r = verify(t);
  EXPECT_EQ(r.count(Verdict::valid), 3u);
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0].kind, MissingKind::sequence_gap);
  EXPECT_EQ(r.missing[0].sender, kIlOfficer);
  EXPECT_EQ(r.missing[0].first_sequence, 2u);
  EXPECT_EQ(r.missing[0].last_sequence, 2u);
  EXPECT_FALSE(r.all_valid());
}

TEST_F(VerifierTest, DroppingTheFirstMessageIsMissingOnlyForAWholeHistory) {
  make_hotline_channel(cell_);
  TranscriptBuilder b(cell_);
  b.text(kIlOfficer, "one");
  b.text(kIlOfficer, "two");
  Transcript t = b.transcript();
  t.messages.erase(t.messages.begin());
  auto r = verify(t);  // from == 0: the whole history is claimed
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0].first_sequence, 1u);
  t.from = kT0 + 1500;  // a window: the sender's earlier messages may lie before it
  r = verify(t);
  EXPECT_TRUE(r.all_valid());
}

TEST_F(VerifierTest, AnAcknowledgementOfAnAbsentMessageRevealsIt) {
  make_hotline_channel(cell_);
  TranscriptBuilder b(cell_);
  b.text(kIlOfficer, "earlier");
  auto last = b.text(kIlOfficer, "the last one, dropped by the exporter");
  b.ack(kSyOfficer, last);
  Transcript t = b.transcript();
  t.messages.erase(t.messages.begin() + 1);  // the end of IL's sequence: no gap to see
  const auto r = verify(t);
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0].kind, MissingKind::acknowledged_message);
  EXPECT_EQ(r.missing[0].target, (MessageRef{kIlOfficer, last.message_id}));
  EXPECT_EQ(r.missing[0].referenced_by->sender, kSyOfficer);
}

TEST_F(VerifierTest, ReSigningWithANonMemberKeyIsForged) {
  Transcript t = sample_transcript(cell_);
  auto mallory = must(crypto::generate_key_pair());
  // Mallory rewrites IL's message and signs it with her own key, keeping IL's name.
  t.messages[0].body = {'f', 'a', 'k', 'e'};
  ASSERT_TRUE(attest(t, t.messages[0], mallory.private_key).ok());
  // ... and adds a message under a name that is not in the charter at all.
  AttestedMessage extra = t.messages[4];
  extra.sender = {"mallory", 1};
  extra.sequence = 1;
  ASSERT_TRUE(attest(t, extra, mallory.private_key).ok());
  t.messages.push_back(extra);
  const auto r = verify(t);
  EXPECT_EQ(r.messages[0].verdict, Verdict::forged);
  EXPECT_EQ(r.messages[0].reason, Forgery::bad_signature);
  EXPECT_EQ(r.messages[5].reason, Forgery::not_a_member);
  EXPECT_EQ(r.count(Verdict::valid), 4u);
}

TEST_F(VerifierTest, AMemberKeyOnAnotherMembersMessageIsForged) {
  Transcript t = sample_transcript(cell_);
  // SY's officer signs a message claiming to be IL's officer.
  ASSERT_TRUE(attest(t, t.messages[4], keys_.priv(kSyOfficer)).ok());
  expect_forged(verify(t), {4}, Forgery::bad_signature);
}

TEST_F(VerifierTest, CharterRulesApplyAtTheMessagesEpoch) {
  make_hotline_channel(cell_);
  TranscriptBuilder b(cell_);
  b.text(kIlOfficer, "epoch 2");
  b.text(kIlObserver, "observers never post");  // a member with a valid key, but no POST
  b.text(kSup, "the supervisor reads but does not post here");
  // The channel stops being attested at epoch 3: a message then is not attested evidence.
  cell_.commit({charter::SetChannelPolicy{kChannel, hotline_policy(false)}});
  b.text(kIlOfficer, "epoch 3");
  Transcript t = b.transcript();
  auto r = verify(t);
  EXPECT_EQ(r.messages[0].verdict, Verdict::valid);
  EXPECT_EQ(r.messages[1].reason, Forgery::not_a_poster);
  EXPECT_EQ(r.messages[2].reason, Forgery::not_a_poster);
  EXPECT_EQ(r.messages[3].reason, Forgery::not_attested);
  // A message claiming an epoch the charter does not reach, or another head.
  t.messages[0].epoch = 9;
  ASSERT_TRUE(attest(t, t.messages[0], keys_.priv(kIlOfficer)).ok());
  t.messages[1].head[0] ^= 1;
  r = verify(t);
  EXPECT_EQ(r.messages[0].reason, Forgery::unknown_epoch);
  EXPECT_EQ(r.messages[1].reason, Forgery::wrong_head);
}

TEST_F(VerifierTest, DuplicatesAreFlagged) {
  Transcript t = sample_transcript(cell_);
  t.messages.push_back(t.messages[0]);
  // The same content signed again (signatures are randomised) is a repeat too.
  AttestedMessage resigned = t.messages[4];
  ASSERT_TRUE(attest(t, resigned, keys_.priv(kIlOfficer)).ok());
  ASSERT_NE(resigned.signature, t.messages[4].signature);
  t.messages.push_back(resigned);
  const auto r = verify(t);
  expect_forged(r, {5, 6}, Forgery::duplicate);
  EXPECT_EQ(r.count(Verdict::equivocation), 0u);
  EXPECT_NE(r.messages[6].detail.find("#5"), std::string::npos) << r.messages[6].detail;
}

// One sender signed two different messages with one sequence number: each copy alone is
// valid, so neither is "the forgery". Both are marked and name each other, whatever the order.
TEST_F(VerifierTest, ASendersTwoMessagesWithOneSequenceAreEquivocation) {
  const Transcript good = sample_transcript(cell_);
  AttestedMessage twin = good.messages[4];
  twin.body = {'o', 't', 'h', 'e', 'r'};
  twin.message_id.bytes[0] ^= 1;  // even under another id
  for (bool twin_first : {false, true}) {
    Transcript t = good;
    ASSERT_TRUE(attest(t, twin, keys_.priv(kIlOfficer)).ok());
    if (twin_first)
      t.messages.insert(t.messages.begin() + 4, twin);
    else
      t.messages.push_back(twin);
    const auto r = verify(t);
    ASSERT_EQ(r.messages.size(), 6u);
    EXPECT_EQ(r.messages[4].verdict, Verdict::equivocation) << r.messages[4].detail;
    EXPECT_EQ(r.messages[5].verdict, Verdict::equivocation) << r.messages[5].detail;
    EXPECT_EQ(r.messages[4].conflicts_with, std::optional<std::size_t>{5});
    EXPECT_EQ(r.messages[5].conflicts_with, std::optional<std::size_t>{4});
    EXPECT_EQ(r.messages[4].reason, Forgery::none);
    EXPECT_EQ(r.count(Verdict::valid), 4u);
    EXPECT_EQ(r.count(Verdict::forged), 0u);
    EXPECT_TRUE(r.missing.empty()) << "the sequence was sent: no gap";
    EXPECT_FALSE(r.all_valid());
    EXPECT_EQ(verdict_name(Verdict::equivocation), "equivocation");
  }
}

TEST_F(VerifierTest, OneMessageIdWithTwoContentsIsEquivocationAndForgeriesAreNot) {
  Transcript t = sample_transcript(cell_);
  AttestedMessage same_id = t.messages[4];
  same_id.sequence += 7;  // another sequence, the same id, other content
  same_id.body.push_back('!');
  ASSERT_TRUE(attest(t, same_id, keys_.priv(kIlOfficer)).ok());
  t.messages.push_back(same_id);
  // A copy with the same sequence that does not verify is a forgery, never "equivocation":
  // nobody can make an honest sender look like it equivocated.
  AttestedMessage framed = t.messages[0];
  framed.body.push_back('?');
  ASSERT_TRUE(attest(t, framed, keys_.priv(kSyOfficer)).ok());
  t.messages.push_back(framed);
  const auto r = verify(t);
  EXPECT_EQ(r.messages[4].verdict, Verdict::equivocation);
  EXPECT_EQ(r.messages[5].verdict, Verdict::equivocation);
  EXPECT_EQ(r.messages[5].conflicts_with, std::optional<std::size_t>{4});
  EXPECT_EQ(r.messages[6].verdict, Verdict::forged);
  EXPECT_EQ(r.messages[6].reason, Forgery::bad_signature);
  EXPECT_EQ(r.messages[0].verdict, Verdict::valid);
}

TEST_F(VerifierTest, ANonAttestedChannelIsRefused) {
  make_hotline_channel(cell_, /*attested=*/false);
  TranscriptBuilder b(cell_);
  b.text(kIlOfficer, "deniable");
  auto report = verify_transcript(b.transcript());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, Errc::hotline_not_attested);
  EXPECT_NE(report.error().message.find("deniable"), std::string::npos);
  // Empty transcript of a non-attested channel: refused too.
  Transcript empty = b.transcript();
  empty.messages.clear();
  EXPECT_EQ(verify_transcript(empty).error().code, Errc::hotline_not_attested);
}

TEST_F(VerifierTest, ABrokenOrForeignCharterIsRefused) {
  Transcript t = sample_transcript(cell_);
  Transcript broken = t;
  broken.commits.erase(broken.commits.begin());  // no genesis
  EXPECT_EQ(verify_transcript(broken).error().code, Errc::hotline_transcript_invalid);
  Transcript tampered = t;
  tampered.commits[1].bytes[tampered.commits[1].bytes.size() - 3] ^= 1;
  EXPECT_EQ(verify_transcript(tampered).error().code, Errc::hotline_transcript_invalid);
  Transcript foreign = t;
  foreign.cell_id[0] ^= 1;
  EXPECT_EQ(verify_transcript(foreign).error().code, Errc::hotline_transcript_invalid);
}

}  // namespace
}  // namespace parley::hotline
