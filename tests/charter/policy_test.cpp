// SPDX-License-Identifier: GPL-3.0-or-later
// Permission queries: how grants and roles combine (charter/policy.hpp).
#include "charter/policy.hpp"

#include <gtest/gtest.h>

#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

class PolicyTest : public ::testing::Test {
 protected:
  Keys keys;
  TestCell cell{keys};
  const CellState& s() const { return cell.state(); }

  // intel is restricted in IL to the officer (and the admin); the trade delegate keeps the
  // party grants on the other channels.
  void restrict_intel() {
    ChannelPolicy intel;
    intel.read = {Grant::for_party("US"), Grant::for_party("SY"), Grant::for_user("il_officer"),
                  Grant::for_device(kIlAdmin)};
    intel.post = {Grant::for_party("IL"), Grant::for_party("SY")};
    cell.commit({SetChannelPolicy{"intel", intel}});
  }
};

TEST_F(PolicyTest, TemplatePartiesReadAndPostEverywhere) {
  for (std::string_view channel : kSeedChannels) {
    for (const Address& device : {kIlAdmin, kIlOfficer, kIlTrade, kSyAdmin, kSyOfficer}) {
      EXPECT_TRUE(may_read(s(), channel, device)) << channel << " " << device.to_string();
      EXPECT_TRUE(may_post(s(), channel, device)) << channel << " " << device.to_string();
    }
    // The supervisor party reads everything and posts nowhere.
    for (const Address& device : {kSup, kSup2, kUsObserver}) {
      EXPECT_TRUE(may_read(s(), channel, device));
      EXPECT_FALSE(may_post(s(), channel, device));
    }
  }
}

TEST_F(PolicyTest, ObserverReadsButNeverPosts) {
  EXPECT_TRUE(may_read(s(), "intel", kIlObserver));
  EXPECT_FALSE(may_post(s(), "intel", kIlObserver));
  // Even with an explicit POST grant for that very device.
  ChannelPolicy policy = s().channels.at("diplomatic").policy;
  policy.post.push_back(Grant::for_device(kIlObserver));
  policy.post.push_back(Grant::for_party("US"));
  cell.commit({SetChannelPolicy{"diplomatic", policy}});
  EXPECT_FALSE(may_post(s(), "diplomatic", kIlObserver));
  EXPECT_FALSE(may_post(s(), "diplomatic", kUsObserver));
  EXPECT_TRUE(may_post(s(), "diplomatic", kSup));  // a supervisor with a grant posts
  // Promoted to member, the same device posts.
  cell.commit({SetRole{"il_obs", Role::member}});
  EXPECT_TRUE(may_post(s(), "diplomatic", kIlObserver));
}

TEST_F(PolicyTest, CommercialOnlyDelegateHasNoIntel) {
  restrict_intel();
  EXPECT_TRUE(may_read(s(), "intel", kIlOfficer));
  EXPECT_TRUE(may_read(s(), "intel", kIlAdmin));
  EXPECT_FALSE(may_read(s(), "intel", kIlTrade));
  // POST needs READ: the party-wide POST grant does not reach the delegate.
  EXPECT_FALSE(may_post(s(), "intel", kIlTrade));
  EXPECT_TRUE(may_post(s(), "intel", kIlOfficer));
  EXPECT_TRUE(may_read(s(), "commercial", kIlTrade));
  EXPECT_TRUE(may_post(s(), "commercial", kIlTrade));
  const auto intel_readers = readers(s(), "intel");
  EXPECT_EQ(std::count(intel_readers.begin(), intel_readers.end(), kIlTrade), 0);
  // A device grant covers only that device, a user grant every device of the user.
  cell.commit({add({"il_admin", 2}, "IL", std::nullopt, keys), add({"il_officer", 2}, "IL", std::nullopt, keys)});
  EXPECT_FALSE(may_read(s(), "intel", {"il_admin", 2}));
  EXPECT_TRUE(may_read(s(), "intel", {"il_officer", 2}));
}

TEST_F(PolicyTest, ReadersAndPostersAreSortedDeviceLists) {
  restrict_intel();
  const std::vector<Address> expected_readers{kIlAdmin, kIlOfficer, kSyAdmin, kSyOfficer, kUsObserver, kSup, kSup2};
  EXPECT_EQ(readers(s(), "intel"), expected_readers);
  EXPECT_TRUE(std::is_sorted(expected_readers.begin(), expected_readers.end()));
  EXPECT_EQ(posters(s(), "intel"), (std::vector<Address>{kIlAdmin, kIlOfficer, kSyAdmin, kSyOfficer}));
  const auto commercial = posters(s(), "commercial");
  EXPECT_EQ(commercial, (std::vector<Address>{kIlAdmin, kIlOfficer, kIlTrade, kSyAdmin, kSyOfficer}));
}

TEST_F(PolicyTest, ArchivedChannelHasNoPosters) {
  const auto before = readers(s(), "commercial");
  cell.commit({ArchiveChannel{"commercial"}});
  EXPECT_TRUE(posters(s(), "commercial").empty());
  for (const Address& device : before) EXPECT_FALSE(may_post(s(), "commercial", device));
  EXPECT_EQ(readers(s(), "commercial"), before);  // history stays readable
}

TEST_F(PolicyTest, UnknownChannelsAndDevicesHaveNothing) {
  EXPECT_FALSE(may_read(s(), "nope", kIlOfficer));
  EXPECT_FALSE(may_post(s(), "nope", kIlOfficer));
  EXPECT_TRUE(readers(s(), "nope").empty());
  EXPECT_TRUE(posters(s(), "nope").empty());
  // A device that is not in the cell, even of a user that is, or named by a grant.
  EXPECT_FALSE(may_read(s(), "intel", {"il_officer", 9}));
  ChannelPolicy policy;
  policy.read = {Grant::for_device({"outsider", 1})};
  policy.post = policy.read;
  cell.commit({SetChannelPolicy{"intel", policy}});
  EXPECT_FALSE(may_read(s(), "intel", {"outsider", 1}));
  EXPECT_TRUE(readers(s(), "intel").empty());
}

TEST_F(PolicyTest, RemovedDeviceLosesAccess) {
  EXPECT_TRUE(may_read(s(), "intel", kSyOfficer));
  cell.commit({RemoveDevice{kSyOfficer}});
  EXPECT_FALSE(may_read(s(), "intel", kSyOfficer));
  EXPECT_FALSE(may_post(s(), "intel", kSyOfficer));
}

}  // namespace
}  // namespace parley::charter::test
