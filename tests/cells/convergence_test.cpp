// SPDX-License-Identifier: GPL-3.0-or-later
// Equivocation across parties, and a seeded random delivery order over many seeds: every
// device ends with the same charter and the same message set.
#include <set>

#include "cells/codec.hpp"
#include "cells_fixture.hpp"
#include "pairwise/sessions.hpp"

namespace parley::cells::test {
namespace {

// The supervisor signs two different commits for epoch 3 and shows one to IL, the other
// to SY. Both detect it from the first channel message of the other side.
TEST_F(CellsTest, EquivocatingSupervisorIsDetectedByBothParties) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "warm up");
  post(kSy, cell, "intel", "warm up too");
  Node& us = node(kUs);
  const auto* log = us.engine->charter(cell);
  auto identity = us.store->local_identity();
  auto adapter = pairwise::SignalStoreAdapter::create(*us.store);
  pairwise::Sessions sessions(**adapter);
  auto show = [&](const Address& to, const char* channel, std::uint8_t id) {
    charter::Commit c{cell, log->epoch() + 1, log->head(), kUs, now, {charter::CreateChannel{channel, channel}}};
    auto signed_commit = charter::sign_commit(c, (*identity)->identity_private);
    ASSERT_TRUE(signed_commit.ok());
    envelope::Content content;
    content.message_id.bytes.fill(id);
    content.kind = envelope::ContentKind::charter_commit;
    content.body = charter::encode_signed_commit(*signed_commit);
    auto sealed = sessions.encrypt(to, envelope::encode(content));
    ASSERT_TRUE(sealed.ok());
    relay.inject(kUs, to, envelope::encode(*sealed));
  };
  show(kIl, "branch-a", 0x51);
  show(kSy, "branch-b", 0x52);
  relay.push_all(inbox);
  run();
  EXPECT_EQ(node(kIl).engine->charter(cell)->epoch(), 3u);
  EXPECT_EQ(node(kSy).engine->charter(cell)->epoch(), 3u);
  EXPECT_NE(node(kIl).engine->charter(cell)->head(), node(kSy).engine->charter(cell)->head());

  post(kIl, cell, "intel", "from branch a");
  post(kSy, cell, "intel", "from branch b");
  for (const Address& a : {kIl, kSy}) {
    auto alerts = node(a).all<SecurityAlert>();
    ASSERT_FALSE(alerts.empty()) << a.to_string();
    bool proof = false;
    for (const auto& alert : alerts) {
      EXPECT_EQ(alert.error.code, Errc::cell_equivocation);
      EXPECT_EQ(alert.epoch, 3u);
      if (!alert.applied.empty() && !alert.conflicting.empty()) {
        proof = true;
        // Both halves are validly signed commits for epoch 3 of this cell.
        auto applied = charter::decode_signed_commit(alert.applied);
        auto conflicting = charter::decode_signed_commit(alert.conflicting);
        ASSERT_TRUE(applied.ok() && conflicting.ok());
        EXPECT_TRUE(node(a).engine->charter(cell)->check_proof(
                                                      charter::EquivocationProof{cell, 3, *applied, *conflicting})
                        .ok());
      }
    }
    EXPECT_TRUE(proof) << a.to_string() << " holds no proof";
  }
  EXPECT_EQ(node(kIl).engine->charter(cell)->epoch(), 3u);  // each keeps its branch
  const auto sy_texts = node(kSy).texts("intel");
  const auto il_texts = node(kIl).texts("intel");
  EXPECT_EQ(std::count(sy_texts.begin(), sy_texts.end(), "from branch a"), 0);
  EXPECT_EQ(std::count(il_texts.begin(), il_texts.end(), "from branch b"), 0);
}

// A channel message that names an epoch the receiver has not applied is held, the gap is
// requested, and the message is delivered once the charter catches up.
TEST_F(CellsTest, MessageFromAFutureEpochIsHeldUntilTheCharterCatchesUp) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "sessions");
  disconnect(node(kSy));
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::CreateChannel{"ops", "Operations"}}, now).ok());
  run();
  post(kIl, cell, "intel", "under epoch 3");
  // SY comes back and gets IL's message before the commit it was sent under.
  connect(node(kSy));
  Node& sy = node(kSy);
  authenticate_only(sy);
  auto& q = inbox[sy.connection];
  ASSERT_EQ(q.size(), 2u);
  std::reverse(q.begin(), q.end());
  Bytes first = std::move(q.front());
  q.pop_front();
  ASSERT_TRUE(sy.engine->on_frame(first, now).ok());
  collect(sy);
  EXPECT_TRUE(sy.texts("intel").size() == 1u);  // only "sessions": the new one is held
  EXPECT_EQ(sy.engine->charter(cell)->epoch(), 2u);
  run();
  EXPECT_EQ(sy.engine->charter(cell)->epoch(), 3u);
  const auto texts = sy.texts("intel");
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "under epoch 3"), 1);
}

class ConvergenceTest : public CellsTest, public ::testing::WithParamInterface<int> {};

