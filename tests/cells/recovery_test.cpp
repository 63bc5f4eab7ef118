// SPDX-License-Identifier: GPL-3.0-or-later
// A relay that loses, duplicates and reorders: lost posts come back through the sender,
// lost keys are sent again, nothing reaches the application twice, and the recovery
// requests cannot be used to read what the charter does not allow.
#include <set>

#include "cells/codec.hpp"
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

TEST_F(CellsTest, LostChannelEnvelopeIsRecoveredAtTheSendersNextPost) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "two");
  EXPECT_EQ(count_text(node(kSy), "intel", "two"), 0u);  // lost on the way
  relay.copies = nullptr;
  post(kIl, cell, "intel", "three");
  for (const char* text : {"one", "two", "three"}) {
    EXPECT_EQ(count_text(node(kSy), "intel", text), 1u) << text;
    EXPECT_EQ(count_text(node(kSy2), "intel", text), 1u) << text;
  }
  auto history = node(kSy).engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  std::set<std::uint64_t> numbers;
  for (const auto& h : *history)
    if (h.sender == kIl) numbers.insert(h.post_number);
  EXPECT_EQ(numbers, (std::set<std::uint64_t>{1, 2, 3}));
}

TEST_F(CellsTest, LostKeyIsSentAgainAndTheHeldPostIsRead) {
  const CellId cell = make_seed_cell();
  post(kSy, cell, "intel", "sessions first");  // IL and SY have a pairwise session now
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;  // the key distribution
  };
  ASSERT_TRUE(node(kIl).engine->post(cell, "intel", "behind a lost key", now).ok());
  relay.copies = nullptr;
  run();
  EXPECT_EQ(count_text(node(kSy), "intel", "behind a lost key"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "behind a lost key"), 1u);
}

// The commercial delegate has no READ on intel: asking IL for its intel posts or for its
// intel key gets nothing, although the requests are well-formed and authenticated.
TEST_F(CellsTest, RecoveryRequestsFromANonReaderAreIgnored) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "commercial", "sessions");
  post(kIl, cell, "intel", "secret one");
  post(kIl, cell, "intel", "secret two");
  const std::size_t sent_before = relay.captured().size();
  send_control(kTrade, kIl, envelope::ContentKind::posts_request, encode(PostsRequest{cell, "intel", 1, 2}));
  auto tag = key_tag(cell, "intel", 1);
  ASSERT_TRUE(tag.ok());
  send_control(kTrade, kIl, envelope::ContentKind::key_request, encode(KeyRequest{*tag}));
  run();
  for (std::size_t i = sent_before; i < relay.captured().size(); ++i)
    EXPECT_NE(relay.captured()[i].sender, kIl) << "IL answered a non-reader";
  EXPECT_EQ(node(kTrade).texts("intel").size(), 0u);
  // A reader asking the same gets both posts again (and the app sees each once).
  send_control(kSy, kIl, envelope::ContentKind::posts_request, encode(PostsRequest{cell, "intel", 1, 2}));
  run();
  EXPECT_EQ(count_text(node(kSy), "intel", "secret one"), 1u);
  EXPECT_EQ(count_text(node(kSy), "intel", "secret two"), 1u);
}

// A removed device that kept its session and asks for posts made after its removal.
TEST_F(CellsTest, RecoveryRequestsFromARemovedMemberAreIgnored) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "commercial", "before");
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  run();
  post(kIl, cell, "commercial", "after removal");
  const std::size_t sent_before = relay.captured().size();
  send_control(kTrade, kIl, envelope::ContentKind::posts_request, encode(PostsRequest{cell, "commercial", 1, 9}));
  run();
  for (std::size_t i = sent_before; i < relay.captured().size(); ++i)
    EXPECT_NE(relay.captured()[i].sender, kIl) << "IL answered a removed member";
  EXPECT_EQ(count_text(node(kTrade), "commercial", "after removal"), 0u);
}

