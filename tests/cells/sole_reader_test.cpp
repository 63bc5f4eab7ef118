// SPDX-License-Identifier: GPL-3.0-or-later
// Posts on a channel that no other device reads, and when a post counts as sent while its
// key is still on its way to some readers.
#include "cells/codec.hpp"
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

class SoleReaderTest : public CellsTest {
 protected:
  // "notes": only the IL officer reads and posts.
  void make_notes_channel(const CellId& cell) {
    charter::ChannelPolicy notes;
    notes.read = {charter::Grant::for_user("il_officer")};
    notes.post = {charter::Grant::for_user("il_officer")};
    auto committed = node(kUs).engine->commit(
        cell, {charter::CreateChannel{"notes", "Notes"}, charter::SetChannelPolicy{"notes", notes}}, now);
    ASSERT_TRUE(committed.ok()) << committed.error().to_string();
    run();
  }

  std::vector<std::string> history_texts(const Address& a, const CellId& cell, std::string_view channel) {
    std::vector<std::string> out;
    auto history = node(a).engine->history(cell, channel);
    EXPECT_TRUE(history.ok());
    if (history.ok())
      for (const auto& r : *history) out.emplace_back(r.body.begin(), r.body.end());
    return out;
  }

  std::size_t channel_envelopes_from(const Address& sender) const {
    std::size_t n = 0;
    for (const auto& c : relay.captured()) {
      auto env = envelope::decode(c.payload);
      if (env.ok() && env->type == envelope::CipherType::sender_key && c.sender == sender) ++n;
    }
    return n;
  }
};

TEST_F(SoleReaderTest, PostWhereThePosterIsTheOnlyReaderIsRecorded) {
  const CellId cell = make_seed_cell();
  make_notes_channel(cell);
  ASSERT_EQ(charter::readers(node(kIl).engine->charter(cell)->state(), "notes"), std::vector<Address>{kIl});

  auto id = node(kIl).engine->post(cell, "notes", "note to self", now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  EXPECT_EQ(history_texts(kIl, cell, "notes"), std::vector<std::string>{"note to self"});
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "notes"), 1u);
  EXPECT_EQ(channel_envelopes_from(kIl), 0u);  // nobody to upload it for
  // Nothing to wait for at the relay: the post counts as sent at once.
  auto sent = node(kIl).all<MessageSent>();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].id, *id);
  EXPECT_EQ(sent[0].recipient, kIl);
  EXPECT_TRUE(node(kIl).all<SendFailed>().empty());

  // A second one goes under the same key.
  ASSERT_TRUE(node(kIl).engine->post(cell, "notes", "second note", now).ok());
  run();
  EXPECT_EQ(history_texts(kIl, cell, "notes"), (std::vector<std::string>{"note to self", "second note"}));
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "notes"), 1u);
}

TEST_F(SoleReaderTest, ReadersAddedLaterGetTheKeyAndOnlyWhatFollows) {
  const CellId cell = make_seed_cell();
  make_notes_channel(cell);
  post(kIl, cell, "notes", "private");
  restart(node(kIl));  // the key survives in the store
  run();
  post(kIl, cell, "notes", "still private");

  charter::ChannelPolicy wider;
  wider.read = {charter::Grant::for_user("il_officer"), charter::Grant::for_party("SY")};
  wider.post = {charter::Grant::for_user("il_officer")};
  ASSERT_TRUE(node(kUs).engine->commit(cell, {charter::SetChannelPolicy{"notes", wider}}, now).ok());
  run();
  post(kIl, cell, "notes", "shared");

  // Adding readers needs no new key; they get the current one and read from here on, and do
  // not ask for the posts before it (those were never meant for them).
  EXPECT_EQ(*node(kIl).engine->send_generation(cell, "notes"), 1u);
  for (const Address& a : {kSy, kSy2}) {
    EXPECT_EQ(node(a).texts("notes"), std::vector<std::string>{"shared"}) << a.to_string();
    EXPECT_TRUE(node(a).all<DecryptFailed>().empty()) << a.to_string();
  }
  EXPECT_TRUE(node(kUs).texts("notes").empty());
  EXPECT_EQ(history_texts(kIl, cell, "notes"), (std::vector<std::string>{"private", "still private", "shared"}));
  EXPECT_EQ(channel_envelopes_from(kIl), 1u);
  // Replaying everything to the new readers yields nothing of the earlier posts.
  replay_everything_to(kSy);
  EXPECT_EQ(node(kSy).texts("notes"), std::vector<std::string>{"shared"});
}

