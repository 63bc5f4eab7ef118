// SPDX-License-Identifier: GPL-3.0-or-later
// Joining (docs/protocol.md "Joining"): a Welcome joins only if it matches an anchor the app
// gave out of band; otherwise it waits as an invitation. Tried as a hostile registered device
// and a relay forging a Welcome under the supervisor's address would.
#include "cells_fixture.hpp"
#include "charter/codec.hpp"
#include "charter/seed_template.hpp"

namespace parley::cells::test {
namespace {

const Address kMallory{"mallory", 1};
const Address kUn{"un_sup", 1};  // a legitimate supervisor nobody told the members about

class JoiningTest : public CellsTest {
 protected:
  Bytes throwaway_key(const std::string& name) {
    auto opened = store::DeviceStore::open(dir.file("throwaway-" + name), StoreKey::passphrase("k"));
    EXPECT_TRUE(opened.ok());
    EXPECT_TRUE(pairwise::create_device_identity(**opened, Address{name, 1}, 1, now).ok());
    return (*(*opened)->local_identity())->identity_public;
  }

  Digest fingerprint_of(const Address& device) { return *identity_fingerprint(node(device).identity_public()); }

  CellId create_cell_by(const Address& supervisor, std::vector<charter::TemplateDevice> members,
                        std::string name = "a cell") {
    charter::SeedCellOptions options;
    options.cell_name = std::move(name);
    options.members = std::move(members);
    auto cell = node(supervisor).engine->create_cell(options, now);
    EXPECT_TRUE(cell.ok()) << cell.error().to_string();
    run();
    return cell.ok() ? *cell : CellId{};
  }

  std::vector<Invitation> invitations_of(const Address& device) {
    auto list = node(device).engine->invitations();
    EXPECT_TRUE(list.ok()) << list.error().to_string();
    return list.ok() ? *list : std::vector<Invitation>{};
  }

  bool joined(const Address& device, const CellId& cell) { return node(device).engine->charter(cell) != nullptr; }

  // IL and SY talk on the cell's intel channel both ways.
  void expect_real_peers_talk(const CellId& cell) {
    post(kIl, cell, "intel", "from IL");
    post(kSy, cell, "intel", "from SY");
    const auto sy = node(kSy).texts("intel");
    const auto il = node(kIl).texts("intel");
    EXPECT_NE(std::find(sy.begin(), sy.end(), "from IL"), sy.end());
    EXPECT_NE(std::find(il.begin(), il.end(), "from SY"), il.end());
  }
};

// A registered device makes a cell naming the IL officer and, under throwaway keys, its real
// supervisor and peer. The officer is only invited; it still joins the real cell and talks to
// its real peers there.
TEST_F(JoiningTest, BogusCellNamingTheVictimAndItsSupervisorIsOnlyAnInvitation) {
  for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade, kMallory}) add(a);
  run();
  const CellId bogus = create_cell_by(kMallory,
                                      {{kIl, "IL", charter::Role::member, node(kIl).identity_public()},
                                       {kUs, "US", charter::Role::member, throwaway_key("us")},
                                       {kSy, "SY", charter::Role::member, throwaway_key("sy")}},
                                      "IL-SY coordination");
  EXPECT_FALSE(joined(kIl, bogus)) << "the IL officer joined a cell nobody anchored";
  const auto invited = node(kIl).all<InvitationReceived>();
  ASSERT_EQ(invited.size(), 1u);
  EXPECT_EQ(invited[0].invitation.cell, bogus);
  EXPECT_EQ(invited[0].invitation.from, kMallory);
  EXPECT_EQ(invited[0].invitation.supervisor_fingerprint, fingerprint_of(kMallory));
  EXPECT_NE(invited[0].invitation.supervisor_fingerprint, fingerprint_of(kUs));
  ASSERT_EQ(invitations_of(kIl).size(), 1u);

  const CellId real = make_seed_cell();
  ASSERT_TRUE(joined(kIl, real));
  expect_real_peers_talk(real);
  EXPECT_EQ(node(kIl).engine->cells(), std::vector<CellId>{real});