// The resend path obeys the POST rule like the sender-key path. IL loses POST on intel,
// then pushes a "resent" post under the new epoch to readers that did ask it for posts.
// An unsolicited resend (the supervisor never posted on intel) is not even looked at.
TEST_F(CellsTest, ResentPostNeedsPostAtItsEpoch) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "legit");
  charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
  intel.post = {charter::Grant::for_party("SY")};
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
  run();
  const auto* log = node(kIl).engine->charter(cell);
  ChannelMessage forged{cell, "intel", log->epoch(), log->head(), {}, now, ChannelMessageKind::text,
                        Bytes{'f', 'o', 'r', 'g', 'e', 'd'}, 2};
  forged.message_id.bytes.fill(0x5a);
  ChannelMessage unsolicited = forged;
  unsolicited.message_id.bytes.fill(0x5b);
  for (const Address& victim : {kSy, kSy2}) {
    send_control(kIl, victim, envelope::ContentKind::posts_resend, encode(PostsResend{cell, "intel", 2, {forged}, {}}));
    send_control(kUs, victim, envelope::ContentKind::posts_resend,
                 encode(PostsResend{cell, "intel", 2, {unsolicited}, {}}));
    run();
    EXPECT_EQ(count_text(node(victim), "intel", "forged"), 0u) << victim.to_string();
    auto denied = node(victim).all<PermissionDenied>();
    ASSERT_EQ(denied.size(), 1u) << victim.to_string();
    EXPECT_EQ(denied[0].sender, kIl);
    EXPECT_EQ(denied[0].error.code, Errc::cell_permission_denied);
  }
}

std::uint64_t cursor(const Node& n, const CellId& cell, std::string_view channel, const Address& poster) {
  auto next = n.store->cursor_get(ByteView(cell), channel, poster);
  EXPECT_TRUE(next.ok());
  return next.ok() && next->has_value() ? **next : 0;
}

std::vector<SecurityAlert> withheld_alerts(const Node& n) {
  std::vector<SecurityAlert> out;
  for (const auto& a : n.all<SecurityAlert>())
    if (a.error.code == Errc::cell_posts_withheld) out.push_back(a);
  return out;
}

// A poster that leaves a post out of its answer must show why: the epoch it was sent under,
// at which the asker could not read. IL (or a relay dropping IL's honest answers) claims SY's
// missing post was skipped: with no proof, and with an epoch at which SY did read intel. SY
// raises an alert, keeps its cursor before the post, and gets it at IL's next post.
TEST_F(CellsTest, APostLeftOutOfAResendWithoutProofIsAskedForAgain) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  const std::uint64_t epoch = node(kSy).engine->charter(cell)->epoch();
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "two");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;  // IL's honest answer
  };
  post(kIl, cell, "intel", "three");
  ASSERT_EQ(count_text(node(kSy), "intel", "two"), 0u);
  ASSERT_EQ(cursor(node(kSy), cell, "intel", kIl), 2u);

  send_control(kIl, kSy, envelope::ContentKind::posts_resend, encode(PostsResend{cell, "intel", 2, {}, {}}));
  run();
  EXPECT_EQ(cursor(node(kSy), cell, "intel", kIl), 2u) << "a bare through_post passed the post";
  send_control(kIl, kSy, envelope::ContentKind::posts_resend,
               encode(PostsResend{cell, "intel", 2, {}, {SkippedPost{2, epoch}}}));
  send_control(kIl, kSy, envelope::ContentKind::posts_resend,
               encode(PostsResend{cell, "intel", 2, {}, {SkippedPost{2, 1}}}));  // before IL's post 1
  run();
  EXPECT_EQ(cursor(node(kSy), cell, "intel", kIl), 2u) << "a false proof passed the post";
  const auto alerts = withheld_alerts(node(kSy));
  ASSERT_EQ(alerts.size(), 1u);  // once per post
  EXPECT_EQ(alerts[0].sender, kIl);
  EXPECT_NE(alerts[0].error.message.find("post 2 on intel"), std::string::npos) << alerts[0].error.message;

  relay.copies = nullptr;
  post(kIl, cell, "intel", "four");
  for (const char* text : {"one", "two", "three", "four"}) EXPECT_EQ(count_text(node(kSy), "intel", text), 1u) << text;
  EXPECT_EQ(cursor(node(kSy), cell, "intel", kIl), 5u);
  EXPECT_TRUE(withheld_alerts(node(kSy2)).empty());
}

