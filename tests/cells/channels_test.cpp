// SPDX-License-Identifier: GPL-3.0-or-later
// Cells end to end through the sans-IO engine: who can read, who can post, rekey on
// removal, and what a device does with commits and envelopes it should not trust.
#include "cells/codec.hpp"
#include "cells_fixture.hpp"
#include "pairwise/sender_keys.hpp"
#include "pairwise/sessions.hpp"

namespace parley::cells::test {
namespace {

TEST_F(CellsTest, ReadersReceiveAndTheDelegateNeverHoldsTheIntelKey) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "convoy moves at 0400");
  post(kTrade, cell, "commercial", "tender opens monday");

  for (const Address& a : {kUs, kSy, kSy2}) EXPECT_EQ(count_text(node(a), "intel", "convoy moves at 0400"), 1u) << a.to_string();
  EXPECT_TRUE(node(kTrade).texts("intel").empty());
  for (const Address& a : {kUs, kIl, kSy, kSy2}) EXPECT_EQ(count_text(node(a), "commercial", "tender opens monday"), 1u);

  // The delegate holds no key for intel under any generation the officer used...
  auto adapter = pairwise::SignalStoreAdapter::create(*node(kTrade).store);
  ASSERT_TRUE(adapter.ok());
  pairwise::SenderKeys keys(**adapter);
  for (std::uint32_t g = 1; g <= 3; ++g) {
    auto has = keys.has_key({group_id(cell, "intel", g), kIl});
    ASSERT_TRUE(has.ok());
    EXPECT_FALSE(*has);
  }
  // ...and every envelope the relay ever saw, handed to it, yields nothing on intel.
  replay_everything_to(kTrade);
  EXPECT_TRUE(node(kTrade).texts("intel").empty());
  auto history = node(kTrade).engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->empty());
  // The channel envelope was uploaded once, addressed to every other reader.
  std::size_t channel_sends = 0;
  for (const auto& c : relay.captured()) {
    auto env = envelope::decode(c.payload);
    ASSERT_TRUE(env.ok());
    if (env->type != envelope::CipherType::sender_key || c.sender != kIl) continue;
    ++channel_sends;
    std::vector<Address> expected{kSy2, kSy, kUs};
    std::sort(expected.begin(), expected.end());
    auto got = c.recipients;
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected);
  }
  EXPECT_EQ(channel_sends, 1u);
}

TEST_F(CellsTest, RemovedMemberReadsNothingSentAfterItsRemoval) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "before removal");
  post(kSy, cell, "diplomatic", "diplomatic before");
  EXPECT_EQ(count_text(node(kSy2), "intel", "before removal"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "diplomatic", "diplomatic before"), 1u);

  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kSy2}}, now).ok());
  run();
  post(kIl, cell, "intel", "after removal");
  post(kSy, cell, "diplomatic", "diplomatic after");
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "intel"), 2u);
  EXPECT_EQ(*node(kSy).engine->send_generation(cell, "diplomatic"), 2u);
  for (const Address& a : {kUs, kSy}) EXPECT_EQ(count_text(node(a), "intel", "after removal"), 1u);

  // The removed device keeps its store and gets every envelope the relay ever stored.
  replay_everything_to(kSy2);
  EXPECT_EQ(count_text(node(kSy2), "intel", "after removal"), 0u);
  EXPECT_EQ(count_text(node(kSy2), "diplomatic", "diplomatic after"), 0u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "before removal"), 1u);  // and no duplicate of the old one
  // The key of generation 2 never reached it.
  auto adapter = pairwise::SignalStoreAdapter::create(*node(kSy2).store);
  ASSERT_TRUE(adapter.ok());
  pairwise::SenderKeys keys(**adapter);
  EXPECT_FALSE(*keys.has_key({group_id(cell, "intel", 2), kIl}));
  EXPECT_TRUE(*keys.has_key({group_id(cell, "intel", 1), kIl}));
}

TEST_F(CellsTest, PostWithoutPostPermissionIsRefusedLocally) {
  const CellId cell = make_seed_cell();
  auto refused = node(kUs).engine->post(cell, "intel", "supervisor speaking", now);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::cell_permission_denied);
  auto delegate = node(kTrade).engine->post(cell, "intel", "hello", now);
  ASSERT_FALSE(delegate.ok());
  EXPECT_EQ(delegate.error().code, Errc::cell_permission_denied);
}

