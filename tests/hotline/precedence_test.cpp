// SPDX-License-Identifier: GPL-3.0-or-later
// Precedence limits and the effective acknowledgement deadline.
#include "hotline/precedence.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace parley::hotline {
namespace {

TEST(Precedence, HandlingLimits) {
  EXPECT_EQ(handling_limit_seconds(Precedence::routine), 6u * 3600);
  EXPECT_EQ(handling_limit_seconds(Precedence::priority), 3u * 3600);
  EXPECT_EQ(handling_limit_seconds(Precedence::immediate), 30u * 60);
  EXPECT_EQ(handling_limit_seconds(Precedence::flash), 10u * 60);
}

TEST(Precedence, EffectiveDeadlineIsTheShorter) {
  EXPECT_EQ(effective_ack_seconds(3600, Precedence::flash), 600u);      // precedence shortens
  EXPECT_EQ(effective_ack_seconds(3600, Precedence::routine), 3600u);   // policy shortens
  EXPECT_EQ(effective_ack_seconds(300, Precedence::flash), 300u);
  EXPECT_EQ(effective_ack_seconds(0, Precedence::priority), 3u * 3600);  // no policy deadline
  EXPECT_EQ(effective_ack_seconds(600, Precedence::flash), 600u);        // equal
}

TEST(Precedence, DeadlineOnlyWhereAcksAreRequired) {
  charter::ChannelPolicy policy;
  EXPECT_FALSE(ack_deadline(policy, Precedence::flash, 1000).has_value());
  policy.ack_required = true;
  policy.ack_deadline_seconds = 3600;
  EXPECT_EQ(ack_deadline(policy, Precedence::flash, 1000), 1000 + 600'000);
  EXPECT_EQ(ack_deadline(policy, Precedence::routine, 1000), 1000 + 3'600'000);
  // A hostile sent_at cannot overflow the deadline.
  EXPECT_EQ(ack_deadline(policy, Precedence::routine, std::numeric_limits<TimeMs>::max() - 5),
            std::numeric_limits<TimeMs>::max());
}

TEST(Precedence, WireValues) {
  EXPECT_EQ(precedence_from_wire(4), Precedence::flash);
  EXPECT_EQ(precedence_from_wire(1), Precedence::routine);
  EXPECT_FALSE(precedence_from_wire(0).has_value());
  EXPECT_FALSE(precedence_from_wire(5).has_value());
  EXPECT_EQ(precedence_name(Precedence::immediate), "IMMEDIATE");
}

}  // namespace
}  // namespace parley::hotline
