// SPDX-License-Identifier: GPL-3.0-or-later
// The trust rules of docs/protocol.md ("Identity", "Freshness", "Receiver time"), each tried
// the way a malicious relay, a hostile registered device or a replaced device would.
#include "cells_fixture.hpp"
#include "hotline/codec.hpp"
#include "hotline/incidents.hpp"

namespace parley::cells::test {
namespace {

const Address kMallory{"mallory", 1};

bool has_alert(const Node& n, Errc code, const Address& about) {
  for (const auto& a : n.all<SecurityAlert>())
    if (a.error.code == code && a.sender == about) return true;
  return false;
}

bool is_pairwise(ByteView payload) {
  auto env = envelope::decode(payload);
  return env && env->type != envelope::CipherType::sender_key;
}

class TrustTest : public CellsTest {
 protected:
  // A channel post under a sender key `holder`'s store makes for `as` (generation 1000),
  // its distribution sent over `holder`'s session with `to`, both delivered as from `as`.
  void forge_post_as(const Address& holder, const Address& as, const Address& to, ChannelMessage message) {
    auto adapter = pairwise::SignalStoreAdapter::create(*node(holder).store);
    ASSERT_TRUE(adapter.ok());
    pairwise::SenderKeys keys(**adapter);
    const Bytes group = cells::group_id(message.cell_id, message.channel, 1000);
    auto distribution = keys.own_distribution(group, as);
    ASSERT_TRUE(distribution.ok());
    send_control_as(holder, as, to, envelope::ContentKind::sender_key_distribution,
                    cells::encode(KeyDistribution{message.cell_id, message.channel, 1000, *distribution,
                                                  message.post_number}));
    auto ciphertext = keys.encrypt(group, as, cells::encode(message));
    ASSERT_TRUE(ciphertext.ok());
    auto tag = cells::key_tag(message.cell_id, message.channel, 1000);
    ASSERT_TRUE(tag.ok());
    relay.inject(as, to, envelope::encode(envelope::Envelope{envelope::CipherType::sender_key, *ciphertext, *tag}));
    relay.push_all(inbox);
    run();
  }

  ChannelMessage message_at(const CellId& cell, std::string_view channel, std::uint64_t epoch, std::string text) {
    const auto* log = node(kUs).engine->charter(cell);
    ChannelMessage m;
    m.cell_id = cell;
    m.channel = std::string(channel);
    m.epoch = epoch;
    m.head = *log->hash_at(epoch);
    for (auto& b : m.message_id.bytes) b = static_cast<std::uint8_t>(rng() & 0xff);
    m.sent_at = now;
    m.body.assign(text.begin(), text.end());
    m.post_number = 1;
    return m;
  }

  bool reads(const Node& n, std::string_view channel, std::string_view text) {
    const auto texts = n.texts(channel);
    return std::find(texts.begin(), texts.end(), text) != texts.end();
  }
};

// Issue 11, hole 1: a session that exists before the device holds the charter — planted by
// the relay under a member's address — is never used for cell traffic once the charter binds
// another key to that address, and nothing the impostor sends under it is accepted.
TEST_F(TrustTest, SessionPlantedUnderAMembersAddressBeforeTheWelcomeIsNeverUsed) {
  for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade, kMallory}) add(a);
  run();
  // Before any cell: mallory opens a session to the IL officer; the relay delivers it only
  // labelled as the SY officer's.
  relay.copies = [](const Address& from, const Address&, ByteView) { return from == kMallory ? 0 : 1; };
  ASSERT_TRUE(node(kMallory).engine->send_text(kIl, "hello, this is the SY officer", now).ok());
  run();
  relay.copies = nullptr;
  for (const auto& c : relay.captured())
    if (c.sender == kMallory) relay.inject(kSy, kIl, c.payload);
  relay.push_all(inbox);
  run();
  ASSERT_EQ(node(kIl).all<MessageReceived>().size(), 1u) << "the planted first message must have been taken";
  ASSERT_EQ(node(kIl).all<MessageReceived>().front().sender, kSy);
  const std::size_t before_cell = relay.captured().size();

