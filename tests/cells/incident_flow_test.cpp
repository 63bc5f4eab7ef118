// SPDX-License-Identifier: GPL-3.0-or-later
// Incidents through the engine: operations travel as channel posts, every device folds the
// ones it holds, and all of them agree on every incident whatever order the relay delivered
// the operations in (seeded shuffles, skewed sender clocks, racing resolutions). What a
// receiver would ignore is refused locally with a clear error; crafted anyway, it is ignored
// everywhere.
#include "cells_fixture.hpp"
#include "hotline/codec.hpp"

namespace parley::cells::test {
namespace {

constexpr TimeMs kMinute = 60'000;
const std::vector<Address> kReaders{kUs, kIl, kSy, kSy2, kTrade};

class IncidentFlowTest : public CellsTest {
 protected:
  CellId cell_with_hotline() {
    const CellId cell = make_seed_cell();
    make_hotline_channel(cell);
    return cell;
  }

  std::vector<Incident> incidents_of(const Address& a, const CellId& cell) {
    auto held = node(a).engine->incidents(cell, "hotline");
    EXPECT_TRUE(held.ok()) << held.error().to_string();
    return held ? *held : std::vector<Incident>{};
  }

  IncidentId open(const Address& by, const CellId& cell, std::string title, std::string respondent) {
    auto id = node(by).engine->open_incident(cell, "hotline", IncidentOpen{title, "details", Severity::high, respondent, {}},
                                             Precedence::immediate, now);
    EXPECT_TRUE(id.ok()) << id.error().to_string();
    return id ? *id : IncidentId{};
  }

