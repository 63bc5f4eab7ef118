// SPDX-License-Identifier: GPL-3.0-or-later
// Security labels (charter/labels.hpp, docs/governance.md "Security labels"): a device reads
// a labelled channel only with a clearance that reaches its label and a releasable party;
// label and clearance changes that widen reading go through consent like any new reader.
#include "charter/labels.hpp"

#include <gtest/gtest.h>

#include "charter/consent.hpp"
#include "charter/policy.hpp"
#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

class LabelsTest : public ::testing::Test {
 protected:
  Keys keys;
  TestCell cell{keys};
  const CellState& s() const { return cell.state(); }

  // UNCLASSIFIED < RESTRICTED < SECRET; intel SECRET. Only IL's officer and SY's officer are
  // cleared SECRET, the supervisor RESTRICTED.
  void label_intel_secret() {
    ChannelPolicy intel = s().channels.at("intel").policy;
    intel.label = "SECRET";
    cell.commit({SetLevels{{"UNCLASSIFIED", "RESTRICTED", "SECRET"}}, SetClearance{kIlOfficer, "SECRET"},
                 SetClearance{kSyOfficer, "SECRET"}, SetClearance{kSup, "RESTRICTED"},
                 SetChannelPolicy{"intel", intel}});
  }

  Error refused(std::vector<Operation> ops) {
    auto next = apply(s(), cell.sign(cell.next(std::move(ops))));
    EXPECT_FALSE(next.ok());
    return next.ok() ? Error{} : next.error();
  }
};

TEST_F(LabelsTest, OnlyDevicesClearedForTheLabelReadALabelledChannel) {
  label_intel_secret();
  EXPECT_EQ(readers(s(), "intel"), (std::vector<Address>{kIlOfficer, kSyOfficer}));
  EXPECT_FALSE(may_read(s(), "intel", kSup)) << "RESTRICTED does not reach SECRET";
  EXPECT_FALSE(may_read(s(), "intel", kSyAdmin)) << "no clearance, no labelled channel";
  EXPECT_FALSE(may_post(s(), "intel", kSyAdmin)) << "POST implies READ";
  EXPECT_TRUE(may_post(s(), "intel", kIlOfficer));
  // Unlabelled channels are as before.
  EXPECT_TRUE(may_read(s(), "diplomatic", kSyAdmin));

  cell.commit({SetClearance{kSyAdmin, "SECRET"}});
  EXPECT_TRUE(may_read(s(), "intel", kSyAdmin));
  cell.commit({SetClearance{kSyAdmin, ""}});
  EXPECT_FALSE(may_read(s(), "intel", kSyAdmin));
}

TEST_F(LabelsTest, ReleasabilityKeepsAChannelFromOtherPartiesWhateverTheirClearance) {
  label_intel_secret();
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.releasable_to = {"SY", "IL"};
  cell.commit({SetChannelPolicy{"intel", intel}, SetClearance{kSup, "SECRET"}});
  EXPECT_EQ(s().channels.at("intel").policy.releasable_to, (std::vector<std::string>{"IL", "SY"}));
  EXPECT_FALSE(may_read(s(), "intel", kSup)) << "US is not releasable, even cleared SECRET";
  EXPECT_TRUE(may_read(s(), "intel", kSyOfficer));
}

TEST_F(LabelsTest, ARemovedAndReAddedDeviceComesBackWithoutItsClearance) {
  label_intel_secret();
  cell.commit({RemoveDevice{kSyOfficer}, AddDevice{kSyOfficer, "SY", Role::member, keys.pub(kSyOfficer)}});
  EXPECT_FALSE(may_read(s(), "intel", kSyOfficer));
}

TEST_F(LabelsTest, LabelsAndClearancesMustNameLevelsOfTheCell) {
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.label = "SECRET";
  EXPECT_EQ(refused({SetChannelPolicy{"intel", intel}}).code, Errc::charter_invalid_operation);
  EXPECT_EQ(refused({SetClearance{kIlOfficer, "SECRET"}}).code, Errc::charter_invalid_operation);
  EXPECT_EQ(refused({SetLevels{{"LOW", "HIGH"}}, SetClearance{Address{"nobody", 1}, "LOW"}}).code,
            Errc::charter_invalid_operation);
  label_intel_secret();
  // Dropping a level still in use is refused; renaming it together with its users is fine.
  auto dropped = refused({SetLevels{{"UNCLASSIFIED", "RESTRICTED"}}});
  EXPECT_NE(dropped.message.find("SECRET"), std::string::npos) << describe(dropped);
  intel = s().channels.at("intel").policy;
  intel.label = "TOP";
  cell.commit({SetLevels{{"UNCLASSIFIED", "RESTRICTED", "TOP"}}, SetChannelPolicy{"intel", intel},
               SetClearance{kIlOfficer, "TOP"}, SetClearance{kSyOfficer, "TOP"}});
  EXPECT_EQ(readers(s(), "intel"), (std::vector<Address>{kIlOfficer, kSyOfficer}));
}

