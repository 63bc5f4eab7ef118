// SPDX-License-Identifier: GPL-3.0-or-later
// A channel post is one relay Send to every other reader. The relay stores it for the readers
// that can take it and names the others (unknown device, full mailbox): those readers, and
// only those, are reported with SendFailed, once each, and the post still counts as sent.
#include "cells_fixture.hpp"

namespace parley::cells::test {
namespace {

class PartialSendTest : public CellsTest {
 protected:
  void SetUp() override { relay.refuse_unknown = true; }

  // US supervises; IL posts; SY is `ghost_`, a device named in the charter that never
  // connects to the relay. "intel" is read by US, SY (the ghost) and IL; "quiet" only by IL
  // and the ghost.
  CellId make_cell_with_ghost() {
    for (const Address& a : {kUs, kIl}) add(a);
    run();
    auto opened = store::DeviceStore::open(dir.file("ghost"), StoreKey::passphrase("k"));
    EXPECT_TRUE(opened.ok());
    EXPECT_TRUE(pairwise::create_device_identity(**opened, ghost_, 5, now).ok());
    const Bytes ghost_key = (*(*opened)->local_identity())->identity_public;
    charter::SeedCellOptions options;
    options.members = {{kIl, "IL", charter::Role::member, node(kIl).identity_public()},
                       {ghost_, "SY", charter::Role::member, ghost_key}};
    auto cell = node(kUs).engine->create_cell(options, now);
    EXPECT_TRUE(cell.ok()) << cell.error().to_string();
    run();
    charter::ChannelPolicy intel;
    intel.read = {charter::Grant::for_party("US"), charter::Grant::for_party("SY"),
                  charter::Grant::for_user("il_officer")};
    intel.post = {charter::Grant::for_party("IL")};
    charter::ChannelPolicy quiet;
    quiet.read = {charter::Grant::for_party("SY"), charter::Grant::for_user("il_officer")};
    quiet.post = {charter::Grant::for_party("IL")};
    auto committed = node(kUs).engine->commit(
        *cell,
        {charter::SetChannelPolicy{"intel", intel}, charter::CreateChannel{"quiet", "Quiet"},
         charter::SetChannelPolicy{"quiet", quiet}},
        now);
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
    run();
    node(kIl).events.clear();
    return *cell;
  }

  // Posts from IL and moves frames until idle; with `reversed`, IL takes the relay's answers
  // to that post (the post's own SendAck or Failure, its key distributions' bundle answers)
  // in reverse order, so a key failure can arrive before or after the post's answer.
  MessageId post_from_il(const CellId& cell, std::string_view channel, std::string_view text, bool reversed) {
    auto id = node(kIl).engine->post(cell, channel, text, now);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    if (!id.ok()) return {};
    Node& il = node(kIl);
    while (auto out = il.engine->poll_transmit()) relay.handle(il.connection, *out, inbox);
    auto& queue = inbox[il.connection];
    if (reversed) std::reverse(queue.begin(), queue.end());
    run();
    return *id;
  }

  std::vector<SendFailed> failed_for(const Address& a, const MessageId& id) {
    std::vector<SendFailed> out;
    for (const auto& f : node(a).all<SendFailed>())
      if (f.id == id) out.push_back(f);
    return out;
  }
  std::vector<MessageSent> sent_for(const Address& a, const MessageId& id) {
    std::vector<MessageSent> out;
    for (const auto& s : node(a).all<MessageSent>())
      if (s.id == id) out.push_back(s);
    return out;
  }

  const Address ghost_{"sy_ghost", 1};
};

// The post's SendAck and the ghost's key failure in either order.
class PartialSendOrderTest : public PartialSendTest, public ::testing::WithParamInterface<bool> {};
INSTANTIATE_TEST_SUITE_P(Answers, PartialSendOrderTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Reversed" : "InOrder"; });

TEST_P(PartialSendOrderTest, UnregisteredReaderIsReportedOnceAndTheOthersGetThePost) {
  const bool reversed = GetParam();
  {
    const CellId cell = make_cell_with_ghost();
    // The first post also distributes the key to the ghost, which fails (no bundle) as well.
    for (const std::string text : {"first", "second"}) {
      const MessageId id = post_from_il(cell, "intel", text, reversed);
      auto failed = failed_for(kIl, id);
      ASSERT_EQ(failed.size(), 1u) << text;
      EXPECT_EQ(failed[0].recipient, ghost_);
      EXPECT_EQ(failed[0].error.code, Errc::unknown_device) << failed[0].error.to_string();
      auto sent = sent_for(kIl, id);
      ASSERT_EQ(sent.size(), 1u) << text;
      EXPECT_EQ(sent[0].recipient, kUs);
    }
    EXPECT_EQ(node(kUs).texts("intel"), (std::vector<std::string>{"first", "second"}));
    EXPECT_EQ(relay.mailbox_size(ghost_), 0u);
  }
}

TEST_P(PartialSendOrderTest, PostThatNoReaderCanTakeFailsForEachReaderOnce) {
  const bool reversed = GetParam();
  {
    const CellId cell = make_cell_with_ghost();
    const MessageId id = post_from_il(cell, "quiet", "nobody hears this", reversed);
    auto failed = failed_for(kIl, id);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].recipient, ghost_);
    EXPECT_EQ(failed[0].error.code, Errc::unknown_device);
    EXPECT_TRUE(sent_for(kIl, id).empty());
  }
}

TEST_F(PartialSendTest, FullMailboxRefusesOnlyThatReaderAndRecoveryFillsTheGapLater) {
  relay.refuse_unknown = false;
  const CellId cell = make_seed_cell();
  post(kIl, cell, "intel", "keys go out");  // every reader holds IL's key from here on
  node(kIl).events.clear();
  disconnect(node(kSy2));
  relay.max_mailbox = relay.mailbox_size(kSy2) + 1;

  const MessageId fits = post_from_il(cell, "intel", "fills the analyst's mailbox", false);
  const MessageId refused = post_from_il(cell, "intel", "analyst's mailbox is full", false);
  EXPECT_TRUE(failed_for(kIl, fits).empty());
  auto failed = failed_for(kIl, refused);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].recipient, kSy2);
  EXPECT_EQ(failed[0].error.code, Errc::mailbox_full) << failed[0].error.to_string();
  EXPECT_EQ(sent_for(kIl, fits).size(), 1u);
  EXPECT_EQ(sent_for(kIl, refused).size(), 1u);
  for (const Address& a : {kUs, kSy})
    EXPECT_EQ(node(a).texts("intel"),
              (std::vector<std::string>{"keys go out", "fills the analyst's mailbox", "analyst's mailbox is full"}))
        << a.to_string();

  // The analyst comes back and makes room; IL's next post shows it a gap, which it asks for.
  relay.max_mailbox = 0;
  connect(node(kSy2));
  run();
  post(kIl, cell, "intel", "after the gap");
  run();
  auto texts = node(kSy2).texts("intel");
  std::sort(texts.begin(), texts.end());
  EXPECT_EQ(texts, (std::vector<std::string>{"after the gap", "analyst's mailbox is full", "fills the analyst's mailbox",
                                             "keys go out"}));
  auto history = node(kSy2).engine->history(cell, "intel");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 4u) << "the refused post was recovered from the poster";
}

}  // namespace
}  // namespace parley::cells::test