  MessageId act(const Address& by, const CellId& cell, const IncidentId& id, IncidentAction action) {
    auto sent = node(by).engine->update_incident(cell, "hotline", id, std::move(action), now);
    EXPECT_TRUE(sent.ok()) << by.to_string() << ": " << sent.error().to_string();
    return sent ? *sent : MessageId{};
  }
};

TEST_F(IncidentFlowTest, ResolvedByBothPartiesAgreeingOnEveryDevice) {
  const CellId cell = cell_with_hotline();
  const IncidentId id = open(kIl, cell, "Drone crossed the line at grid 41", "SY");
  run();
  act(kSy2, cell, id, IncidentAcknowledge{});
  run();
  const MessageId proposal = act(kSy, cell, id, IncidentPropose{"Joint inspection of the debris on Monday"});
  run();
  for (const Address& a : kReaders) {
    auto held = incidents_of(a, cell);
    ASSERT_EQ(held.size(), 1u) << a.to_string();
    EXPECT_FALSE(held[0].resolved()) << a.to_string();
    EXPECT_EQ(held[0].acknowledged.count("SY"), 1u) << a.to_string();
  }
  act(kIl, cell, id, IncidentResolve{MessageRef{kSy, proposal}, "Agreed"});
  run();
  for (const Address& a : kReaders) {
    auto held = incidents_of(a, cell);
    ASSERT_EQ(held.size(), 1u);
    const Incident& incident = held[0];
    EXPECT_EQ(incident.title, "Drone crossed the line at grid 41");
    EXPECT_EQ(incident.opener_party, "IL");
    EXPECT_EQ(incident.respondent_party, "SY");
    ASSERT_TRUE(incident.resolved()) << a.to_string();
    EXPECT_EQ(incident.resolution->by, ResolvedBy::agreement);
    EXPECT_EQ(incident.resolution->proposal, (MessageRef{kSy, proposal}));
    EXPECT_EQ(incident, incidents_of(kUs, cell)[0]) << a.to_string();
    // One event per operation, own operations included.
    EXPECT_EQ(node(a).all<IncidentUpdated>().size(), 4u) << a.to_string();
  }
  for (const auto& m : node(kSy).all<ChannelMessageReceived>()) EXPECT_NE(m.channel, "hotline");  // not text
  // Rebuilt from the store after a restart, the state is the same.
  const auto before = incidents_of(kSy2, cell);
  restart(node(kSy2));
  run();
  EXPECT_EQ(incidents_of(kSy2, cell), before);
}

TEST_F(IncidentFlowTest, TheSupervisorResolvesAlone) {
  const CellId cell = cell_with_hotline();
  const IncidentId id = open(kSy, cell, "Shelling near the crossing", "IL");
  run();
  act(kUs, cell, id, IncidentComment{"Observers dispatched"});
  run();
  act(kUs, cell, id, IncidentResolve{std::nullopt, "Closed by the mediator after the observers' report"});
  run();
  for (const Address& a : kReaders) {
    auto held = incidents_of(a, cell);
    ASSERT_EQ(held.size(), 1u);
    ASSERT_TRUE(held[0].resolved()) << a.to_string();
    EXPECT_EQ(held[0].resolution->by, ResolvedBy::supervisor);
    ASSERT_EQ(held[0].comments.size(), 1u);
    EXPECT_EQ(held[0].comments[0].party, "US");
  }
}

TEST_F(IncidentFlowTest, WhatReceiversWouldIgnoreIsRefusedLocally) {
  const CellId cell = cell_with_hotline();
  auto& il = *node(kIl).engine;
  auto& us = *node(kUs).engine;
  auto opened = [&](engine::Engine& e, std::string respondent) {
    return e.open_incident(cell, "hotline", IncidentOpen{"t", "d", Severity::low, std::move(respondent), {}},
                           Precedence::routine, now);
  };
  EXPECT_EQ(opened(il, "IL").error().code, Errc::invalid_argument);  // against itself
  EXPECT_EQ(opened(il, "US").error().code, Errc::invalid_argument);  // against the mediator
  EXPECT_EQ(opened(il, "XX").error().code, Errc::invalid_argument);  // no such party
  EXPECT_EQ(opened(us, "IL").error().code, Errc::invalid_argument);  // the mediator is no side
  EXPECT_EQ(il.open_incident(cell, "hotline", IncidentOpen{std::string(300, 'x'), "d", Severity::low, "SY", {}},
                             Precedence::routine, now)
                .error()
                .code,
            Errc::invalid_argument);  // title over its limit
  const IncidentId id = open(kIl, cell, "Radar lock on a patrol boat", "SY");
  run();
  auto update = [&](const Address& by, IncidentAction action) {
    return node(by).engine->update_incident(cell, "hotline", id, std::move(action), now);
  };
  EXPECT_EQ(update(kIl, IncidentAcknowledge{}).error().code, Errc::cell_permission_denied);  // its own incident
  EXPECT_EQ(update(kSy, IncidentResolve{std::nullopt, "done"}).error().code, Errc::invalid_argument);  // agree to what?
  EXPECT_EQ(update(kSy, IncidentResolve{MessageRef{kSy, MessageId{}}, ""}).error().code, Errc::invalid_argument);
  EXPECT_EQ(update(kSy, IncidentOpen{}).error().code, Errc::invalid_argument);
  IncidentId unknown{};
  unknown.fill(7);
  EXPECT_EQ(node(kSy).engine->update_incident(cell, "hotline", unknown, IncidentComment{"?"}, now).error().code,
            Errc::invalid_argument);
  act(kUs, cell, id, IncidentResolve{std::nullopt, "settled"});
  run();
  EXPECT_EQ(update(kSy, IncidentPropose{"late"}).error().code, Errc::invalid_argument);  // already resolved
  // Nothing above left the devices: only the open and the resolution are there.
  for (const Address& a : kReaders) EXPECT_EQ(node(a).all<IncidentUpdated>().size(), 2u) << a.to_string();
}

// A member that skips the SDK's local checks: its resolution of the other side's incident
// without a proposal, and a second opening of that incident's id, are ignored everywhere.
TEST_F(IncidentFlowTest, CraftedOperationsThatBreakTheRulesChangeNothing) {
  const CellId cell = cell_with_hotline();
  const IncidentId id = open(kSy, cell, "Artillery fire at dawn", "IL");
  run();
  const auto* log = node(kIl).engine->charter(cell);
  auto crafted = [&](IncidentAction action, std::uint8_t fill) {
    ChannelMessage m{cell, "hotline", log->epoch(), log->head(), {}, now, ChannelMessageKind::hotline,
                     hotline::encode(hotline::Body{hotline::IncidentOperation{id, std::move(action)}}), 1};
    m.message_id.bytes.fill(fill);
    return m;
  };
  // (Only to devices it already has pairwise sessions with.)
  craft_post(kIl, {kUs, kSy}, crafted(IncidentResolve{std::nullopt, "we say it is over"}, 0x51));
  // Re-opening SY's incident id with IL's own story.
  craft_post(kIl, {kUs, kSy}, crafted(IncidentOpen{"It was SY's fault", "d", Severity::critical, "SY", {}}, 0x52));
  for (const Address& a : {kUs, kSy}) {
    auto held = incidents_of(a, cell);
    ASSERT_EQ(held.size(), 1u);
    EXPECT_FALSE(held[0].resolved()) << a.to_string();
    EXPECT_EQ(held[0].title, "Artillery fire at dawn") << a.to_string();
    EXPECT_EQ(held[0].opener_party, "SY") << a.to_string();
    // Accepted as posts (IL may post there), so they were reported; the fold ignored them.
    EXPECT_EQ(node(a).all<IncidentUpdated>().size(), 3u) << a.to_string();
  }
}

// The property the issue asks for: over many delivery orders, with concurrent operations,
// skewed clocks and two conflicting agreements racing, every device ends with the same state.
class IncidentOrderTest : public IncidentFlowTest, public ::testing::WithParamInterface<int> {};

TEST_P(IncidentOrderTest, EveryDeviceComputesTheSameIncidents) {
  rng.seed(static_cast<std::uint64_t>(GetParam()));
  const CellId cell = cell_with_hotline();
  shuffle = true;
  std::mt19937_64 skew(static_cast<std::uint64_t>(GetParam()) * 104729);
  auto at = [&](TimeMs base) { return base + static_cast<TimeMs>(skew() % (2 * kMinute)); };
  const TimeMs start = now;
  // Round 1, concurrently: IL opens A against SY, SY opens B against IL.
  now = at(start);
  const IncidentId a = open(kIl, cell, "A: boat seized", "SY");
  now = at(start);
  const IncidentId b = open(kSy, cell, "B: airspace violation", "IL");
  run();
  // Round 2, concurrently: both sides propose on A, comments and acknowledgements on both.
  const TimeMs round2 = now + 5 * kMinute;
  now = at(round2);
  const MessageId sy_proposal = act(kSy, cell, a, IncidentPropose{"Return the boat, crew first"});
  now = at(round2);
  const MessageId il_proposal = act(kIl, cell, a, IncidentPropose{"Return the boat and cargo"});
  now = at(round2);
  act(kSy2, cell, a, IncidentAcknowledge{});
  now = at(round2);
  act(kIl, cell, b, IncidentAcknowledge{});
  now = at(round2);
  act(kUs, cell, b, IncidentComment{"Radar logs requested from both"});
  now = at(round2);
  act(kTrade, cell, a, IncidentComment{"Cargo manifest attached"});
  run();
  // Round 3, concurrently: each side agrees to the other's proposal (whichever comes first
  // in the agreed order resolves A; the other is ignored), and the mediator resolves B while
  // SY proposes on it.
  const TimeMs round3 = now + 5 * kMinute;
  now = at(round3);
  act(kIl, cell, a, IncidentResolve{MessageRef{kSy, sy_proposal}, "IL agrees"});
  now = at(round3);
  act(kSy, cell, a, IncidentResolve{MessageRef{kIl, il_proposal}, "SY agrees"});
  now = at(round3);
  act(kUs, cell, b, IncidentResolve{std::nullopt, "mediator closes B"});
  now = at(round3);
  act(kSy2, cell, b, IncidentPropose{"Shared air corridor"});
  run();

  const auto reference = incidents_of(kUs, cell);
  ASSERT_EQ(reference.size(), 2u);
  for (const auto& incident : reference) EXPECT_TRUE(incident.resolved()) << incident.title;
  for (const Address& d : kReaders) EXPECT_EQ(incidents_of(d, cell), reference) << d.to_string();
  restart(node(kSy));
  run();
  EXPECT_EQ(incidents_of(kSy, cell), reference);
}

INSTANTIATE_TEST_SUITE_P(Seeds, IncidentOrderTest, ::testing::Range(1, 11));

}  // namespace
}  // namespace parley::cells::test
