// SPDX-License-Identifier: GPL-3.0-or-later
// parley/verify.hpp, used the way a third-party verifier uses it: transcript bytes in, a
// report of public values out. The transcripts come from the hotline suite's fixture; the
// checks themselves are hotline's verifier (tests/hotline/verifier_test.cpp covers them in
// depth), so this suite checks that the public report carries what the verifier found.
#include "parley/verify.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <utility>
#include <stdexcept>

#include "hotline_fixture.hpp"

namespace parley {
namespace {

namespace ht = hotline::test;
using verify::Verdict;

class PublicVerifyTest : public ::testing::Test {
 protected:
  PublicVerifyTest() : cell_(keys_) {}

  verify::Report check(const hotline::Transcript& t, const verify::Options& options = {}) {
    auto report = verify::check_transcript(hotline::encode_transcript(t), options);
    EXPECT_TRUE(report.ok()) << report.error().to_string();
    if (!report.ok()) throw std::runtime_error("transcript refused");
    return std::move(*report);
  }

  verify::GenesisHash genesis() { return charter::test::must(charter::commit_hash(cell_.chain()[0].bytes)); }

  charter::test::Keys keys_;
  charter::test::TestCell cell_;
};

TEST_F(PublicVerifyTest, AGoodTranscriptIsAllValid) {
  const hotline::Transcript t = ht::sample_transcript(cell_);
  verify::Options options;
  options.expected_genesis = genesis();
  const auto r = check(t, options);
  EXPECT_TRUE(r.all_valid());
  EXPECT_EQ(r.cell_id, cell_.state().cell_id);
  EXPECT_EQ(r.channel, ht::kChannel);
  EXPECT_EQ(r.genesis_hash, genesis());
  EXPECT_EQ(r.charter_epoch, 2u);
  EXPECT_EQ(r.from, 0);
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.count(Verdict::valid), 5u);
  EXPECT_TRUE(r.missing.empty());
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const auto& m = r.messages[i];
    EXPECT_EQ(m.index, i);
    EXPECT_EQ(m.ref.sender, t.messages[i].sender);
    EXPECT_EQ(m.ref.id, t.messages[i].message_id);
    EXPECT_EQ(m.sequence, t.messages[i].sequence);
    EXPECT_EQ(m.epoch, t.messages[i].epoch);
    EXPECT_EQ(m.sent_at, t.messages[i].sent_at);
    EXPECT_EQ(m.reason, verify::Forgery::none);
    EXPECT_FALSE(m.conflicts_with);
  }
  EXPECT_EQ(r.messages[0].precedence, Precedence::flash);
  EXPECT_EQ(r.messages[2].precedence, Precedence::immediate);
  EXPECT_EQ(r.messages[4].precedence, Precedence::routine);
  ASSERT_EQ(r.messages[0].acks.size(), 1u);
  EXPECT_EQ(r.messages[0].acks[0].party, "SY");
  EXPECT_EQ(r.messages[0].acks[0].device, ht::kSyOfficer);
}

TEST_F(PublicVerifyTest, ForgedAndMissingMessagesAreFindings) {
  hotline::Transcript t = ht::sample_transcript(cell_);
  t.messages[2].body[0] ^= 0x01;         // SY's reply, altered
  t.messages.erase(t.messages.begin());  // IL's FLASH message, dropped (SY acknowledged it)
  const auto r = check(t);
  EXPECT_FALSE(r.all_valid());
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.count(Verdict::forged), 1u);
  EXPECT_EQ(r.messages[1].verdict, Verdict::forged);
  EXPECT_EQ(r.messages[1].reason, verify::Forgery::bad_signature);
  EXPECT_EQ(verify::forgery_name(r.messages[1].reason), "bad_signature");
  EXPECT_NE(r.messages[1].detail.find(ht::kSyOfficer.to_string()), std::string::npos);
  // The detail names the check, never the body.
  EXPECT_EQ(r.messages[1].detail.find("holding"), std::string::npos);
  // Acknowledged but absent (IL's FLASH, acknowledged by SY) or forged (SY's reply,
  // acknowledged by IL's admin): both are missing from the valid record.
  std::set<std::pair<Address, Address>> acknowledged;  // (target sender, acknowledging sender)
  for (const auto& m : r.missing) {
    if (m.kind != verify::MissingKind::acknowledged_message) continue;
    ASSERT_TRUE(m.target && m.acknowledged_by);
    acknowledged.insert({m.target->sender, m.acknowledged_by->sender});
  }
  EXPECT_EQ(acknowledged, (std::set<std::pair<Address, Address>>{{ht::kIlOfficer, ht::kSyOfficer},
                                                                 {ht::kSyOfficer, ht::kIlAdmin}}));
}

