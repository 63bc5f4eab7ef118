// SPDX-License-Identifier: GPL-3.0-or-later
// apply(): the validation every device runs on every commit, and the pure fold. Each test
// builds a commit that breaks exactly one rule and checks the error code, the message and
// that the input state is unchanged.
#include <gtest/gtest.h>

#include "charter/policy.hpp"
#include "charter_fixture.hpp"

namespace parley::charter::test {
namespace {

class ApplyTest : public ::testing::Test {
 protected:
  Keys keys;
  TestCell cell{keys};

  // apply() must fail with `code`, and `state` must be exactly as before.
  void expect_rejected(const CellState& state, const SignedCommit& commit, Errc code, std::string_view needle = {}) {
    const CellState before = state;
    const Hash digest = digest_of(state);
    auto result = apply(state, commit);
    ASSERT_FALSE(result.ok()) << "commit was accepted";
    EXPECT_EQ(result.error().code, code) << result.error().to_string();
    if (!needle.empty()) {
      EXPECT_NE(result.error().message.find(needle), std::string::npos) << result.error().to_string();
    }
    EXPECT_EQ(state, before);
    EXPECT_EQ(digest_of(state), digest);
  }
  void expect_rejected(std::vector<Operation> ops, Errc code, std::string_view needle = {}) {
    expect_rejected(cell.state(), cell.sign(cell.next(std::move(ops))), code, needle);
  }
};

TEST_F(ApplyTest, SeedGenesisBuildsExpectedState) {
  const CellState& s = cell.state();
  EXPECT_EQ(s.epoch, 1u);
  EXPECT_EQ(s.cell_id, test_cell_id());
  EXPECT_EQ(s.name, "IL-SY coordination");
  EXPECT_EQ(s.supervisor_party, "US");
  EXPECT_EQ(s.head, must(commit_hash(cell.chain()[0].bytes)));
  EXPECT_EQ(s.devices.size(), 9u);
  EXPECT_EQ(s.users.size(), 8u);  // us_sup has two devices
  EXPECT_EQ(s.users.at("us_sup"), (UserRecord{"US", Role::supervisor}));
  EXPECT_EQ(s.users.at("il_admin"), (UserRecord{"IL", Role::party_admin}));
  EXPECT_EQ(s.users.at("il_obs"), (UserRecord{"IL", Role::observer}));
  EXPECT_EQ(s.users.at("sy_officer"), (UserRecord{"SY", Role::member}));
  EXPECT_EQ(s.devices.at(kIlOfficer).identity_key, keys.pub(kIlOfficer));
  ASSERT_EQ(s.channels.size(), 4u);
  for (std::string_view id : kSeedChannels) {
    const ChannelRecord& channel = s.channels.at(std::string(id));
    EXPECT_FALSE(channel.archived);
    EXPECT_EQ(channel.policy.read, (std::vector<Grant>{Grant::for_party("IL"), Grant::for_party("SY"),
                                                       Grant::for_party("US")}));  // sorted
    EXPECT_EQ(channel.policy.post, (std::vector<Grant>{Grant::for_party("IL"), Grant::for_party("SY")}));
  }
  EXPECT_EQ(s.channels.at("deescalation").display_name, "Military de-escalation");
}

TEST_F(ApplyTest, FoldIsDeterministicAndPure) {
  const CellState empty;
  auto again = must(apply(empty, cell.chain()[0]));
  EXPECT_EQ(again, cell.state());
  EXPECT_EQ(digest_of(again), digest_of(cell.state()));
  EXPECT_EQ(empty, CellState{});
  // The digest changes with any field.
  CellState renamed = again;
  renamed.channels.at("intel").display_name = "x";
  EXPECT_NE(digest_of(renamed), digest_of(again));
  CellState role = again;
  role.users.at("il_obs").role = Role::member;
  EXPECT_NE(digest_of(role), digest_of(again));
}

TEST_F(ApplyTest, SupervisorCommitApplies) {
  const CellState before = cell.state();
  cell.commit({CreateChannel{"incidents", "Incidents"}, RenameChannel{"intel", "Intel"}});
  EXPECT_EQ(cell.state().epoch, 2u);
  EXPECT_EQ(cell.state().head, must(commit_hash(cell.chain()[1].bytes)));
  EXPECT_EQ(cell.state().channels.at("intel").display_name, "Intel");
  EXPECT_TRUE(cell.state().channels.contains("incidents"));
  EXPECT_EQ(before.epoch, 1u);  // the old state is untouched and still valid
  // The second supervisor device may commit too.
  cell.commit({ArchiveChannel{"incidents"}}, kSup2);
  EXPECT_TRUE(cell.state().channels.at("incidents").archived);
}

TEST_F(ApplyTest, CommitByNonSupervisorDeviceIsRejected) {
  for (const Address& author : {kIlAdmin, kIlOfficer, kSyAdmin, kUsObserver}) {
    auto commit = cell.sign(cell.next({CreateChannel{"rogue", "Rogue"}}, author));
    expect_rejected(cell.state(), commit, Errc::charter_not_authorized, author.to_string());
  }
  auto stranger = cell.next({CreateChannel{"rogue", "Rogue"}}, Address{"mallory", 1});
  expect_rejected(cell.state(), cell.sign(stranger), Errc::charter_not_authorized, "not a device of the cell");
}

TEST_F(ApplyTest, ForgedSignatureIsRejected) {
  SignedCommit commit = cell.sign(cell.next({CreateChannel{"x", "X"}}));
  for (std::size_t i = 0; i < commit.signature.size(); i += 7) {
    SignedCommit forged = commit;
    forged.signature[i] ^= 0x01;
    expect_rejected(cell.state(), forged, Errc::invalid_signature);
  }
  // Signed by another supervisor's key while naming kSup as author.
  expect_rejected(cell.state(), cell.sign(cell.next({CreateChannel{"x", "X"}}), kSup2), Errc::invalid_signature);
  // A member signs a commit claiming to be the supervisor.
  expect_rejected(cell.state(), cell.sign(cell.next({CreateChannel{"x", "X"}}), kIlAdmin), Errc::invalid_signature);
  SignedCommit empty = commit;
  empty.signature.clear();
  expect_rejected(cell.state(), empty, Errc::invalid_signature);
  SignedCommit long_signature = commit;
  long_signature.signature.push_back(0);
  expect_rejected(cell.state(), long_signature, Errc::invalid_signature);
}

TEST_F(ApplyTest, EveryFlippedByteOfCommitBytesIsRejected) {
  const SignedCommit commit = cell.sign(cell.next({CreateChannel{"x", "X"}, AddDevice{Address{"sy_new", 1}, "SY", Role::member, keys.pub({"sy_new", 1})}}));
  ASSERT_TRUE(apply(cell.state(), commit).ok());
  for (std::size_t i = 0; i < commit.bytes.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      SignedCommit flipped = commit;
      flipped.bytes[i] ^= mask;
      auto result = apply(cell.state(), flipped);
      ASSERT_FALSE(result.ok()) << "flip of byte " << i << " mask " << int(mask) << " was accepted";
    }
  }
}

TEST_F(ApplyTest, WrongPreviousHashIsRejected) {
  Commit commit = cell.next({CreateChannel{"x", "X"}});
  commit.prev_hash[5] ^= 1;
  expect_rejected(cell.state(), cell.sign(commit), Errc::charter_broken_chain, "epoch 2");
}

TEST_F(ApplyTest, WrongCellIsRejected) {
  Commit commit = cell.next({CreateChannel{"x", "X"}});
  commit.cell_id[0] ^= 1;
  expect_rejected(cell.state(), cell.sign(commit), Errc::charter_wrong_cell);
}

TEST_F(ApplyTest, WrongEpochIsRejected) {
  Commit ahead = cell.next({CreateChannel{"x", "X"}});
  ahead.epoch = 3;
  expect_rejected(cell.state(), cell.sign(ahead), Errc::charter_out_of_order, "expected epoch 2");
  // An old commit replayed onto a later state.
  cell.commit({CreateChannel{"y", "Y"}});
  expect_rejected(cell.state(), cell.chain()[1], Errc::charter_out_of_order);
  expect_rejected(cell.state(), cell.chain()[0], Errc::charter_out_of_order);
  // A non-genesis commit cannot start a charter.
  expect_rejected(CellState{}, cell.chain()[1], Errc::charter_out_of_order, "genesis");
}

TEST_F(ApplyTest, GenesisMustBeSignedByASupervisorDeviceItAdds) {
  Commit genesis = cell.genesis_commit();
  // Author is a member device the genesis adds.
  genesis.author = kIlOfficer;
  expect_rejected(CellState{}, cell.sign(genesis), Errc::charter_not_authorized, "genesis author");
  // Author is not added by the genesis at all.
  genesis.author = Address{"outsider", 1};
  expect_rejected(CellState{}, cell.sign(genesis), Errc::charter_not_authorized);
  // Right author, wrong key.
  genesis.author = kSup;
  expect_rejected(CellState{}, cell.sign(genesis, kIlOfficer), Errc::invalid_signature);
  // The second supervisor device may author the genesis.
  genesis.author = kSup2;
  EXPECT_TRUE(apply(CellState{}, cell.sign(genesis)).ok());
}

TEST_F(ApplyTest, GenesisShapeRules) {
  Commit genesis = cell.genesis_commit();
  Commit no_create = genesis;
  no_create.operations.erase(no_create.operations.begin());
  auto signed_bad = sign_commit(no_create, keys.priv(kSup));
  ASSERT_FALSE(signed_bad.ok());  // sign_commit refuses what receivers would refuse
  EXPECT_EQ(signed_bad.error().code, Errc::invalid_argument);
  EXPECT_NE(signed_bad.error().message.find("must start with CreateCell"), std::string::npos);

  Commit nonzero_prev = genesis;
  nonzero_prev.prev_hash[0] = 1;
  EXPECT_FALSE(sign_commit(nonzero_prev, keys.priv(kSup)).ok());

  // Without any supervisor device the genesis leaves the supervisor user without a device.
  Commit no_device = genesis;
  std::erase_if(no_device.operations, [](const Operation& op) {
    const auto* add = std::get_if<AddDevice>(&op);
    return add && add->device.user == "us_sup";
  });
  no_device.author = kIlAdmin;
  expect_rejected(CellState{}, cell.sign(no_device), Errc::charter_invalid_operation, "no supervisor device");
  Commit alone;
  alone.cell_id = test_cell_id();
  alone.epoch = 1;
  alone.author = kSup;
  alone.operations = {CreateCell{"c", "us_sup", "US"}};
  expect_rejected(CellState{}, cell.sign(alone), Errc::charter_invalid_operation, "no supervisor device");

  // A second CreateCell later is malformed.
  EXPECT_FALSE(sign_commit(cell.next({CreateCell{"again", "us_sup", "US"}}), keys.priv(kSup)).ok());
}

TEST_F(ApplyTest, AddDeviceRules) {
  expect_rejected({add(kIlOfficer, "IL", std::nullopt, keys)}, Errc::charter_invalid_operation, "already in the cell");
  expect_rejected({add({"il_officer", 2}, "SY", std::nullopt, keys)}, Errc::charter_invalid_operation,
                  "belongs to party IL");
  expect_rejected({add({"il_officer", 2}, "IL", Role::observer, keys)}, Errc::charter_invalid_operation,
                  "only through SetRole");
  expect_rejected({add({"newbie", 1}, "IL", std::nullopt, keys)}, Errc::charter_invalid_operation, "needs a role");
  expect_rejected({add({"newbie", 1}, "IL", Role::supervisor, keys)}, Errc::charter_invalid_operation,
                  "supervisor role belongs to party US");
  expect_rejected({AddDevice{{"newbie", 1}, "IL", Role::member, keys.pub(kIlOfficer)}}, Errc::charter_invalid_operation,
                  "reuses the identity key");
  // Within one commit the second add of the same device conflicts with the first.
  expect_rejected({add({"newbie", 1}, "IL", Role::member, keys), add({"newbie", 1}, "IL", std::nullopt, keys)},
                  Errc::charter_invalid_operation, "operation 1");
  // Valid: a new user, and a second device of an existing user.
  cell.commit({add({"newbie", 1}, "IL", Role::member, keys), add({"newbie", 2}, "IL", std::nullopt, keys),
               add({"il_officer", 2}, "IL", std::nullopt, keys)});
  EXPECT_EQ(cell.state().devices.size(), 12u);
  EXPECT_EQ(cell.state().users.at("newbie"), (UserRecord{"IL", Role::member}));
}

TEST_F(ApplyTest, DeviceLimitIsEnforced) {
  std::vector<Operation> ops;
  const std::size_t room = kMaxDevices - cell.state().devices.size();
  for (std::size_t i = 0; i < room; ++i) {
    const Address device{"bulk", static_cast<std::uint32_t>(i + 1)};
    ops.push_back(AddDevice{device, "SY", i == 0 ? std::optional<Role>(Role::member) : std::nullopt, Bytes(33, 0)});
    std::get<AddDevice>(ops.back()).identity_key[0] = 0x05;
    std::get<AddDevice>(ops.back()).identity_key[1] = static_cast<std::uint8_t>(i);
    std::get<AddDevice>(ops.back()).identity_key[2] = static_cast<std::uint8_t>(i >> 8);
    std::get<AddDevice>(ops.back()).identity_key[3] = 0x09;  // keep clear of the small-order points
  }
  for (std::size_t at = 0; at < ops.size(); at += kMaxOperations)
    cell.commit(std::vector<Operation>(ops.begin() + at, ops.begin() + std::min(ops.size(), at + kMaxOperations)));
  EXPECT_EQ(cell.state().devices.size(), kMaxDevices);
  expect_rejected({add({"one_more", 1}, "SY", Role::member, keys)}, Errc::charter_invalid_operation, "the limit");
}

TEST_F(ApplyTest, RemoveDeviceRules) {
  expect_rejected({RemoveDevice{{"ghost", 1}}}, Errc::charter_invalid_operation, "not in the cell");
  expect_rejected({RemoveDevice{{"il_officer", 2}}}, Errc::charter_invalid_operation, "not in the cell");
  // Removing one supervisor device is fine while another remains; the last one is not.
  cell.commit({RemoveDevice{kSup2}});
  EXPECT_FALSE(cell.state().devices.contains(kSup2));
  EXPECT_TRUE(cell.state().users.contains("us_sup"));  // kSup remains
  expect_rejected({RemoveDevice{kSup}}, Errc::charter_invalid_operation, "no supervisor device left");
  // Removing a user's last device removes the user.
  cell.commit({RemoveDevice{kIlTrade}});
  EXPECT_FALSE(cell.state().users.contains("il_trade"));
  // ... so re-adding needs a role again.
  expect_rejected({add(kIlTrade, "IL", std::nullopt, keys)}, Errc::charter_invalid_operation, "needs a role");
  // A supervisor may remove itself if a new supervisor device arrives in the same commit.
  cell.commit({add(kSup2, "US", std::nullopt, keys), RemoveDevice{kSup}});
  EXPECT_TRUE(cell.state().is_supervisor_device(kSup2));
}

TEST_F(ApplyTest, SetRoleRules) {
  expect_rejected({SetRole{"ghost", Role::member}}, Errc::charter_invalid_operation, "not in the cell");
  expect_rejected({SetRole{"il_officer", Role::supervisor}}, Errc::charter_invalid_operation, "supervisor role");
  expect_rejected({SetRole{"us_sup", Role::member}}, Errc::charter_invalid_operation, "no supervisor device left");
  cell.commit({SetRole{"il_officer", Role::party_admin}, SetRole{"us_obs", Role::supervisor}});
  EXPECT_EQ(cell.state().users.at("il_officer").role, Role::party_admin);
  EXPECT_TRUE(cell.state().is_supervisor_device(kUsObserver));
  // Now us_sup may step down: us_obs remains a supervisor.
  cell.commit({SetRole{"us_sup", Role::observer}}, kUsObserver);
  EXPECT_FALSE(cell.state().is_supervisor_device(kSup));
}

TEST_F(ApplyTest, ChannelRules) {
  expect_rejected({CreateChannel{"intel", "Again"}}, Errc::charter_invalid_operation, "already exists");
  expect_rejected({RenameChannel{"nope", "N"}}, Errc::charter_invalid_operation, "does not exist");
  expect_rejected({ArchiveChannel{"nope"}}, Errc::charter_invalid_operation, "does not exist");
  expect_rejected({SetChannelPolicy{"nope", {}}}, Errc::charter_invalid_operation, "does not exist");
  // Retention is well formed on the wire but not enforced by any device yet: refused.
  ChannelPolicy keep_a_day;
  keep_a_day.read = {Grant::for_party("IL")};
  keep_a_day.retention_seconds = 86400;
  expect_rejected({SetChannelPolicy{"intel", keep_a_day}}, Errc::charter_invalid_operation,
                  "retention is not enforced yet");
  keep_a_day.retention_seconds = 0;
  cell.commit({SetChannelPolicy{"intel", keep_a_day}});
  cell.commit({ArchiveChannel{"commercial"}});
  EXPECT_TRUE(cell.state().channels.at("commercial").archived);
  expect_rejected({ArchiveChannel{"commercial"}}, Errc::charter_invalid_operation, "is archived");
  expect_rejected({RenameChannel{"commercial", "C"}}, Errc::charter_invalid_operation, "is archived");
  expect_rejected({SetChannelPolicy{"commercial", {}}}, Errc::charter_invalid_operation, "is archived");
  expect_rejected({CreateChannel{"commercial", "C"}}, Errc::charter_invalid_operation, "never reused");
  // Channel ops apply in order within one commit.
  cell.commit({CreateChannel{"ops", "Ops"}, SetChannelPolicy{"ops", {{Grant::for_user("il_officer")}, {}}},
               RenameChannel{"ops", "Operations"}});
  EXPECT_EQ(cell.state().channels.at("ops").display_name, "Operations");
}

TEST_F(ApplyTest, ChannelLimitIsEnforced) {
  std::vector<Operation> ops;
  for (std::size_t i = cell.state().channels.size(); i < kMaxChannels; ++i)
    ops.push_back(CreateChannel{"c" + std::to_string(i), "C"});
  cell.commit(ops);
  expect_rejected({CreateChannel{"over", "Over"}}, Errc::charter_invalid_operation, "the limit");
}

TEST_F(ApplyTest, PoliciesMayNameFutureMembers) {
  ChannelPolicy policy;
  policy.read = {Grant::for_party("JO"), Grant::for_user("future_user"), Grant::for_device({"later", 3})};
  policy.post = {Grant::for_party("JO")};
  cell.commit({SetChannelPolicy{"intel", policy}});
  EXPECT_TRUE(readers(cell.state(), "intel").empty());
  cell.commit({add({"jo_member", 1}, "JO", Role::member, keys)});
  EXPECT_EQ(readers(cell.state(), "intel"), (std::vector<Address>{{"jo_member", 1}}));
}

TEST_F(ApplyTest, FailedOperationLeavesNothingBehind) {
  // The first operations would succeed; the last fails; nothing of the commit survives.
  auto result = apply(cell.state(), cell.sign(cell.next({CreateChannel{"new", "New"}, RemoveDevice{kIlOfficer},
                                                         RemoveDevice{{"ghost", 1}}})));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::charter_invalid_operation);
  EXPECT_NE(result.error().message.find("operation 2 (RemoveDevice)"), std::string::npos) << result.error().message;
  EXPECT_FALSE(cell.state().channels.contains("new"));
  EXPECT_TRUE(cell.state().devices.contains(kIlOfficer));
}

