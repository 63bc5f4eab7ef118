// SPDX-License-Identifier: GPL-3.0-or-later
// Consent for new readers (charter/consent.hpp, docs/governance.md "Consent"): a commit that
// widens who reads a consent channel is refused by apply() unless the posting parties'
// admins co-signed it, whoever signed it as author.
#include "charter/consent.hpp"

#include <gtest/gtest.h>

#include "charter/policy.hpp"
#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

const Address kUsSpy{"us_spy", 1};  // a supervisor-party device the supervisor would like on intel
const Address kIlOfficer2{"il_officer", 2};

class ConsentTest : public ::testing::Test {
 protected:
  Keys keys;
  TestCell cell{keys};
  const CellState& s() const { return cell.state(); }

  // intel asks for consent; IL and SY post there, US reads only (the seed template).
  void require_consent(std::uint32_t quorum = 0) {
    ChannelPolicy intel = s().channels.at("intel").policy;
    intel.consent = true;
    intel.consent_quorum = quorum;
    cell.commit({SetChannelPolicy{"intel", intel}});  // turning consent on needs nobody
  }

  SignedCommit signed_with(std::vector<Operation> ops, const std::vector<Address>& co_signers) {
    SignedCommit out = cell.sign(cell.next(std::move(ops)));
    for (const Address& signer : co_signers)
      out.co_signatures.push_back(must(co_sign_commit(out.bytes, signer, keys.priv(signer))));
    return out;
  }

  Status apply_signed(const SignedCommit& commit) {
    auto next = apply(s(), commit);
    if (!next) return next.error();
    return {};
  }
};

TEST_F(ConsentTest, ASupervisorAddingItsOwnReaderNeedsEveryPostingParty) {
  require_consent();
  const std::vector<Operation> add_spy = {add(kUsSpy, "US", Role::member, keys)};

  auto alone = apply_signed(signed_with(add_spy, {}));
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().code, Errc::charter_consent_missing);
  EXPECT_NE(alone.error().message.find("intel"), std::string::npos) << describe(alone.error());
  EXPECT_NE(alone.error().message.find("IL, SY"), std::string::npos) << describe(alone.error());

  auto il_only = apply_signed(signed_with(add_spy, {kIlAdmin}));
  ASSERT_FALSE(il_only.ok());
  EXPECT_NE(il_only.error().message.find("missing: SY"), std::string::npos) << describe(il_only.error());

  EXPECT_TRUE(apply_signed(signed_with(add_spy, {kIlAdmin, kSyAdmin})).ok());
}

TEST_F(ConsentTest, OnlyAValidCoSignatureOfAPartyAdminCounts) {
  require_consent();
  const std::vector<Operation> add_spy = {add(kUsSpy, "US", Role::member, keys)};

  // A member of SY is not its admin.
  EXPECT_EQ(apply_signed(signed_with(add_spy, {kIlAdmin, kSyOfficer})).error().code,
            Errc::charter_consent_missing);

  // SY's admin signed another commit; its signature moved onto this one does not verify.
  SignedCommit other = signed_with({add(kUsSpy, "US", Role::observer, keys)}, {kSyAdmin});
  SignedCommit moved = signed_with(add_spy, {kIlAdmin});
  moved.co_signatures.push_back(other.co_signatures.front());
  EXPECT_EQ(apply_signed(moved).error().code, Errc::charter_consent_missing);

  // The admin's plain signature of the commit bytes (the author's kind) is not a consent.
  SignedCommit plain = signed_with(add_spy, {kIlAdmin});
  plain.co_signatures.push_back(CoSignature{kSyAdmin, must(crypto::sign(keys.priv(kSyAdmin), plain.bytes))});
  EXPECT_EQ(apply_signed(plain).error().code, Errc::charter_consent_missing);

  // A flipped bit in a valid co-signature.
  SignedCommit flipped = signed_with(add_spy, {kIlAdmin, kSyAdmin});
  flipped.co_signatures.back().signature[5] ^= 0x01;
  EXPECT_EQ(apply_signed(flipped).error().code, Errc::charter_consent_missing);
}