  const CellId cell = make_seed_cell();
  EXPECT_TRUE(has_alert(node(kIl), Errc::untrusted_identity, kSy)) << "no alert named the planted session";

  post(kIl, cell, "intel", "for SY eyes only");
  EXPECT_TRUE(reads(node(kSy), "intel", "for SY eyes only"));

  // Nothing IL sent to the SY officer's address since the cell opens under mallory's keys.
  auto adapter = pairwise::SignalStoreAdapter::create(*node(kMallory).store);
  ASSERT_TRUE(adapter.ok());
  pairwise::Sessions mallory(**adapter);
  std::size_t tried = 0;
  for (std::size_t i = before_cell; i < relay.captured().size(); ++i) {
    const auto& c = relay.captured()[i];
    if (c.sender != kIl || !is_pairwise(c.payload)) continue;
    if (std::find(c.recipients.begin(), c.recipients.end(), kSy) == c.recipients.end()) continue;
    ++tried;
    EXPECT_FALSE(mallory.decrypt(kIl, *envelope::decode(c.payload)).ok()) << "mallory read IL's traffic to SY";
  }
  EXPECT_GT(tried, 0u);

  // Mallory, still holding her side of the planted session, posts as the SY officer.
  forge_post_as(kMallory, kSy, kIl, message_at(cell, "intel", 2, "forged by mallory"));
  EXPECT_FALSE(reads(node(kIl), "intel", "forged by mallory"));
}

// Issue 11, hole 3: an address removed and added again under a new key is a new device. The
// old one (still served everything for that address by the relay) reads nothing new, its
// posts are refused, and recovery never hands the new holder its predecessor's history.
TEST_F(TrustTest, AddressReaddedUnderANewKeyIsANewDevice) {
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "before the replacement");
  Node& old_device = node(kSy2);
  ASSERT_TRUE(reads(old_device, "intel", "before the replacement"));
  auto before_generation = node(kIl).engine->send_generation(cell, "intel");
  ASSERT_TRUE(before_generation.ok());

  // A new device takes the address; the old one stays connected (the relay serves both).
  std::unique_ptr<Node> replacement = make_node(kSy2, "sy_analyst-replacement");
  start(*replacement);
  run();
  auto committed = node(kUs).engine->commit(
      cell,
      {charter::RemoveDevice{kSy2},
       charter::AddDevice{kSy2, "SY", charter::Role::member, replacement->identity_public()}},
      now);
  ASSERT_TRUE(committed.ok()) << committed.error().to_string();
  run();
  ASSERT_NE(replacement->engine->charter(cell), nullptr) << "the replacement was not welcomed";

  post(kIl, cell, "intel", "after the replacement");
  EXPECT_TRUE(reads(*replacement, "intel", "after the replacement"));
  EXPECT_FALSE(reads(old_device, "intel", "after the replacement")) << "the replaced device still reads";
  auto after_generation = node(kIl).engine->send_generation(cell, "intel");
  ASSERT_TRUE(after_generation.ok());
  EXPECT_GT(*after_generation, *before_generation) << "IL kept the key the old device holds";

  // The old device posts as the analyst: nobody accepts it.
  (void)old_device.engine->post(cell, "intel", "from the replaced device", now);
  run();
  for (const Address& a : {kUs, kIl, kSy})
    EXPECT_FALSE(reads(node(a), "intel", "from the replaced device")) << a.to_string();

  // The new holder asks IL for IL's posts from the first: only what it could read is sent.
  auto adapter = pairwise::SignalStoreAdapter::create(*replacement->store);
  ASSERT_TRUE(adapter.ok());
  pairwise::Sessions sessions(**adapter);
  envelope::Content content;
  content.message_id.bytes.fill(0x42);
  content.sent_at = now;
  content.kind = envelope::ContentKind::posts_request;
  content.body = cells::encode(PostsRequest{cell, "intel", 1, 100});
  auto sealed = sessions.encrypt(kIl, envelope::encode(content));
  ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
  relay.inject(kSy2, kIl, envelope::encode(*sealed));
  relay.push_all(inbox);
  run();
  EXPECT_FALSE(reads(*replacement, "intel", "before the replacement"));
  auto history = replacement->engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  for (const auto& row : *history)
    EXPECT_NE(std::string(row.body.begin(), row.body.end()), "before the replacement");
}