// The honest skip: the SY analyst loses READ on intel, IL posts, the analyst reads again. At
// IL's next post the analyst asks for the post in between; IL skips it with its epoch, the
// analyst checks it could not read then, and passes it without an alert or the text.
TEST_F(CellsTest, APostTheAskerCouldNotReadIsSkippedWithItsEpoch) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
  const charter::ChannelPolicy open = intel;
  intel.read = {charter::Grant::for_party("US"), charter::Grant::for_user("sy_officer"),
                charter::Grant::for_user("il_officer")};
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
  run();
  post(kIl, cell, "intel", "not for the analyst");
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", open}}, now).ok());
  run();
  post(kIl, cell, "intel", "three");
  EXPECT_EQ(count_text(node(kSy2), "intel", "three"), 1u);
  EXPECT_EQ(count_text(node(kSy2), "intel", "not for the analyst"), 0u);
  EXPECT_EQ(count_text(node(kSy), "intel", "not for the analyst"), 1u);
  EXPECT_EQ(cursor(node(kSy2), cell, "intel", kIl), 4u);
  EXPECT_TRUE(withheld_alerts(node(kSy2)).empty());
}

// One lost envelope, then a burst of posts behind it while the answer is on its way: the
// reader asks once, not once per post (each answer resends up to 32 posts).
TEST_F(CellsTest, PostsBehindAnOpenGapDoNotAskAgain) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "two");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;  // answers
  };
  const std::size_t before = relay.captured().size();
  for (int i = 0; i < 20; ++i) post(kIl, cell, "intel", "behind the gap " + std::to_string(i));
  std::size_t requests = 0;
  for (std::size_t i = before; i < relay.captured().size(); ++i) {
    const auto& sent = relay.captured()[i];
    if (sent.sender == kSy && !is_channel_envelope(sent.payload)) ++requests;
  }
  EXPECT_EQ(requests, 1u);
  relay.copies = nullptr;
  tick(now + 6000);  // the recovery timer asks again
  EXPECT_EQ(count_text(node(kSy), "intel", "two"), 1u);
}

// The answer to a request for a lost post is lost too: the recovery timer asks again after
// recovery_retry_ms, without waiting for the poster's next post.
TEST_F(CellsTest, AnUnansweredRequestForLostPostsIsAskedAgainByTheTimer) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "one");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "two");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;  // the answer
  };
  post(kIl, cell, "intel", "three");
  relay.copies = nullptr;
  ASSERT_EQ(count_text(node(kSy), "intel", "two"), 0u);
  tick(now + 4000);
  EXPECT_EQ(count_text(node(kSy), "intel", "two"), 0u) << "asked again before recovery_retry_ms";
  tick(now + 2000);
  EXPECT_EQ(count_text(node(kSy), "intel", "two"), 1u);
  EXPECT_EQ(cursor(node(kSy), cell, "intel", kIl), 4u);
}

// The key of a held envelope and the answer to its KeyRequest are both lost: the recovery
// timer asks for the key again, and the post is read with no new traffic from its sender.
TEST_F(CellsTest, AHeldEnvelopesKeyIsAskedForAgainByTheTimer) {
  const CellId cell = make_seed_cell();
  post(kSy, cell, "intel", "sessions first");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "behind a lost key");
  relay.copies = nullptr;
  ASSERT_EQ(count_text(node(kSy), "intel", "behind a lost key"), 0u);
  ASSERT_TRUE(node(kSy).store->held_oldest()->has_value());
  tick(now + 6000);
  EXPECT_EQ(count_text(node(kSy), "intel", "behind a lost key"), 1u);
  EXPECT_FALSE(node(kSy).store->held_oldest()->has_value());
}