TEST_F(ConsentTest, APartyAddingItsOwnDeviceForAUserWhoReadsNeedsOnlyItsOwnAdmin) {
  require_consent();
  const std::vector<Operation> second_device = {AddDevice{kIlOfficer2, "IL", std::nullopt, keys.pub(kIlOfficer2)}};
  auto without = apply_signed(signed_with(second_device, {}));
  ASSERT_FALSE(without.ok());
  EXPECT_NE(without.error().message.find("missing: IL"), std::string::npos) << describe(without.error());
  EXPECT_EQ(apply_signed(signed_with(second_device, {kSyAdmin})).error().code, Errc::charter_consent_missing);
  auto own = apply_signed(signed_with(second_device, {kIlAdmin}));
  EXPECT_TRUE(own.ok()) << describe(own.error());

  // A new user of IL is a new reader, not a new device: both parties again.
  const std::vector<Operation> new_user = {add(Address{"il_analyst", 1}, "IL", Role::member, keys)};
  EXPECT_EQ(apply_signed(signed_with(new_user, {kIlAdmin})).error().code, Errc::charter_consent_missing);
  EXPECT_TRUE(apply_signed(signed_with(new_user, {kIlAdmin, kSyAdmin})).ok());
}

TEST_F(ConsentTest, TheSameAddressBackWithAnotherKeyIsANewReader) {
  require_consent();
  Keys other;
  const std::vector<Operation> rekey = {RemoveDevice{kSyOfficer},
                                        AddDevice{kSyOfficer, "SY", Role::member, other.pub(kSyOfficer)}};
  auto alone = apply_signed(signed_with(rekey, {}));
  ASSERT_FALSE(alone.ok()) << "a re-keyed address reads history the old key was given";
  EXPECT_NE(alone.error().message.find("missing: SY"), std::string::npos) << describe(alone.error());
  EXPECT_TRUE(apply_signed(signed_with(rekey, {kSyAdmin})).ok());
}

TEST_F(ConsentTest, NarrowingNeverNeedsConsent) {
  require_consent();
  cell.commit({RemoveDevice{kIlTrade}});
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.read = {Grant::for_party("IL"), Grant::for_party("SY")};
  cell.commit({SetChannelPolicy{"intel", intel}});
  EXPECT_FALSE(may_read(s(), "intel", kSup));
  cell.commit({ArchiveChannel{"intel"}});
  EXPECT_TRUE(consent_needed(s(), s()).empty());
}

TEST_F(ConsentTest, WeakeningTheRuleNeedsTheConsentTheRuleAsksFor) {
  require_consent();
  ChannelPolicy off = s().channels.at("intel").policy;
  off.consent = false;
  EXPECT_EQ(apply_signed(signed_with({SetChannelPolicy{"intel", off}}, {kIlAdmin})).error().code,
            Errc::charter_consent_missing);
  EXPECT_TRUE(apply_signed(signed_with({SetChannelPolicy{"intel", off}}, {kIlAdmin, kSyAdmin})).ok());

  ChannelPolicy one = s().channels.at("intel").policy;
  one.consent_quorum = 1;  // from "every party" down to one of them
  EXPECT_EQ(apply_signed(signed_with({SetChannelPolicy{"intel", one}}, {})).error().code,
            Errc::charter_consent_missing);
}

TEST_F(ConsentTest, AQuorumNeedsOnlyThatManyParties) {
  require_consent(1);
  const std::vector<Operation> add_spy = {add(kUsSpy, "US", Role::member, keys)};
  EXPECT_EQ(apply_signed(signed_with(add_spy, {})).error().code, Errc::charter_consent_missing);
  EXPECT_TRUE(apply_signed(signed_with(add_spy, {kSyAdmin})).ok());
  EXPECT_TRUE(apply_signed(signed_with(add_spy, {kIlAdmin})).ok());
}

