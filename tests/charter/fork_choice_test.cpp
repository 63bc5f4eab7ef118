// SPDX-License-Identifier: GPL-3.0-or-later
// CharterLog's tie-break between supervisor devices committing the same epoch: every arrival
// order converges on the lowest-hash branch, the loser's branch stays retrievable, one
// device's two commits stay an equivocation, and nobody else can win by grinding a hash.
#include <gtest/gtest.h>

#include <algorithm>

#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

const Address kSup3{"us_sup", 3};

Hash hash_of(const SignedCommit& commit) { return must(commit_hash(commit.bytes)); }

class ForkChoiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Epoch 2 adds a third supervisor device, so a third party can build on the winner.
    cell.commit({AddDevice{kSup3, "US", std::nullopt, keys.pub(kSup3)}});  // us_sup is a supervisor user
    base = cell.chain();
    // Two supervisor devices each commit epoch 3 on the same head. The loser's author is
    // chosen by the hashes, so each test names `winner` and `loser` whatever they are.
    const SignedCommit a = cell.sign(cell.next({CreateChannel{"a", "A"}}, kSup));
    const SignedCommit b = cell.sign(cell.next({CreateChannel{"b", "B"}}, kSup2));
    const bool a_wins = hash_of(a) < hash_of(b);
    winner = a_wins ? a : b;
    loser = a_wins ? b : a;
    winner_channel = a_wins ? "a" : "b";
    loser_channel = a_wins ? "b" : "a";
    loser_author = a_wins ? kSup2 : kSup;
    // The loser's author goes on on its own branch.
    loser_child = cell.sign(Commit{test_cell_id(), 4, hash_of(loser), loser_author, 7, {CreateChannel{"lc", "LC"}}});
    // A third supervisor device builds on the winner.
    winner_child = cell.sign(Commit{test_cell_id(), 4, hash_of(winner), kSup3, 8, {CreateChannel{"wc", "WC"}}});
    reference = log_from(base, 2);
    ASSERT_EQ(reference.offer(winner).status, OfferStatus::applied);
  }

  Keys keys;
  TestCell cell{keys};
  std::vector<SignedCommit> base;
  SignedCommit winner, loser, loser_child, winner_child;
  std::string winner_channel, loser_channel;
  Address loser_author;
  CharterLog reference = log_from(cell.chain(), 1);
};

bool contains(const std::vector<SignedCommit>& list, const SignedCommit& commit) {
  return std::find(list.begin(), list.end(), commit) != list.end();
}