// A key that never comes: past held_expiry_ms the envelope is dropped and the app told.
TEST_F(CellsTest, AnEnvelopeHeldPastItsExpiryIsDroppedWithAnEvent) {
  const CellId cell = make_seed_cell();
  post(kSy, cell, "intel", "sessions first");
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && !is_channel_envelope(payload) ? 0 : 1;
  };
  post(kIl, cell, "intel", "never readable here");
  const TimeMs expiry = engine::EngineOptions{}.held_expiry_ms;
  tick(now + expiry - 60'000);
  EXPECT_TRUE(node(kSy).store->held_oldest()->has_value()) << "dropped before its expiry";
  tick(now + 120'000);
  EXPECT_FALSE(node(kSy).store->held_oldest()->has_value());
  std::size_t timeouts = 0;
  for (const auto& failed : node(kSy).all<DecryptFailed>())
    if (failed.sender == kIl && failed.error.code == Errc::timeout) ++timeouts;
  EXPECT_EQ(timeouts, 1u);
  EXPECT_EQ(count_text(node(kSy), "intel", "never readable here"), 0u);
}

// Over many seeds the relay loses about one envelope in six (channel posts, keys, commits,
// recovery traffic), duplicates one in ten and reorders everything; then it behaves, each
// poster posts once more, and every device ends with the same charter and exactly the
// posted messages, each reported once.
class LossyRelayTest : public CellsTest, public ::testing::WithParamInterface<int> {};

TEST_P(LossyRelayTest, EveryPostArrivesExactlyOnce) {
  rng.seed(static_cast<std::uint64_t>(GetParam()));
  const CellId cell = make_seed_cell();
  post(kIl, cell, "diplomatic", "sessions");
  post(kSy, cell, "diplomatic", "sessions too");
  post(kSy2, cell, "diplomatic", "and mine");
  std::mt19937_64 fate(static_cast<std::uint64_t>(GetParam()) * 7919);
  relay.copies = [&fate](const Address&, const Address&, ByteView) {
    const auto roll = fate() % 60;
    return roll < 10 ? 0 : roll < 16 ? 2 : 1;
  };
  shuffle = true;
  std::map<std::string, std::multiset<std::string>> posted{
      {"intel", {}}, {"diplomatic", {"sessions", "sessions too", "and mine"}}, {"commercial", {}}};
  auto say = [&](const Address& from, const char* channel, std::string text) {
    ASSERT_TRUE(node(from).engine->post(cell, channel, text, now).ok());
    posted[channel].insert(std::move(text));
  };
  for (int round = 0; round < 4; ++round) {
    say(kIl, "intel", "il-i" + std::to_string(round));
    say(kSy, "intel", "sy-i" + std::to_string(round));
    say(kSy2, "diplomatic", "sy2-d" + std::to_string(round));
    say(kIl, "commercial", "il-c" + std::to_string(round));
    if (round == 1) {
      ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::CreateChannel{"ops", "Ops"}}, now).ok());
    }
    run();
  }
  relay.copies = nullptr;
  now += 60'000;  // past every recovery throttle
  say(kIl, "intel", "il-flush");
  say(kSy, "intel", "sy-flush");
  say(kSy2, "diplomatic", "sy2-flush");
  say(kIl, "commercial", "il-flush-c");
  run();

  const auto digest = *node(kUs).engine->charter(cell)->state().digest();
  for (const Address& a : {kUs, kIl, kSy, kSy2}) {
    EXPECT_EQ(*node(a).engine->charter(cell)->state().digest(), digest) << a.to_string() << " seed " << GetParam();
    std::set<std::pair<Address, MessageId>> reported;
    for (const auto& m : node(a).all<ChannelMessageReceived>())
      EXPECT_TRUE(reported.insert({m.sender, m.id}).second) << a.to_string() << " got a post twice";
    for (const auto& [channel, texts] : posted) {
      auto history = node(a).engine->history(cell, channel);
      ASSERT_TRUE(history.ok());
      std::multiset<std::string> got;
      for (const auto& h : *history) got.insert(std::string(h.body.begin(), h.body.end()));
      EXPECT_EQ(got, texts) << a.to_string() << " " << channel << " seed " << GetParam();
    }
    EXPECT_TRUE(node(a).all<SecurityAlert>().empty()) << a.to_string();
    EXPECT_TRUE(node(a).all<PermissionDenied>().empty()) << a.to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, LossyRelayTest, ::testing::Range(1, 13));

}  // namespace
}  // namespace parley::cells::test
