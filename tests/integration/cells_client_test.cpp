// SPDX-License-Identifier: GPL-3.0-or-later
// The cell API of parley::Client against the real relay: the seeds' cell, a delegate that
// cannot read intel, a removal with rekey, and a relay whose storage holds no cell, channel
// or message text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"

namespace parley::test {
namespace {

std::size_t channel_count(TestDevice& d, const std::string& channel, const std::string& text) {
  std::size_t n = 0;
  for (const auto& m : d.events_of<ChannelMessageReceived>()) n += m.channel == channel && m.text == text;
  return n;
}

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

TEST(CellsClient, SeedsCellOverTheRealRelay) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"));
  relay.start();
  TestDevice us(dir, {"us_sup", 1}, relay.port());
  TestDevice il(dir, {"il_officer", 1}, relay.port());
  TestDevice sy(dir, {"sy_officer", 1}, relay.port());
  TestDevice trade(dir, {"il_trade", 1}, relay.port());
  for (TestDevice* d : {&us, &il, &sy, &trade}) {
    d->start();
    ASSERT_TRUE(d->wait_connected());
  }

  il.anchor_supervisor(us);
  sy.anchor_supervisor(us);
  trade.anchor_supervisor(us);
  CellTemplate cell_template;
  cell_template.members = {{il.address(), "IL", CellRole::member, *il.client().identity_key()},
                           {sy.address(), "SY", CellRole::member, *sy.client().identity_key()},
                           {trade.address(), "IL", CellRole::member, *trade.client().identity_key()}};
  auto cell = us.client().create_cell(cell_template);
  ASSERT_TRUE(cell.ok()) << cell.error().to_string();
  ChannelPolicySpec intel;
  intel.read = {CellGrant::party("US"), CellGrant::party("SY"), CellGrant::user("il_officer")};
  intel.post = {CellGrant::party("IL"), CellGrant::party("SY")};
  ASSERT_TRUE(us.client().set_channel_policy(*cell, "intel", intel).ok());
  for (TestDevice* d : {&il, &sy, &trade}) ASSERT_TRUE(wait_epoch(*d, 2)) << d->address().to_string();

  ASSERT_TRUE(il.client().post(*cell, "intel", "convoy moves at 0400").ok());
  ASSERT_TRUE(trade.client().post(*cell, "commercial", "tender opens monday").ok());
  EXPECT_EQ(trade.client().post(*cell, "intel", "let me in").error().code, Errc::cell_permission_denied);
  ASSERT_TRUE(wait_text(sy, "intel", "convoy moves at 0400"));
  ASSERT_TRUE(wait_text(us, "intel", "convoy moves at 0400"));
  ASSERT_TRUE(wait_text(il, "commercial", "tender opens monday"));

  ASSERT_TRUE(us.client().remove_member(*cell, trade.address()).ok());
  ASSERT_TRUE(wait_epoch(il, 3));
  ASSERT_TRUE(il.client().post(*cell, "commercial", "after the delegate left").ok());
  ASSERT_TRUE(wait_text(sy, "commercial", "after the delegate left"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(channel_count(trade, "intel", "convoy moves at 0400"), 0u);
  EXPECT_EQ(channel_count(trade, "commercial", "after the delegate left"), 0u);
  auto history = sy.client().history(*cell, "intel");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].sender, il.address());

  for (TestDevice* d : {&us, &il, &sy, &trade}) d->stop();
  relay.stop();
  // What the relay stored: no cell name, channel name or message text.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(relay.data_dir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* secret : {"IL-SY coordination", "intel", "commercial", "convoy", "tender", "delegate left"})
      EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in " << entry.path();
  }
}

// A FLASH message on an ack_required channel, acknowledged through the Client API over the
// real relay: the sender sees the other party's acknowledgement and the status says so.
TEST(CellsClient, FlashIsAcknowledgedOverTheRealRelay) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"));
  relay.start();
  TestDevice us(dir, {"us_sup", 1}, relay.port());
  TestDevice il(dir, {"il_officer", 1}, relay.port());
  TestDevice sy(dir, {"sy_officer", 1}, relay.port());
  for (TestDevice* d : {&us, &il, &sy}) {
    d->start();
    ASSERT_TRUE(d->wait_connected());
  }
  il.anchor_supervisor(us);
  sy.anchor_supervisor(us);
  CellTemplate cell_template;
  cell_template.members = {{il.address(), "IL", CellRole::member, *il.client().identity_key()},
                           {sy.address(), "SY", CellRole::member, *sy.client().identity_key()}};
  auto cell = us.client().create_cell(cell_template);
  ASSERT_TRUE(cell.ok());
  ChannelPolicySpec deescalation;
  deescalation.read = {CellGrant::party("US"), CellGrant::party("IL"), CellGrant::party("SY")};
  deescalation.post = {CellGrant::party("IL"), CellGrant::party("SY")};
  deescalation.ack_required = true;
  deescalation.ack_deadline_seconds = 1800;
  ASSERT_TRUE(us.client().set_channel_policy(*cell, "deescalation", deescalation).ok());
  for (TestDevice* d : {&il, &sy}) ASSERT_TRUE(wait_epoch(*d, 2));

  auto id = il.client().post(*cell, "deescalation", "FLASH: unplanned launch detected, not ours", Precedence::flash);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  ASSERT_TRUE(wait_text(sy, "deescalation", "FLASH: unplanned launch detected, not ours"));
  EXPECT_EQ(sy.events_of<ChannelMessageReceived>().back().precedence, Precedence::flash);
  EXPECT_EQ(il.client().ack_status(*cell, "deescalation", il.address(), *id).at("SY"), AckState::pending);
  ASSERT_TRUE(sy.client().acknowledge(*cell, "deescalation", il.address(), *id).ok());
  ASSERT_TRUE(il.wait_for([&](const std::vector<Event>& events) {
    for (const auto& e : events)
      if (auto* a = std::get_if<AcknowledgementReceived>(&e); a && a->id == *id && a->party == "SY") return true;
    return false;
  }));
  EXPECT_EQ(il.client().ack_status(*cell, "deescalation", il.address(), *id).at("SY"), AckState::acknowledged);
  for (TestDevice* d : {&us, &il, &sy}) d->stop();
  relay.stop();
}

}  // namespace
}  // namespace parley::test