// The supervisor device reads intel but may not post there. It bypasses its own engine:
// makes its own sender key, sends the distribution itself over its real pairwise sessions,
// and uploads a well-formed channel message under the current epoch and head.
TEST_F(CellsTest, CraftedPostFromANonPosterIsRejectedByEveryReceiver) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "legit");  // sessions in both directions exist now
  Node& mallory = node(kUs);
  const auto* log = mallory.engine->charter(cell);
  ASSERT_NE(log, nullptr);
  auto adapter = pairwise::SignalStoreAdapter::create(*mallory.store);
  ASSERT_TRUE(adapter.ok());
  pairwise::SenderKeys keys(**adapter);
  pairwise::Sessions sessions(**adapter);
  const std::uint32_t generation = 1;
  const Bytes group = group_id(cell, "intel", generation);
  auto distribution = keys.own_distribution(group, kUs);
  ASSERT_TRUE(distribution.ok());
  const std::vector<Address> victims{kIl, kSy, kSy2};
  for (const Address& victim : victims) {
    envelope::Content content;
    content.message_id.bytes[0] = static_cast<std::uint8_t>(victim.user.size());
    content.message_id.bytes[1] = 0xee;
    content.kind = envelope::ContentKind::sender_key_distribution;
    content.body = encode(KeyDistribution{cell, "intel", generation, *distribution});
    auto sealed = sessions.encrypt(victim, envelope::encode(content));
    ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
    relay.inject(kUs, victim, envelope::encode(*sealed));
  }
  ChannelMessage message{cell, "intel", log->epoch(), log->head(), {}, now, ChannelMessageKind::text,
                         Bytes{'f', 'a', 'k', 'e'}};
  message.message_id.bytes.fill(0xab);
  auto ciphertext = keys.encrypt(group, kUs, encode(message));
  ASSERT_TRUE(ciphertext.ok());
  auto tag = key_tag(cell, "intel", generation);
  ASSERT_TRUE(tag.ok());
  const Bytes payload = envelope::encode(envelope::Envelope{envelope::CipherType::sender_key, *ciphertext, *tag});
  for (const Address& victim : victims) relay.inject(kUs, victim, payload);
  relay.push_all(inbox);
  run();
  for (const Address& victim : victims) {
    EXPECT_EQ(count_text(node(victim), "intel", "fake"), 0u) << victim.to_string();
    auto denied = node(victim).all<PermissionDenied>();
    ASSERT_EQ(denied.size(), 1u) << victim.to_string();
    EXPECT_EQ(denied[0].sender, kUs);
    EXPECT_EQ(denied[0].error.code, Errc::cell_permission_denied);
  }
}

TEST_F(CellsTest, ForgedCommitFromANonSupervisorIsRejected) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "sessions up");
  Node& il = node(kIl);
  const auto* log = il.engine->charter(cell);
  charter::Commit forged{cell, log->epoch() + 1, log->head(), kIl, now,
                         {charter::RemoveDevice{kSy2}}};
  auto identity = il.store->local_identity();
  auto signed_commit = charter::sign_commit(forged, (*identity)->identity_private);
  ASSERT_TRUE(signed_commit.ok());
  auto adapter = pairwise::SignalStoreAdapter::create(*il.store);
  pairwise::Sessions sessions(**adapter);
  envelope::Content content;
  content.message_id.bytes.fill(0x11);
  content.kind = envelope::ContentKind::charter_commit;
  content.body = charter::encode_signed_commit(*signed_commit);
  auto sealed = sessions.encrypt(kSy, envelope::encode(content));
  ASSERT_TRUE(sealed.ok());
  relay.inject(kIl, kSy, envelope::encode(*sealed));
  relay.push_all(inbox);
  run();
  EXPECT_EQ(node(kSy).engine->charter(cell)->epoch(), 2u);
  auto alerts = node(kSy).all<SecurityAlert>();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].error.code, Errc::charter_not_authorized);
  EXPECT_TRUE(node(kSy).engine->charter(cell)->state().devices.count(kSy2));
}

TEST_F(CellsTest, CommitsOutOfOrderAreBufferedThenApplied) {
  const CellId cell = make_seed_cell();
  disconnect(node(kSy));
  for (const char* name : {"alpha", "bravo", "charlie"})
    ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::CreateChannel{name, name}}, now).ok());
  run();
  EXPECT_EQ(node(kIl).engine->charter(cell)->epoch(), 5u);
  // SY comes back and takes its mailbox in reverse order.
  connect(node(kSy));
  Node& sy = node(kSy);
  // Authenticate first, then reverse what arrives.
  authenticate_only(sy);
  auto& q = inbox[sy.connection];
  std::reverse(q.begin(), q.end());
  run();
  EXPECT_EQ(sy.engine->charter(cell)->epoch(), 5u);
  EXPECT_EQ(*sy.engine->charter(cell)->state().digest(), *node(kUs).engine->charter(cell)->state().digest());
  EXPECT_TRUE(sy.all<SecurityAlert>().empty());
}

TEST_F(CellsTest, DuplicatedAndReplayedEnvelopesReachTheAppOnce) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  post(kSy, cell, "intel", "two");
  post(kIl, cell, "deescalation", "three");
  replay_everything_to(kSy2);
  replay_everything_to(kSy2);
  EXPECT_EQ(count_text(node(kSy2), "intel", "one"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "two"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "deescalation", "three"), 1u);
  auto history = node(kSy2).engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 2u);
  EXPECT_EQ(node(kSy2).all<CharterChanged>().size(), 2u);  // joined at 1, policy at 2; replays change nothing
}

TEST_F(CellsTest, RestartFromTheStoreKeepsCellsAndKeys) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "before restart");
  restart(node(kIl));
  restart(node(kSy));
  run();
  ASSERT_NE(node(kIl).engine->charter(cell), nullptr);
  EXPECT_EQ(node(kIl).engine->charter(cell)->epoch(), 2u);
  post(kIl, cell, "intel", "after restart");
  post(kSy, cell, "intel", "reply after restart");
  EXPECT_EQ(count_text(node(kSy), "intel", "after restart"), 1u);
  EXPECT_EQ(count_text(node(kIl), "intel", "reply after restart"), 1u);
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "intel"), 1u);  // no needless rekey
  auto history = node(kSy).engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 3u);
  // The supervisor, restarted, can still govern.
  restart(node(kUs));
  run();
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  run();
  EXPECT_EQ(node(kSy).engine->charter(cell)->epoch(), 3u);
}

}  // namespace
}  // namespace parley::cells::test