TEST_F(LabelsTest, MalformedLevelsAreRefusedBeforeAnyState) {
  Commit twice = cell.next({SetLevels{{"A", "B", "A"}}});
  EXPECT_EQ(sign_commit(twice, keys.priv(kSup)).error().code, Errc::invalid_argument);
  std::vector<std::string> many;
  for (std::size_t i = 0; i <= kMaxLevels; ++i) many.push_back("L" + std::to_string(i));
  EXPECT_EQ(sign_commit(cell.next({SetLevels{many}}), keys.priv(kSup)).error().code, Errc::invalid_argument);
  EXPECT_EQ(sign_commit(cell.next({SetLevels{{"has space"}}}), keys.priv(kSup)).error().code,
            Errc::invalid_argument);
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.releasable_to = {"IL", "IL"};
  EXPECT_EQ(sign_commit(cell.next({SetChannelPolicy{"intel", intel}}), keys.priv(kSup)).error().code,
            Errc::invalid_argument);
}

TEST_F(LabelsTest, LabelOperationsRoundTripAndOldPoliciesEncodeAsBefore) {
  ChannelPolicy intel = s().channels.at("intel").policy;
  const Bytes before = encode_commit(cell.next({SetChannelPolicy{"intel", intel}}));
  intel.label = "SECRET";
  intel.releasable_to = {"IL", "SY"};
  const Commit labelled = cell.next({SetLevels{{"LOW", "SECRET"}}, SetClearance{kIlOfficer, "SECRET"},
                                     SetClearance{kSyOfficer, ""}, SetChannelPolicy{"intel", intel}});
  EXPECT_EQ(must(decode_commit(encode_commit(labelled))), labelled);
  intel.label.clear();
  intel.releasable_to.clear();
  EXPECT_EQ(encode_commit(cell.next({SetChannelPolicy{"intel", intel}})), before);
}

TEST_F(LabelsTest, RaisingAClearanceOnAConsentChannelNeedsThePostersConsent) {
  label_intel_secret();
  ChannelPolicy intel = s().channels.at("intel").policy;
  intel.consent = true;
  cell.commit({SetChannelPolicy{"intel", intel}});
  // The supervisor clears itself for SECRET: it would read intel.
  const Commit raise = cell.next({SetClearance{kSup, "SECRET"}});
  auto alone = apply(s(), cell.sign(raise));
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().code, Errc::charter_consent_missing);
  // Lowering the label widens reading too.
  intel.label = "RESTRICTED";
  EXPECT_EQ(refused({SetChannelPolicy{"intel", intel}}).code, Errc::charter_consent_missing);
  // Lowering a clearance narrows: no consent.
  cell.commit({SetClearance{kSyOfficer, "RESTRICTED"}});
  EXPECT_FALSE(may_read(s(), "intel", kSyOfficer));
}

TEST_F(LabelsTest, MessageLabelsFitOnlyAtOrBelowTheChannels) {
  label_intel_secret();
  const ChannelPolicy& intel = s().channels.at("intel").policy;
  EXPECT_TRUE(label_fits(s(), intel, ""));
  EXPECT_TRUE(label_fits(s(), intel, "RESTRICTED"));
  EXPECT_TRUE(label_fits(s(), intel, "SECRET"));
  EXPECT_FALSE(label_fits(s(), intel, "TOPSECRET"));
  EXPECT_FALSE(label_fits(s(), s().channels.at("diplomatic").policy, "RESTRICTED"))
      << "an unlabelled channel carries only unlabelled messages";
}

TEST_F(LabelsTest, LabelsArePartOfTheStateDigestOnlyWhereTheyAreUsed) {
  const Hash plain = digest_of(s());
  label_intel_secret();
  CellState other = s();
  other.devices.at(kSyOfficer).clearance = "RESTRICTED";
  EXPECT_NE(digest_of(other), digest_of(s()));
  other = s();
  other.channels.at("intel").policy.releasable_to = {"IL"};
  EXPECT_NE(digest_of(other), digest_of(s()));
  other = s();
  other.levels.push_back("COSMIC");
  EXPECT_NE(digest_of(other), digest_of(s()));
  EXPECT_NE(plain, digest_of(s()));
}

}  // namespace
}  // namespace parley::charter::test