// IL has never talked to the SY devices: its first intel post distributes the key to them
// only once their prekey bundles have arrived. The post is reported sent only once the relay
// holds those distributions too, not merely the channel envelope.
TEST_F(SoleReaderTest, PostIsSentOnlyOnceEveryReaderKeyDistributionIsAtTheRelay) {
  const CellId cell = make_seed_cell();
  Node& il = node(kIl);
  auto id = il.engine->post(cell, "intel", "first contact", now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();

  // Drive IL alone, one relay frame at a time, and look at the relay when MessageSent comes.
  auto pairwise_from_il_to = [&](const Address& to) {
    for (const auto& c : relay.captured()) {
      auto env = envelope::decode(c.payload);
      if (env.ok() && env->type != envelope::CipherType::sender_key && c.sender == kIl &&
          std::find(c.recipients.begin(), c.recipients.end(), to) != c.recipients.end())
        return true;
    }
    return false;
  };
  bool checked = false;
  for (int guard = 0; guard < 100 && !checked; ++guard) {
    while (auto out = il.engine->poll_transmit()) relay.handle(il.connection, *out, inbox);
    auto& q = inbox[il.connection];
    if (q.empty()) break;
    Bytes frame = std::move(q.front());
    q.pop_front();
    ASSERT_TRUE(il.engine->on_frame(frame, now).ok());
    while (auto e = il.engine->poll_event()) {
      if (auto* s = std::get_if<MessageSent>(&*e); s && s->id == *id) {
        for (const Address& reader : {kUs, kSy, kSy2}) EXPECT_TRUE(pairwise_from_il_to(reader)) << reader.to_string();
        checked = true;
      }
      il.events.push_back(std::move(*e));
    }
  }
  EXPECT_TRUE(checked) << "no MessageSent for the post";
  run();
  for (const Address& a : {kUs, kSy, kSy2})
    EXPECT_EQ(node(a).texts("intel"), std::vector<std::string>{"first contact"}) << a.to_string();
  std::size_t sent_for_post = 0;
  for (const auto& s : il.all<MessageSent>()) sent_for_post += s.id == *id;
  EXPECT_EQ(sent_for_post, 1u);
}

// The wait is memory only: a restart before anything left still delivers the post and its
// keys to every reader, and the post is reported sent once, on its own SendAck.
TEST_F(SoleReaderTest, RestartBeforeTheKeysLeftStillDeliversEverything) {
  const CellId cell = make_seed_cell();
  auto id = node(kIl).engine->post(cell, "intel", "across a restart", now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  restart(node(kIl));  // nothing was handed to the relay: outbox and pending are in the store
  run();
  for (const Address& a : {kUs, kSy, kSy2})
    EXPECT_EQ(node(a).texts("intel"), std::vector<std::string>{"across a restart"}) << a.to_string();
  std::size_t sent_for_post = 0;
  for (const auto& s : node(kIl).all<MessageSent>()) sent_for_post += s.id == *id;
  EXPECT_EQ(sent_for_post, 1u);
  EXPECT_TRUE(node(kIl).all<SendFailed>().empty());
}

// A reader whose key cannot be delivered (its device never registered at the relay) is
// reported against the post, which still counts as sent for the others.
TEST_F(SoleReaderTest, UndeliverableKeyIsReportedAgainstThePost) {
  for (const Address& a : {kUs, kIl}) add(a);
  run();
  const Address ghost{"sy_ghost", 1};
  const Bytes ghost_key = [&] {
    // A real identity whose device never connects to the relay.
    auto opened = store::DeviceStore::open(dir.file("ghost"), StoreKey::passphrase("k"));
    EXPECT_TRUE(opened.ok());
    EXPECT_TRUE(pairwise::create_device_identity(**opened, ghost, 5, now).ok());
    return (*(*opened)->local_identity())->identity_public;
  }();
  charter::SeedCellOptions options;
  options.members = {{kIl, "IL", charter::Role::member, node(kIl).identity_public()},
                     {ghost, "SY", charter::Role::member, ghost_key}};
  auto cell = node(kUs).engine->create_cell(options, now);
  ASSERT_TRUE(cell.ok()) << cell.error().to_string();
  run();
  charter::ChannelPolicy intel;
  intel.read = {charter::Grant::for_party("US"), charter::Grant::for_party("SY"),
                charter::Grant::for_user("il_officer")};
  intel.post = {charter::Grant::for_party("IL")};
  ASSERT_TRUE(node(kUs).engine->commit(*cell, {charter::SetChannelPolicy{"intel", intel}}, now).ok());
  run();
  node(kIl).events.clear();

  auto id = node(kIl).engine->post(*cell, "intel", "to all readers", now);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  run();
  EXPECT_EQ(node(kUs).texts("intel"), std::vector<std::string>{"to all readers"});
  auto failed = node(kIl).all<SendFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, *id);
  EXPECT_EQ(failed[0].recipient, ghost);
  EXPECT_EQ(failed[0].error.code, Errc::unknown_device);
  auto sent = node(kIl).all<MessageSent>();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].id, *id);
}

}  // namespace
}  // namespace parley::cells::test
