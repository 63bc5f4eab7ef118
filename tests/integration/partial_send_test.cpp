// SPDX-License-Identifier: GPL-3.0-or-later
// One reader device that cannot take a channel post (never registered at the relay, or its
// mailbox is full) does not block the channel: over the real relay, the other readers get
// the post and the poster gets SendFailed for that device only, once, and MessageSent.
#include <gtest/gtest.h>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"

namespace parley::test {
namespace {

bool wait_text(TestDevice& d, const std::string& channel, const std::string& text) {
  return d.wait_for([&](const std::vector<Event>& events) {
    for (const auto& e : events)
      if (auto* m = std::get_if<ChannelMessageReceived>(&e); m && m->channel == channel && m->text == text) return true;
    return false;
  });
}

bool wait_epoch(TestDevice& d, std::uint64_t epoch) {
  return d.wait_for([&](const std::vector<Event>& events) {
    for (const auto& e : events)
      if (auto* c = std::get_if<CharterChanged>(&e); c && c->epoch >= epoch) return true;
    return false;
  });
}

bool wait_sent(TestDevice& d, const MessageId& id) {
  return d.wait_for([&](const std::vector<Event>& events) {
    for (const auto& e : events)
      if (auto* s = std::get_if<MessageSent>(&e); s && s->id == id) return true;
    return false;
  });
}

std::vector<SendFailed> failures_of(TestDevice& d, const MessageId& id) {
  std::vector<SendFailed> out;
  for (const auto& f : d.events_of<SendFailed>())
    if (f.id == id) out.push_back(f);
  return out;
}

std::size_t sent_count(TestDevice& d, const MessageId& id) {
  std::size_t n = 0;
  for (const auto& s : d.events_of<MessageSent>()) n += s.id == id;
  return n;
}

ChannelPolicySpec intel_policy() {
  ChannelPolicySpec intel;
  intel.read = {CellGrant::party("US"), CellGrant::party("SY"), CellGrant::user("il_officer")};
  intel.post = {CellGrant::party("IL")};
  return intel;
}

// The supervisor names a SY device in the charter that never connects. IL's posts on intel
// still reach US and SY; each is reported failed for the ghost alone.
TEST(PartialSend, ReaderThatNeverRegisteredDoesNotBlockTheChannel) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"));
  relay.start();
  TestDevice us(dir, {"us_sup", 1}, relay.port());
  TestDevice il(dir, {"il_officer", 1}, relay.port());
  TestDevice sy(dir, {"sy_officer", 1}, relay.port());
  TestDevice ghost(dir, {"sy_ghost", 1}, relay.port());  // has keys, never started
  for (TestDevice* d : {&us, &il, &sy}) {
    d->start();
    ASSERT_TRUE(d->wait_connected());
  }
  il.anchor_supervisor(us);
  sy.anchor_supervisor(us);
  ghost.anchor_supervisor(us);
  CellTemplate cell_template;
  cell_template.members = {{il.address(), "IL", CellRole::member, *il.client().identity_key()},
                           {sy.address(), "SY", CellRole::member, *sy.client().identity_key()},
                           {ghost.address(), "SY", CellRole::member, *ghost.client().identity_key()}};
  auto cell = us.client().create_cell(cell_template);
  ASSERT_TRUE(cell.ok()) << cell.error().to_string();
  ASSERT_TRUE(us.client().set_channel_policy(*cell, "intel", intel_policy()).ok());
  for (TestDevice* d : {&il, &sy}) ASSERT_TRUE(wait_epoch(*d, 2)) << d->address().to_string();

  for (const std::string text : {"first post", "second post"}) {
    auto id = il.client().post(*cell, "intel", text);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ASSERT_TRUE(wait_text(sy, "intel", text)) << text;
    ASSERT_TRUE(wait_text(us, "intel", text)) << text;
    ASSERT_TRUE(wait_sent(il, *id)) << text;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // room for a stray second report
    auto failed = failures_of(il, *id);
    ASSERT_EQ(failed.size(), 1u) << text;
    EXPECT_EQ(failed[0].recipient, ghost.address());
    EXPECT_EQ(failed[0].error.code, Errc::unknown_device) << failed[0].error.to_string();
    EXPECT_EQ(sent_count(il, *id), 1u);
  }
  for (TestDevice* d : {&us, &il, &sy}) d->stop();
  relay.stop();
}

// A SY analyst goes offline and its mailbox fills up (--max-mailbox): the post that finds it
// full still reaches US and the SY officer and is reported failed for the analyst alone.
TEST(PartialSend, FullMailboxRefusesOnlyThatReader) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"), {"--max-mailbox", "8"});
  relay.start();
  TestDevice us(dir, {"us_sup", 1}, relay.port());
  TestDevice il(dir, {"il_officer", 1}, relay.port());
  TestDevice sy(dir, {"sy_officer", 1}, relay.port());
  TestDevice analyst(dir, {"sy_analyst", 1}, relay.port());
  for (TestDevice* d : {&us, &il, &sy, &analyst}) {
    d->start();
    ASSERT_TRUE(d->wait_connected());
  }
  il.anchor_supervisor(us);
  sy.anchor_supervisor(us);
  analyst.anchor_supervisor(us);
  CellTemplate cell_template;
  cell_template.members = {{il.address(), "IL", CellRole::member, *il.client().identity_key()},
                           {sy.address(), "SY", CellRole::member, *sy.client().identity_key()},
                           {analyst.address(), "SY", CellRole::member, *analyst.client().identity_key()}};
  auto cell = us.client().create_cell(cell_template);
  ASSERT_TRUE(cell.ok()) << cell.error().to_string();
  ASSERT_TRUE(us.client().set_channel_policy(*cell, "intel", intel_policy()).ok());
  for (TestDevice* d : {&il, &sy, &analyst}) ASSERT_TRUE(wait_epoch(*d, 2)) << d->address().to_string();
  auto warmup = il.client().post(*cell, "intel", "keys go out");
  ASSERT_TRUE(warmup.ok());
  ASSERT_TRUE(wait_text(analyst, "intel", "keys go out"));
  ASSERT_TRUE(wait_sent(il, *warmup));
  analyst.stop();

  std::optional<MessageId> refused;
  std::string refused_text;
  for (int i = 0; i < 12 && !refused; ++i) {
    const std::string text = "post " + std::to_string(i);
    auto id = il.client().post(*cell, "intel", text);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    ASSERT_TRUE(wait_sent(il, *id)) << text;
    ASSERT_TRUE(wait_text(sy, "intel", text)) << text;
    ASSERT_TRUE(wait_text(us, "intel", text)) << text;
    auto failed = failures_of(il, *id);
    if (failed.empty()) continue;
    ASSERT_EQ(failed.size(), 1u) << text;
    EXPECT_EQ(failed[0].recipient, analyst.address());
    EXPECT_EQ(failed[0].error.code, Errc::mailbox_full) << failed[0].error.to_string();
    EXPECT_EQ(sent_count(il, *id), 1u);
    refused = *id;
    refused_text = text;
  }
  ASSERT_TRUE(refused) << "the analyst's mailbox never filled up";
  // Only the analyst was ever refused.
  for (const auto& f : il.events_of<SendFailed>()) EXPECT_EQ(f.recipient, analyst.address()) << f.error.to_string();
  for (TestDevice* d : {&us, &il, &sy}) d->stop();
  relay.stop();
}

}  // namespace
}  // namespace parley::test