// Issue 11, hole 4: a post naming an older epoch is judged by the stricter of then and now,
// and beyond the freshness window not at all.
TEST_F(TrustTest, PostNamingAStaleEpochIsRefused) {
  const CellId cell = make_seed_cell();  // epoch 2
  post(kSy, cell, "intel", "warm up");
  charter::ChannelPolicy intel = node(kUs).engine->charter(cell)->state().channels.at("intel").policy;
  intel.attested = true;
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
  run();  // epoch 3: intel is attested

  // Within the window, but unsigned on a channel that is attested now.
  craft_post(kSy, {kIl}, message_at(cell, "intel", 2, "unsigned, under the old epoch"));
  EXPECT_FALSE(reads(node(kIl), "intel", "unsigned, under the old epoch"));

  // Beyond the window: refused whatever the channel.
  tick(now + 6 * 60 * 1000);
  node(kIl).events.clear();
  ChannelMessage late = message_at(cell, "commercial", 2, "from a long-gone charter");
  late.post_number = 7;
  craft_post(kIl, {kSy}, late);
  EXPECT_FALSE(reads(node(kSy), "commercial", "from a long-gone charter"));
  bool stale = false;
  for (const auto& d : node(kSy).all<PermissionDenied>()) stale |= d.error.code == Errc::cell_epoch_stale;
  EXPECT_TRUE(stale);
}

// Issue 11, hole 4: a relay withholds the commit that removes a device from one poster. The
// poster hears of the newer epoch from a post it can read, stops sending on the cell, and
// says the relay is withholding commits; the removed device reads nothing it posts after.
TEST_F(TrustTest, WithheldRemovalCommitIsDetectedAndLeaksNothing) {
  const CellId cell = make_seed_cell();
  post(kSy, cell, "intel", "warm up");  // SY's intel key reaches IL (the delegate never reads intel)
  relay.copies = [](const Address&, const Address& to, ByteView payload) {
    return to == kIl && is_pairwise(payload) ? 0 : 1;  // IL gets no commit, no resync answer
  };
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::RemoveDevice{kTrade}}, now).ok());
  run();
  post(kSy, cell, "intel", "after the removal");  // names epoch 3, under a key IL holds
  EXPECT_FALSE(reads(node(kIl), "intel", "after the removal"));

  // IL's post waits for the charter it knows it lacks; nothing leaves under the old one.
  const std::size_t sent_before = relay.captured().size();
  auto queued = node(kIl).engine->post(cell, "commercial", "IL, unaware", now);
  ASSERT_TRUE(queued.ok()) << queued.error().to_string();
  run();
  for (std::size_t i = sent_before; i < relay.captured().size(); ++i)
    EXPECT_FALSE(relay.captured()[i].sender == kIl && !is_pairwise(relay.captured()[i].payload))
        << "IL posted under the charter it knows is outdated";
  tick(now + 31 * 1000);
  bool withheld = false;
  for (const auto& a : node(kIl).all<SecurityAlert>()) withheld |= a.error.code == Errc::cell_commits_withheld;
  EXPECT_TRUE(withheld) << "IL did not report the withheld commit";

  relay.copies = nullptr;  // the relay relents: IL catches up and reads what it held
  post(kSy, cell, "intel", "once more");
  EXPECT_EQ(node(kIl).engine->charter(cell)->epoch(), 3u);
  EXPECT_TRUE(reads(node(kIl), "intel", "after the removal"));
  EXPECT_TRUE(reads(node(kSy), "commercial", "IL, unaware")) << "the queued post was not sent after catching up";
  EXPECT_FALSE(reads(node(kTrade), "commercial", "IL, unaware")) << "the removed delegate read the queued post";
  bool sent = false;
  for (const auto& m : node(kIl).all<MessageSent>()) sent |= m.id == *queued;
  EXPECT_TRUE(sent);
}