TEST_F(ConsentTest, AnArchivedChannelsHistoryStillBelongsToItsPosters) {
  require_consent();
  cell.commit({ArchiveChannel{"intel"}});
  EXPECT_EQ(apply_signed(signed_with({add(kUsSpy, "US", Role::member, keys)}, {})).error().code,
            Errc::charter_consent_missing);
}

TEST_F(ConsentTest, TheAuthorConsentsForItsOwnPostingParty) {
  // The operations-room shape: the supervisor's party posts on the channel too.
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.post.push_back(Grant::for_party("US"));
  intel.consent = true;
  cell.commit({SetChannelPolicy{"intel", intel}});
  const std::vector<Operation> add_spy = {add(kUsSpy, "US", Role::member, keys)};
  auto alone = apply_signed(signed_with(add_spy, {}));
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().message.find("missing: IL, SY"), std::string::npos) << describe(alone.error());
  EXPECT_TRUE(apply_signed(signed_with(add_spy, {kIlAdmin, kSyAdmin})).ok());
}

TEST_F(ConsentTest, ChannelsWithoutConsentAreUnchanged) {
  cell.commit({add(kUsSpy, "US", Role::member, keys)});  // the seed cell asks for no consent
  EXPECT_TRUE(may_read(s(), "intel", kUsSpy));
}

TEST_F(ConsentTest, CoSignaturesTravelInTheContainerAndALogWithoutThemDoesNotVerify) {
  require_consent();
  SignedCommit co_signed = signed_with({add(kUsSpy, "US", Role::member, keys)}, {kIlAdmin, kSyAdmin});
  SignedCommit decoded = must(decode_signed_commit(encode_signed_commit(co_signed)));
  EXPECT_EQ(decoded, co_signed);

  std::vector<SignedCommit> chain = cell.chain();
  chain.push_back(co_signed);
  EXPECT_EQ(log_from(chain, chain.size()).state().epoch, chain.size());
  chain.back().co_signatures.pop_back();  // a relay strips SY's consent
  auto stripped = CharterLog::from_genesis(chain);
  ASSERT_FALSE(stripped.ok());
  EXPECT_EQ(stripped.error().code, Errc::charter_consent_missing);
}

TEST_F(ConsentTest, TheContainerRefusesMalformedCoSignatures) {
  SignedCommit commit = signed_with({add(kUsSpy, "US", Role::member, keys)}, {kIlAdmin});
  SignedCommit twice = commit;
  twice.co_signatures.push_back(twice.co_signatures.front());
  EXPECT_EQ(decode_signed_commit(encode_signed_commit(twice)).error().code, Errc::malformed_frame);

  SignedCommit short_signature = commit;
  short_signature.co_signatures.front().signature.resize(63);
  EXPECT_EQ(decode_signed_commit(encode_signed_commit(short_signature)).error().code, Errc::malformed_frame);

  SignedCommit crowded = commit;
  crowded.co_signatures.clear();
  for (std::uint32_t i = 1; i <= kMaxCoSignatures + 1; ++i)
    crowded.co_signatures.push_back(CoSignature{Address{"x", i}, Bytes(64, 1)});
  EXPECT_EQ(decode_signed_commit(encode_signed_commit(crowded)).error().code, Errc::malformed_frame);
}

TEST_F(ConsentTest, ConsentIsPartOfTheStateDigestOnlyWhereItIsUsed) {
  const Hash before = digest_of(s());
  CellState same = s();
  EXPECT_EQ(digest_of(same), before);
  same.channels.at("intel").policy.consent = true;
  EXPECT_NE(digest_of(same), before);
  CellState quorum = same;
  quorum.channels.at("intel").policy.consent_quorum = 1;
  EXPECT_NE(digest_of(quorum), digest_of(same));
}

TEST_F(ConsentTest, AQuorumWithoutConsentIsMalformed) {
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.consent_quorum = 1;
  auto signed_commit = sign_commit(cell.next({SetChannelPolicy{"intel", intel}}), keys.priv(kSup));
  ASSERT_FALSE(signed_commit.ok());
  EXPECT_EQ(signed_commit.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace parley::charter::test