TEST_F(ForkChoiceTest, EveryArrivalOrderConvergesOnTheLowestHash) {
  std::vector<int> order{0, 1, 2};
  const SignedCommit* commits[] = {&winner, &loser, &loser_child};
  int runs = 0;
  do {
    SCOPED_TRACE("order " + std::to_string(order[0]) + std::to_string(order[1]) + std::to_string(order[2]));
    auto log = log_from(base, 2);
    std::vector<SignedCommit> superseded;
    for (int i : order) {
      auto outcome = log.offer(*commits[i]);
      EXPECT_NE(outcome.status, OfferStatus::equivocation);
      EXPECT_TRUE(outcome.equivocations.empty()) << "a race between two devices is no equivocation";
      superseded.insert(superseded.end(), outcome.superseded.begin(), outcome.superseded.end());
    }
    EXPECT_EQ(log.epoch(), 3u);
    EXPECT_EQ(log.head(), hash_of(winner));
    EXPECT_EQ(digest_of(log.state()), digest_of(reference.state()));
    EXPECT_TRUE(log.state().channels.contains(winner_channel));
    EXPECT_FALSE(log.state().channels.contains(loser_channel));
    EXPECT_FALSE(log.state().channels.contains("lc"));
    EXPECT_TRUE(contains(superseded, loser)) << "the loser is reported, whenever it arrived";
    ++runs;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(runs, 6);
}

TEST_F(ForkChoiceTest, ADeviceOnTheLosingBranchSwitchesAndKeepsItRetrievable) {
  auto log = log_from(base, 2);
  ASSERT_EQ(log.offer(loser).status, OfferStatus::applied);
  ASSERT_EQ(log.offer(loser_child).status, OfferStatus::applied);
  ASSERT_EQ(log.epoch(), 4u);

  auto outcome = log.offer(winner);
  EXPECT_EQ(outcome.status, OfferStatus::switched);
  ASSERT_TRUE(outcome.switched_at);
  EXPECT_EQ(*outcome.switched_at, 3u);
  EXPECT_EQ(outcome.applied, std::vector<std::uint64_t>{3});
  EXPECT_EQ(outcome.superseded, (std::vector<SignedCommit>{loser, loser_child}));  // ascending epoch
  EXPECT_EQ(log.epoch(), 3u);
  EXPECT_EQ(log.commits_from(3), std::vector<SignedCommit>{winner});
  EXPECT_EQ(log.hash_at(3), hash_of(winner));
  EXPECT_FALSE(log.hash_at(4));
  EXPECT_EQ(digest_of(log.state()), digest_of(reference.state()));

  // The losing branch offered again changes nothing.
  EXPECT_EQ(log.offer(loser).status, OfferStatus::superseded);
  auto child_again = log.offer(loser_child);
  EXPECT_EQ(child_again.status, OfferStatus::rejected);
  EXPECT_EQ(child_again.error->code, Errc::charter_broken_chain);
  EXPECT_EQ(log.head(), hash_of(winner));
}

TEST_F(ForkChoiceTest, TheLoserArrivingLateIsSupersededNotApplied) {
  auto log = log_from(base, 2);
  ASSERT_EQ(log.offer(winner).status, OfferStatus::applied);
  const Hash before = digest_of(log.state());
  auto outcome = log.offer(loser);
  EXPECT_EQ(outcome.status, OfferStatus::superseded);
  EXPECT_EQ(outcome.superseded, std::vector<SignedCommit>{loser});
  EXPECT_FALSE(outcome.switched_at);
  EXPECT_TRUE(outcome.applied.empty());
  EXPECT_EQ(digest_of(log.state()), before);
}

TEST_F(ForkChoiceTest, BothWaitingInTheBufferTheWinnerIsApplied) {
  for (bool loser_first : {true, false}) {
    auto log = log_from(base, 1);
    EXPECT_EQ(log.offer(loser_first ? loser : winner).status, OfferStatus::buffered);
    EXPECT_EQ(log.offer(loser_first ? winner : loser).status, OfferStatus::buffered);
    auto outcome = log.offer(base[1]);
    EXPECT_EQ(outcome.status, OfferStatus::applied);
    EXPECT_EQ(outcome.applied, (std::vector<std::uint64_t>{2, 3}));
    EXPECT_TRUE(outcome.equivocations.empty());
    EXPECT_EQ(outcome.superseded, std::vector<SignedCommit>{loser});
    EXPECT_EQ(log.head(), hash_of(winner));
  }
}

TEST_F(ForkChoiceTest, AThirdPartysCommitOnTheWinnerApplies) {
  // On a device that has the winner.
  auto log = log_from(base, 2);
  ASSERT_EQ(log.offer(winner).status, OfferStatus::applied);
  auto outcome = log.offer(winner_child);
  EXPECT_EQ(outcome.status, OfferStatus::applied);
  EXPECT_TRUE(log.state().channels.contains("wc"));

  // On a device still on the losing branch, where it arrives before the winner: it waits,
  // then applies right after the switch.
  auto behind = log_from(base, 2);
  ASSERT_EQ(behind.offer(loser).status, OfferStatus::applied);
  ASSERT_EQ(behind.offer(loser_child).status, OfferStatus::applied);
  auto early = behind.offer(winner_child);
  EXPECT_EQ(early.status, OfferStatus::buffered);
  EXPECT_TRUE(early.equivocations.empty());
  EXPECT_EQ(behind.strays(), 1u);
  auto switched = behind.offer(winner);
  EXPECT_EQ(switched.status, OfferStatus::switched);
  EXPECT_EQ(switched.applied, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(behind.strays(), 0u);
  EXPECT_EQ(behind.head(), log.head());
  EXPECT_EQ(digest_of(behind.state()), digest_of(log.state()));
}

TEST_F(ForkChoiceTest, OneDeviceSigningTwoCommitsForAnEpochIsStillEquivocation) {
  // Whichever hash is lower: the same author never wins a tie-break against itself.
  const SignedCommit twin = cell.sign(Commit{test_cell_id(), 3, hash_of(base.back()),
                                             must(decode_commit(winner.bytes)).author, 99, {CreateChannel{"t", "T"}}});
  for (const auto& [first, second] : {std::pair{winner, twin}, std::pair{twin, winner}}) {
    auto log = log_from(base, 2);
    ASSERT_EQ(log.offer(first).status, OfferStatus::applied);
    const Hash head = log.head();
    auto outcome = log.offer(second);
    EXPECT_EQ(outcome.status, OfferStatus::equivocation);
    ASSERT_EQ(outcome.equivocations.size(), 1u);
    EXPECT_EQ(outcome.equivocations[0].applied, first);
    EXPECT_EQ(outcome.equivocations[0].conflicting, second);
    EXPECT_TRUE(log.check_proof(outcome.equivocations[0]).ok());
    EXPECT_TRUE(outcome.superseded.empty());
    EXPECT_EQ(log.head(), head);
  }
}

// A challenger with a lower hash that is not a supervisor device's, or not a valid commit,
// changes nothing: grinding a hash gives a stranger no say.
TEST_F(ForkChoiceTest, OnlyAValidSupervisorCommitCanWin) {
  auto log = log_from(base, 2);
  ASSERT_EQ(log.offer(loser).status, OfferStatus::applied);
  const Hash head = log.head();
  // Ground until its hash is below the applied one's, so only authority can stop it.
  auto ground = [&](Commit commit, const Address& signer) {
    for (;; ++commit.time_ms) {
      SignedCommit signed_commit = cell.sign(commit, signer);
      if (hash_of(signed_commit) < hash_of(loser)) return signed_commit;
    }
  };
  Commit by_member{test_cell_id(), 3, hash_of(base.back()), kIlOfficer, 1, {CreateChannel{"m", "M"}}};
  auto member = log.offer(ground(by_member, kIlOfficer));
  EXPECT_EQ(member.status, OfferStatus::rejected);
  EXPECT_EQ(member.error->code, Errc::charter_not_authorized);

  Commit forged = by_member;
  forged.author = must(decode_commit(winner.bytes)).author;
  auto bad_signature = log.offer(ground(forged, kIlOfficer));
  EXPECT_EQ(bad_signature.status, OfferStatus::rejected);
  EXPECT_EQ(bad_signature.error->code, Errc::invalid_signature);

  Commit invalid = forged;
  invalid.operations = {RemoveDevice{{"nobody", 1}}};
  auto invalid_ops = log.offer(ground(invalid, forged.author));
  EXPECT_EQ(invalid_ops.status, OfferStatus::rejected);
  EXPECT_EQ(log.head(), head);
  EXPECT_EQ(log.epoch(), 3u);
}

TEST_F(ForkChoiceTest, DeepHistoryIsNotRewritten) {
  // A loser branch longer than kMaxReorgDepth: the winner arriving that late is refused with
  // a clear error (the engine raises it as a security alert), not applied.
  auto log = log_from(base, 2);
  ASSERT_EQ(log.offer(loser).status, OfferStatus::applied);
  Hash prev = hash_of(loser);
  for (std::uint64_t e = 4; e <= 2 + CharterLog::kMaxReorgDepth; ++e) {
    SignedCommit next = cell.sign(Commit{test_cell_id(), e, prev, loser_author, static_cast<TimeMs>(10 + e), {CreateChannel{"d" + std::to_string(e), "D"}}});
    ASSERT_EQ(log.offer(next).status, OfferStatus::applied);
    prev = hash_of(next);
  }
  ASSERT_EQ(log.epoch() - 3 + 1, CharterLog::kMaxReorgDepth);
  {
    auto copy = log;  // exactly kMaxReorgDepth commits to replace: still switches
    EXPECT_EQ(copy.offer(winner).status, OfferStatus::switched);
  }
  SignedCommit one_more = cell.sign(Commit{test_cell_id(), log.epoch() + 1, prev, loser_author, 99, {CreateChannel{"deep", "D"}}});
  ASSERT_EQ(log.offer(one_more).status, OfferStatus::applied);
  auto late = log.offer(winner);
  EXPECT_EQ(late.status, OfferStatus::rejected);
  EXPECT_EQ(late.error->code, Errc::charter_out_of_order);
  EXPECT_NE(late.error->message.find("not switching"), std::string::npos) << late.error->message;
  EXPECT_TRUE(late.equivocations.empty()) << "a late race is no proof against anyone";
  EXPECT_EQ(log.head(), hash_of(one_more));
  // Nor can a race be passed off as an equivocation proof elsewhere.
  EquivocationProof race{test_cell_id(), 3, loser, winner};
  EXPECT_EQ(log.check_proof(race).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace parley::charter::test