// Issue 11, hole 5: the hotline's times are the receiver's. A sender whose clock says two
// hours ago does not make the other party instantly overdue.
TEST_F(TrustTest, BackdatedPostIsNotInstantlyOverdue) {
  const CellId cell = make_seed_cell();
  make_hotline_channel(cell);
  const TimeMs lie = now - 2 * 3600 * 1000;
  auto id = node(kIl).engine->post(cell, "hotline", "backdated", lie, Precedence::flash);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  tick(now + 1000);
  for (const Address& a : {kUs, kSy})
    for (const auto& o : node(a).all<MessageOverdue>()) EXPECT_NE(o.id, *id) << a.to_string() << " instantly overdue";
}

// A late party's acknowledgement stamped with a backdated clock still counts as late.
TEST_F(TrustTest, BackdatedAcknowledgementIsStillLate) {
  const CellId cell = make_seed_cell();
  make_hotline_channel(cell);
  auto id = node(kIl).engine->post(cell, "hotline", "acknowledge me", now);
  ASSERT_TRUE(id.ok());
  run();
  tick(now + 2 * 3600 * 1000);  // past the one-hour deadline
  const hotline::MessageRef target{kIl, *id};
  auto ack = node(kSy).engine->acknowledge(cell, "hotline", target, now - 3 * 3600 * 1000);
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  run();
  auto status = node(kIl).engine->ack_status(cell, "hotline", target, now);
  ASSERT_TRUE(status.count("SY"));
  EXPECT_EQ(status.at("SY"), AckState::late);
}

// Incident ids are bound to the opening message: another party cannot open (and so take
// over) an incident under an id it saw, however early its clock says it did.
TEST_F(TrustTest, IncidentCannotBeHijackedByABackdatedOpen) {
  const CellId cell = make_seed_cell();
  make_hotline_channel(cell);
  IncidentOpen open;
  open.respondent_party = "SY";
  open.title = "shots near the border";
  auto incident = node(kIl).engine->open_incident(cell, "hotline", open, Precedence::immediate, now);
  ASSERT_TRUE(incident.ok()) << incident.error().to_string();
  run();

  IncidentOpen hijack;
  hijack.respondent_party = "IL";
  hijack.title = "it was IL";
  ChannelMessage m = message_at(cell, "hotline", 3, "");
  m.kind = ChannelMessageKind::hotline;
  m.sent_at = now - 3600 * 1000;
  m.body = hotline::encode(hotline::Body{hotline::IncidentOperation{*incident, hijack}});
  craft_post(kSy, {kUs, kIl}, m);

  for (const Address& a : {kUs, kIl}) {
    auto incidents = node(a).engine->incidents(cell, "hotline");
    ASSERT_TRUE(incidents.ok());
    ASSERT_EQ(incidents->size(), 1u) << a.to_string();
    EXPECT_EQ(incidents->front().opened_by.sender, kIl) << a.to_string();
    EXPECT_EQ(incidents->front().respondent_party, "SY") << a.to_string();
  }
}

// Issue 11, hole 6: junk envelopes from a non-member cannot evict a member's held post.
TEST_F(TrustTest, JunkEnvelopesDoNotEvictAMembersHeldPost) {
  const CellId cell = make_seed_cell();
  add(kMallory);
  run();
  relay.copies = [](const Address& from, const Address& to, ByteView payload) {
    return from == kIl && to == kSy && is_pairwise(payload) ? 0 : 1;  // IL's key is late
  };
  post(kIl, cell, "intel", "held until its key comes");
  ASSERT_FALSE(reads(node(kSy), "intel", "held until its key comes"));
  relay.copies = nullptr;
  for (int i = 0; i < 1100; ++i) {
    envelope::Envelope junk{envelope::CipherType::sender_key, Bytes(64, static_cast<std::uint8_t>(i)),
                            envelope::KeyTag{}};
    for (auto& b : *junk.key_tag) b = static_cast<std::uint8_t>(rng() & 0xff);
    relay.inject(kMallory, kSy, envelope::encode(junk));
  }
  relay.push_all(inbox);
  run();
  tick(now + 10 * 1000);
  post(kIl, cell, "intel", "a second post asks for the key again");
  EXPECT_TRUE(reads(node(kSy), "intel", "held until its key comes"));
}