  ASSERT_TRUE(node(kIl).engine->decline_invitation(invited[0].invitation.genesis).ok());
  EXPECT_TRUE(invitations_of(kIl).empty());
  auto late = node(kIl).engine->accept_invitation(invited[0].invitation.genesis, now);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::store_not_found);
}

// The relay plants a first message under the supervisor's address, then a Welcome over that
// session whose genesis binds the supervisor's address to mallory's key. Nothing joins; the
// invitation shows a fingerprint that is not the anchored one; the real Welcome still gets
// through (the anchored key overrides the planted first-use pin), and the forged invitation
// can no longer be accepted.
TEST_F(JoiningTest, RelayForgedWelcomeUnderTheSupervisorsAddressDoesNotJoin) {
  for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade, kMallory}) add(a);
  run();
  relay.copies = [](const Address& from, const Address&, ByteView) { return from == kMallory ? 0 : 1; };
  ASSERT_TRUE(node(kMallory).engine->send_text(kIl, "hello, this is the US supervisor", now).ok());
  run();
  relay.copies = nullptr;
  for (const auto& c : relay.captured())
    if (c.sender == kMallory) relay.inject(kUs, kIl, c.payload);
  relay.push_all(inbox);
  run();
  ASSERT_EQ(node(kIl).all<MessageReceived>().size(), 1u);

  charter::SeedCellOptions options;
  options.cell_id = CellId{7};
  options.supervisor = kUs;
  options.supervisor_key = node(kMallory).identity_public();
  options.members = {{kIl, "IL", charter::Role::member, node(kIl).identity_public()}};
  options.time_ms = now;
  auto genesis = charter::sign_commit(charter::seeds_cell_genesis(options),
                                      (*node(kMallory).store->local_identity())->identity_private);
  ASSERT_TRUE(genesis.ok()) << genesis.error().to_string();
  send_control_as(kMallory, kUs, kIl, envelope::ContentKind::welcome,
                  cells::encode(cells::Welcome{options.cell_id, {*genesis}}));
  run();
  EXPECT_FALSE(joined(kIl, options.cell_id)) << "a forged Welcome joined the IL officer";
  const auto invited = node(kIl).all<InvitationReceived>();
  ASSERT_EQ(invited.size(), 1u);
  EXPECT_EQ(invited[0].invitation.from, kUs);
  EXPECT_EQ(invited[0].invitation.supervisor_fingerprint, fingerprint_of(kMallory))
      << "the invitation must show the key that signed it, not the anchored one";

  const CellId real = make_seed_cell();
  ASSERT_TRUE(joined(kIl, real)) << "the planted pin kept the IL officer out of the real cell";
  expect_real_peers_talk(real);

  auto accepted = node(kIl).engine->accept_invitation(invited[0].invitation.genesis, now);
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.error().code, Errc::untrusted_identity);
  EXPECT_FALSE(joined(kIl, options.cell_id));
  EXPECT_TRUE(invitations_of(kIl).empty()) << "a Welcome that fails its checks is dropped";
}

// A cell made by a supervisor the members were not told about: each member joins only when
// its app says so, by accepting the invitation (even after a restart) or by being handed the
// cell's join anchor afterwards.
TEST_F(JoiningTest, UnanchoredCellJoinsOnAcceptanceOrALaterAnchor) {
  for (const Address& a : {kUs, kIl, kSy, kUn}) add(a);
  run();
  const CellId cell = create_cell_by(kUn, {{kIl, "IL", charter::Role::member, node(kIl).identity_public()},
                                           {kSy, "SY", charter::Role::member, node(kSy).identity_public()}});
  ASSERT_FALSE(joined(kIl, cell));
  ASSERT_FALSE(joined(kSy, cell));
  ASSERT_EQ(invitations_of(kIl).size(), 1u);
  const Digest genesis = invitations_of(kIl)[0].genesis;

  restart(node(kIl));
  run();
  ASSERT_EQ(invitations_of(kIl).size(), 1u) << "an invitation must survive a restart";
  ASSERT_TRUE(node(kIl).engine->accept_invitation(genesis, now).ok());
  run();
  collect(node(kIl));
  EXPECT_TRUE(joined(kIl, cell));
  bool reported = false;
  for (const auto& c : node(kIl).all<CharterChanged>()) reported |= c.cell == cell && c.joined;
  EXPECT_TRUE(reported) << "no CharterChanged{joined} after accepting";

  auto anchor = node(kUn).engine->join_anchor(cell);
  ASSERT_TRUE(anchor.ok());
  auto parsed = parse_join_anchor(to_string(*anchor));
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(node(kSy).engine->add_join_anchor(*parsed, now).ok());
  run();
  EXPECT_TRUE(joined(kSy, cell)) << "a matching anchor given after the Welcome must join it";
  EXPECT_TRUE(invitations_of(kSy).empty());
  expect_real_peers_talk(cell);
}

