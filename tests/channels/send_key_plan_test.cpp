// SPDX-License-Identifier: GPL-3.0-or-later
// Which generation a post goes under and who must get it first (channels/send_key_plan.hpp).
#include <gtest/gtest.h>

#include "channels/send_key_plan.hpp"

namespace parley::channels {
namespace {

const Address kSelf{"self", 1};
const Address kA{"a", 1};
const Address kB{"b", 1};
constexpr Rotation kRotation{100, 1000};

TEST(SendKeyPlanTest, TheFirstPostCreatesGenerationOneForEveryReader) {
  const auto plan = plan_send_key(std::nullopt, {kA, kB}, kSelf, kRotation, 50);
  EXPECT_TRUE(plan.fresh);
  EXPECT_EQ(plan.key.generation, 1u);
  EXPECT_EQ(plan.key.next_post, 1u);
  EXPECT_EQ(plan.key.created_at, 50);
  EXPECT_EQ(plan.missing, (std::vector<Address>{kA, kB}));
}

TEST(SendKeyPlanTest, AKeyEveryReaderHoldsIsKeptAndGoesToNoOne) {
  const store::ChannelSendKey key{3, {kA, kB}, 10, 0, 42};
  const auto plan = plan_send_key(key, {kA, kB}, kSelf, kRotation, 500);
  EXPECT_FALSE(plan.fresh);
  EXPECT_EQ(plan.key.generation, 3u);
  EXPECT_TRUE(plan.missing.empty());
}

TEST(SendKeyPlanTest, ANewReaderGetsTheKeyAsItStands) {
  const store::ChannelSendKey key{3, {kA}, 10, 0, 42};
  const auto plan = plan_send_key(key, {kA, kB}, kSelf, kRotation, 500);
  EXPECT_FALSE(plan.fresh);
  EXPECT_EQ(plan.missing, std::vector<Address>{kB});
}

TEST(SendKeyPlanTest, AReaderWhoLeftForcesANewGenerationForEveryoneLeft) {
  const store::ChannelSendKey key{3, {kA, kB}, 10, 0, 42};
  const auto plan = plan_send_key(key, {kA}, kSelf, kRotation, 500);
  EXPECT_TRUE(plan.fresh);
  EXPECT_EQ(plan.key.generation, 4u);
  EXPECT_EQ(plan.key.next_post, 42u);  // post numbers continue across generations
  EXPECT_EQ(plan.key.sent_count, 0u);
  EXPECT_EQ(plan.missing, std::vector<Address>{kA});
  EXPECT_EQ(plan.departed, std::vector<Address>{kB});
}

TEST(SendKeyPlanTest, AKeyRotatesAfterItsMessageCountOrItsAge) {
  const store::ChannelSendKey worn{3, {kA}, 100, 0, 42};
  EXPECT_TRUE(plan_send_key(worn, {kA}, kSelf, kRotation, 10).fresh);
  const store::ChannelSendKey old{3, {kA}, 1, 0, 42};
  EXPECT_FALSE(plan_send_key(old, {kA}, kSelf, kRotation, 999).fresh);
  EXPECT_TRUE(plan_send_key(old, {kA}, kSelf, kRotation, 1000).fresh);
}

}  // namespace
}  // namespace parley::channels