// Issue 11, item 4: two supervisor devices committing one epoch while partitioned converge on
// one branch (lowest hash wins) with no false equivocation alarm, and the losing author
// commits its operations again on the winner: nothing either of them decided is lost.
class SupervisorRaceTest : public TrustTest {
 protected:
  const Address kUs2{"us_sup", 2};

  CellId cell_with_two_supervisor_devices() {
    const CellId cell = make_seed_cell();
    add(kUs2);
    run();
    EXPECT_TRUE(node(kUs)
                    .engine->commit(cell, {charter::AddDevice{kUs2, "US", std::nullopt, node(kUs2).identity_public()}},
                                    now)
                    .ok());
    run();
    EXPECT_NE(node(kUs2).engine->charter(cell), nullptr);
    return cell;
  }

  // Both commit before either hears of the other's commit; then everything is delivered.
  void race(const CellId& cell, charter::Operation first, charter::Operation second) {
    ASSERT_TRUE(node(kUs).engine->commit(cell, {std::move(first)}, now).ok());
    ASSERT_TRUE(node(kUs2).engine->commit(cell, {std::move(second)}, now).ok());
    run();
  }

  void expect_one_branch(const CellId& cell, std::uint64_t epoch) {
    const auto head = node(kUs).engine->charter(cell)->state().head;
    for (const Address& a : {kUs, kUs2, kIl, kSy, kSy2, kTrade}) {
      const auto* log = node(a).engine->charter(cell);
      ASSERT_NE(log, nullptr) << a.to_string();
      EXPECT_EQ(log->epoch(), epoch) << a.to_string();
      EXPECT_EQ(log->state().head, head) << a.to_string() << " is on another branch";
      for (const auto& alert : node(a).all<SecurityAlert>())
        EXPECT_NE(alert.error.code, Errc::cell_equivocation) << a.to_string();
    }
  }

  std::size_t out_of_order_alerts() {
    std::size_t told = 0;
    for (const Address& a : {kUs, kUs2})
      for (const auto& alert : node(a).all<SecurityAlert>()) told += alert.error.code == Errc::charter_out_of_order;
    return told;
  }
};

TEST_F(SupervisorRaceTest, DifferentChangesBothLandAndEveryDeviceConverges) {
  const CellId cell = cell_with_two_supervisor_devices();
  const std::uint64_t epoch = node(kUs).engine->charter(cell)->epoch() + 1;
  race(cell, charter::CreateChannel{"east", "East"}, charter::CreateChannel{"west", "West"});
  // The loser's change was committed again on the winner: one epoch more, both channels.
  expect_one_branch(cell, epoch + 1);
  for (const Address& a : {kUs, kIl, kSy}) {
    const auto& channels = node(a).engine->charter(cell)->state().channels;
    EXPECT_TRUE(channels.count("east") && channels.count("west")) << a.to_string() << " lost a supervisor's change";
  }
  EXPECT_EQ(out_of_order_alerts(), 0u);
  post(kIl, cell, "intel", "after the race");
  EXPECT_TRUE(reads(node(kSy), "intel", "after the race"));
}

TEST_F(SupervisorRaceTest, TheSameChangeTwiceIsCommittedOnce) {
  const CellId cell = cell_with_two_supervisor_devices();
  const std::uint64_t epoch = node(kUs).engine->charter(cell)->epoch() + 1;
  race(cell, charter::CreateChannel{"south", "South"}, charter::CreateChannel{"south", "South"});
  expect_one_branch(cell, epoch);
  EXPECT_EQ(out_of_order_alerts(), 0u);
}

TEST_F(SupervisorRaceTest, AConflictingChangeIsReportedToItsAuthorOnly) {
  const CellId cell = cell_with_two_supervisor_devices();
  const std::uint64_t epoch = node(kUs).engine->charter(cell)->epoch() + 1;
  race(cell, charter::CreateChannel{"north", "North"}, charter::CreateChannel{"north", "Northern"});
  expect_one_branch(cell, epoch);
  EXPECT_EQ(out_of_order_alerts(), 1u) << "exactly the losing author is told its change did not land";
}

}  // namespace
}  // namespace parley::cells::test