// A Welcome naming this device under a key it does not hold is refused outright.
TEST_F(JoiningTest, WelcomeNamingThisDeviceUnderAnotherKeyIsRefused) {
  for (const Address& a : {kUs, kIl, kMallory}) add(a);
  run();
  ASSERT_TRUE(node(kMallory).engine->send_text(kIl, "hello", now).ok());
  run();
  charter::SeedCellOptions options;
  options.cell_id = CellId{9};
  options.supervisor = kMallory;
  options.supervisor_key = node(kMallory).identity_public();
  options.members = {{kIl, "IL", charter::Role::member, throwaway_key("il")}};
  options.time_ms = now;
  auto genesis = charter::sign_commit(charter::seeds_cell_genesis(options),
                                      (*node(kMallory).store->local_identity())->identity_private);
  ASSERT_TRUE(genesis.ok());
  send_control(kMallory, kIl, envelope::ContentKind::welcome, cells::encode(cells::Welcome{options.cell_id, {*genesis}}));
  run();
  EXPECT_FALSE(joined(kIl, options.cell_id));
  EXPECT_TRUE(invitations_of(kIl).empty());
  bool alerted = false;
  for (const auto& a : node(kIl).all<SecurityAlert>()) alerted |= a.error.code == Errc::untrusted_identity;
  EXPECT_TRUE(alerted);
}

// One device flooding invitations keeps at most four; another sender's invitation survives.
TEST_F(JoiningTest, InvitationsAreBoundedPerSender) {
  for (const Address& a : {kUs, kIl, kUn, kMallory}) add(a);
  run();
  const CellId honest = create_cell_by(kUn, {{kIl, "IL", charter::Role::member, node(kIl).identity_public()}});
  for (int i = 0; i < 10; ++i)
    create_cell_by(kMallory, {{kIl, "IL", charter::Role::member, node(kIl).identity_public()}},
                   "spam " + std::to_string(i));
  const auto list = invitations_of(kIl);
  std::size_t from_mallory = 0;
  bool honest_kept = false;
  for (const auto& inv : list) {
    from_mallory += inv.from == kMallory;
    honest_kept |= inv.cell == honest;
  }
  EXPECT_EQ(from_mallory, 4u);
  EXPECT_TRUE(honest_kept) << "one sender's flood pushed out another sender's invitation";
  EXPECT_TRUE(node(kIl).engine->cells().empty());
}

TEST(JoinAnchorText, RoundTripsAndRejectsGarbage) {
  JoinAnchor anchor{JoinAnchor::Kind::supervisor, {}};
  for (std::size_t i = 0; i < anchor.value.size(); ++i) anchor.value[i] = static_cast<std::uint8_t>(i * 7);
  auto back = parse_join_anchor(to_string(anchor));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, anchor);
  for (const std::string& bad : std::vector<std::string>{"", "parley-cell:", "parley-cell:zz", "cell:" + std::string(64, 'a'),
                          "parley-cell:" + std::string(63, 'a'), "parley-cell:" + std::string(64, 'g')})
    EXPECT_EQ(parse_join_anchor(bad).error().code, Errc::invalid_argument) << bad;
  const std::string digits = fingerprint_digits(anchor.value);
  EXPECT_EQ(digits.size(), 6u * 5 + 5);
  EXPECT_EQ(parse_join_anchor(to_string(JoinAnchor{JoinAnchor::Kind::genesis, anchor.value}))->kind,
            JoinAnchor::Kind::genesis);
}

}  // namespace
}  // namespace parley::cells::test