TEST_F(PublicVerifyTest, EquivocationNamesTheOtherMessage) {
  hotline::Transcript t = ht::sample_transcript(cell_);
  hotline::AttestedMessage twin = t.messages[4];
  twin.body.push_back('!');
  ASSERT_TRUE(hotline::attest(t, twin, keys_.priv(ht::kIlOfficer)).ok());
  t.messages.push_back(twin);
  const auto r = check(t);
  EXPECT_EQ(r.count(Verdict::equivocation), 2u);
  EXPECT_EQ(r.messages[4].verdict, Verdict::equivocation);
  EXPECT_EQ(r.messages[4].conflicts_with, 5u);
  EXPECT_EQ(r.messages[5].conflicts_with, 4u);
  EXPECT_EQ(verify::verdict_name(Verdict::equivocation), "equivocation");
}

TEST_F(PublicVerifyTest, RefusedTranscriptsAreErrors) {
  const hotline::Transcript t = ht::sample_transcript(cell_);
  const Bytes bytes = hotline::encode_transcript(t);

  verify::Options other;
  other.expected_genesis = genesis();
  (*other.expected_genesis)[0] ^= 1;
  auto wrong = verify::check_transcript(bytes, other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::hotline_transcript_invalid);
  EXPECT_NE(wrong.error().message.find(verify::to_hex(genesis())), std::string::npos);
  EXPECT_NE(wrong.error().message.find(verify::to_hex(*other.expected_genesis)), std::string::npos);

  EXPECT_FALSE(verify::check_transcript(ByteView(bytes.data(), bytes.size() / 2)).ok());
  EXPECT_FALSE(verify::check_transcript(ByteView{}).ok());

  charter::test::Keys other_keys;
  charter::test::TestCell other_cell(other_keys);
  ht::make_hotline_channel(other_cell, /*attested=*/false);
  ht::TranscriptBuilder deniable(other_cell);
  deniable.text(ht::kIlOfficer, "deniable");
  auto refused = verify::check_transcript(hotline::encode_transcript(deniable.transcript()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::hotline_not_attested);
}

TEST(PublicVerifyText, HexAndGenesisParsing) {
  const std::string hex = "00ff10ab" + std::string(56, 'c');
  auto parsed = verify::parse_genesis(hex);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ((*parsed)[0], 0x00);
  EXPECT_EQ((*parsed)[1], 0xff);
  EXPECT_EQ((*parsed)[3], 0xab);
  EXPECT_EQ(verify::to_hex(*parsed), hex);
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*verify::parse_genesis(upper), *parsed);

  EXPECT_EQ(verify::parse_genesis(hex.substr(2)).error().code, Errc::invalid_argument);
  auto bad = verify::parse_genesis("zz" + hex.substr(2));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_NE(bad.error().message.find("'zz'"), std::string::npos);

  EXPECT_EQ(verify::precedence_name(Precedence::flash), "FLASH");
  EXPECT_EQ(verify::precedence_name(Precedence::routine), "ROUTINE");
  EXPECT_EQ(verify::forgery_name(verify::Forgery::not_a_poster), "not_a_poster");
}

}  // namespace
}  // namespace parley