TEST_P(ConvergenceTest, EveryDeviceEndsWithTheSameCharterAndMessages) {
  rng.seed(static_cast<std::uint64_t>(GetParam()));
  shuffle = true;
  const CellId cell = make_seed_cell();
  // Concurrent: nobody waits for anything between these steps.
  auto& us = *node(kUs).engine;
  ASSERT_TRUE(node(kIl).engine->post(cell, "intel", "i1", now).ok());
  ASSERT_TRUE(node(kSy).engine->post(cell, "diplomatic", "d1", now).ok());
  ASSERT_TRUE(us.commit(cell, {charter::CreateChannel{"ops", "Operations"}}, now).ok());
  ASSERT_TRUE(node(kTrade).engine->post(cell, "commercial", "c1", now).ok());
  ASSERT_TRUE(node(kSy2).engine->post(cell, "intel", "i2", now).ok());
  run();
  // A removal, then posts racing its delivery (the removed device does not post).
  ASSERT_TRUE(us.commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  ASSERT_TRUE(node(kIl).engine->post(cell, "commercial", "c2", now).ok());
  ASSERT_TRUE(node(kSy).engine->post(cell, "intel", "i3", now).ok());
  run();

  const auto* reference = node(kUs).engine->charter(cell);
  ASSERT_EQ(reference->epoch(), 4u);
  const auto digest = *reference->state().digest();
  for (const Address& a : {kIl, kSy, kSy2}) {
    ASSERT_NE(node(a).engine->charter(cell), nullptr);
    EXPECT_EQ(node(a).engine->charter(cell)->epoch(), 4u) << a.to_string() << " seed " << GetParam();
    EXPECT_EQ(*node(a).engine->charter(cell)->state().digest(), digest) << a.to_string();
  }
  const std::map<std::string, std::set<std::string>> posted{
      {"intel", {"i1", "i2", "i3"}}, {"diplomatic", {"d1"}}, {"commercial", {"c1", "c2"}}};
  for (const Address& a : {kUs, kIl, kSy, kSy2}) {
    for (const auto& [channel, texts] : posted) {
      auto history = node(a).engine->history(cell, channel);
      ASSERT_TRUE(history.ok());
      std::multiset<std::string> got;
      for (const auto& h : *history) got.insert(std::string(h.body.begin(), h.body.end()));
      EXPECT_EQ(got, std::multiset<std::string>(texts.begin(), texts.end()))
          << a.to_string() << " " << channel << " seed " << GetParam();
    }
  }
  for (const Address& a : {kUs, kIl, kSy, kSy2}) {
    EXPECT_TRUE(node(a).all<SecurityAlert>().empty()) << a.to_string();
    EXPECT_TRUE(node(a).all<PermissionDenied>().empty()) << a.to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ConvergenceTest, ::testing::Range(1, 21));

}  // namespace
}  // namespace parley::cells::test

namespace parley::cells::test {
namespace {

// The relay loses SY's copy of a commit. The first channel message under the new epoch
// makes SY hold it, ask the supervisor, apply the commit, then deliver the message.
TEST_F(CellsTest, DroppedCommitIsRecoveredThroughResync) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "sessions");
  disconnect(node(kSy));
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::CreateChannel{"ops", "Operations"}}, now).ok());
  run();
  relay.drop_mailbox(kSy);
  post(kIl, cell, "intel", "under epoch 3");
  connect(node(kSy));
  run();
  EXPECT_EQ(node(kSy).engine->charter(cell)->epoch(), 3u);
  const auto texts = node(kSy).texts("intel");
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "under epoch 3"), 1);
}

// A second device of the IL officer joins: it gets a welcome and the current key without a
// rekey, and reads what its own user's other device posts.
TEST_F(CellsTest, NewDeviceOfAUserJoinsAndReadsItsOwnUsersPosts) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "first");
  const Address il2{"il_officer", 2};
  add(il2);
  run();
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::AddDevice{il2, "IL", std::nullopt, node(il2).identity_public()}},
                                       now).ok());
  run();
  ASSERT_NE(node(il2).engine->charter(cell), nullptr);
  EXPECT_EQ(node(il2).engine->charter(cell)->epoch(), 3u);
  post(kIl, cell, "intel", "second");
  post(kSy, cell, "intel", "third");
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "intel"), 1u);  // adding a reader needs no rekey
  EXPECT_EQ(node(il2).texts("intel"), (std::vector<std::string>{"second", "third"}));
  const auto own = node(kIl).texts("intel");
  EXPECT_EQ(std::count(own.begin(), own.end(), "second"), 0);  // not echoed to its sender
}

}  // namespace
}  // namespace parley::cells::test

namespace parley::cells::test {
namespace {

// Periodic rotation: after N posts the poster moves to a new generation and distributes it
// again; readers keep reading without a gap.
TEST_F(CellsTest, SenderKeysRotateAfterTheConfiguredCount) {
  rotate_after_messages = 2;
  const CellId cell = make_seed_cell();
  for (const char* text : {"m1", "m2", "m3", "m4", "m5"}) post(kIl, cell, "intel", text);
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "intel"), 3u);
  EXPECT_EQ(node(kSy).texts("intel"), (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5"}));
  std::set<Bytes> tags;
  for (const auto& c : relay.captured()) {
    auto env = envelope::decode(c.payload);
    if (env.ok() && env->type == envelope::CipherType::sender_key)
      tags.insert(Bytes(env->key_tag->begin(), env->key_tag->end()));
  }
  EXPECT_EQ(tags.size(), 3u);  // one opaque tag per generation
}

}  // namespace
}  // namespace parley::cells::test