TEST_F(ApplyTest, RemovedSupervisorDeviceCannotCommitAnymore) {
  cell.commit({RemoveDevice{kSup2}});
  auto late = cell.sign(cell.next({CreateChannel{"late", "Late"}}, kSup2));
  expect_rejected(cell.state(), late, Errc::charter_not_authorized, "not a device of the cell");
  // Demoted supervisors cannot commit either.
  cell.commit({add(kSup2, "US", std::nullopt, keys)});
  cell.commit({add({"us_other", 1}, "US", Role::supervisor, keys), SetRole{"us_sup", Role::observer}});
  expect_rejected(cell.state(), cell.sign(cell.next({CreateChannel{"late", "Late"}}, kSup2)),
                  Errc::charter_not_authorized, "observer");
}

TEST_F(ApplyTest, ErrorMessagesCarryNoKeyMaterial) {
  auto result = apply(cell.state(), cell.sign(cell.next({CreateChannel{"x", "X"}}), kSup2));
  ASSERT_FALSE(result.ok());
  const std::string text = result.error().to_string();
  const Bytes& key = keys.pub(kSup);
  std::string hex;
  for (std::uint8_t b : key) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  EXPECT_EQ(text.find(hex.substr(2, 16)), std::string::npos);
}

}  // namespace
}  // namespace parley::charter::test
