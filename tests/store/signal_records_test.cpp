// SPDX-License-Identifier: GPL-3.0-or-later
// Identities, prekeys, signed prekeys, sessions and sender keys.
#include <gtest/gtest.h>

#include <string>

#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::must_open;
using test_util::raw_key;

class SignalRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = must_open(dir_.file("device.db"), raw_key());
    ASSERT_NE(store_, nullptr);
  }
  parley::test::TempDir dir_;
  std::unique_ptr<DeviceStore> store_;
};

TEST_F(SignalRecords, IdentitySaveReplacesTheKeyForThatAddressOnly) {
  const Address bob1{"bob", 1};
  const Address bob2{"bob", 2};
  PARLEY_ASSERT_OK(store_->identity_save(bob1, bytes("old-key")));
  PARLEY_ASSERT_OK(store_->identity_save(bob2, bytes("other-device-key")));
  PARLEY_ASSERT_OK(store_->identity_save(bob1, bytes("new-key")));
  auto one = store_->identity_load(bob1);
  PARLEY_ASSERT_OK(one);
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, bytes("new-key"));
  auto two = store_->identity_load(bob2);
  PARLEY_ASSERT_OK(two);
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ(**two, bytes("other-device-key"));
  auto unknown = store_->identity_load(Address{"carol", 1});
  PARLEY_ASSERT_OK(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(SignalRecords, PrekeysStoreReplaceListAndRemove) {
  PARLEY_ASSERT_OK(store_->prekey_store(30, bytes("thirty")));
  PARLEY_ASSERT_OK(store_->prekey_store(2, bytes("two")));
  PARLEY_ASSERT_OK(store_->prekey_store(100, bytes("hundred")));
  PARLEY_ASSERT_OK(store_->prekey_store(2, bytes("two, replaced")));
  auto ids = store_->prekey_ids();
  PARLEY_ASSERT_OK(ids);
  EXPECT_EQ(*ids, (std::vector<std::uint32_t>{2, 30, 100}));
  auto two = store_->prekey_load(2);
  PARLEY_ASSERT_OK(two);
  ASSERT_TRUE(two->has_value());
  EXPECT_EQ(**two, bytes("two, replaced"));

  PARLEY_ASSERT_OK(store_->prekey_remove(30));
  PARLEY_ASSERT_OK(store_->prekey_remove(30));  // again: no error
  auto gone = store_->prekey_load(30);
  PARLEY_ASSERT_OK(gone);
  EXPECT_FALSE(gone->has_value());
  ids = store_->prekey_ids();
  PARLEY_ASSERT_OK(ids);
  EXPECT_EQ(*ids, (std::vector<std::uint32_t>{2, 100}));
}

// Signed and one-time prekeys are separate id spaces.
TEST_F(SignalRecords, SignedPrekeysAreSeparateFromPrekeys) {
  PARLEY_ASSERT_OK(store_->prekey_store(1, bytes("one-time")));
  PARLEY_ASSERT_OK(store_->signed_prekey_store(1, bytes("signed")));
  PARLEY_ASSERT_OK(store_->signed_prekey_store(0, bytes("signed zero")));
  auto signed_one = store_->signed_prekey_load(1);
  PARLEY_ASSERT_OK(signed_one);
  ASSERT_TRUE(signed_one->has_value());
  EXPECT_EQ(**signed_one, bytes("signed"));
  auto ids = store_->signed_prekey_ids();
  PARLEY_ASSERT_OK(ids);
  EXPECT_EQ(*ids, (std::vector<std::uint32_t>{0, 1}));
  PARLEY_ASSERT_OK(store_->signed_prekey_remove(1));
  auto prekey = store_->prekey_load(1);
  PARLEY_ASSERT_OK(prekey);
  EXPECT_TRUE(prekey->has_value());
  ids = store_->signed_prekey_ids();
  PARLEY_ASSERT_OK(ids);
  EXPECT_EQ(*ids, (std::vector<std::uint32_t>{0}));
}

TEST_F(SignalRecords, SessionsPerDeviceAndDeleteAllForOneUser) {
  PARLEY_ASSERT_OK(store_->session_store({"bob", 3}, bytes("b3")));
  PARLEY_ASSERT_OK(store_->session_store({"bob", 1}, bytes("b1")));
  PARLEY_ASSERT_OK(store_->session_store({"bobby", 1}, bytes("bobby1")));  // not a prefix match
  PARLEY_ASSERT_OK(store_->session_store({"bob", 1}, bytes("b1, advanced")));
  auto devices = store_->session_devices("bob");
  PARLEY_ASSERT_OK(devices);
  EXPECT_EQ(*devices, (std::vector<std::uint32_t>{1, 3}));
  auto b1 = store_->session_load({"bob", 1});
  PARLEY_ASSERT_OK(b1);
  ASSERT_TRUE(b1->has_value());
  EXPECT_EQ(**b1, bytes("b1, advanced"));

  PARLEY_ASSERT_OK(store_->session_delete({"bob", 3}));
  devices = store_->session_devices("bob");
  PARLEY_ASSERT_OK(devices);
  EXPECT_EQ(*devices, (std::vector<std::uint32_t>{1}));

  PARLEY_ASSERT_OK(store_->session_delete_all("bob"));
  devices = store_->session_devices("bob");
  PARLEY_ASSERT_OK(devices);
  EXPECT_TRUE(devices->empty());
  auto bobby = store_->session_devices("bobby");
  PARLEY_ASSERT_OK(bobby);
  EXPECT_EQ(*bobby, (std::vector<std::uint32_t>{1}));
}

TEST_F(SignalRecords, SenderKeysAreKeyedByGroupAndSenderDevice) {
  const Bytes group_a = {0x01, 0x02};
  const Bytes group_b = {0x01, 0x02, 0x00};  // differs only by a trailing zero byte
  PARLEY_ASSERT_OK(store_->sender_key_store(group_a, {"bob", 1}, bytes("a-bob-1")));
  PARLEY_ASSERT_OK(store_->sender_key_store(group_b, {"bob", 1}, bytes("b-bob-1")));
  PARLEY_ASSERT_OK(store_->sender_key_store(group_a, {"bob", 2}, bytes("a-bob-2")));
  PARLEY_ASSERT_OK(store_->sender_key_store(group_a, {"bob", 1}, bytes("a-bob-1, next")));

  auto load = [&](const Bytes& group, const Address& sender) {
    auto record = store_->sender_key_load(group, sender);
    EXPECT_TRUE(record.ok()) << record.error().to_string();
    return record.ok() ? *record : std::nullopt;
  };
  EXPECT_EQ(load(group_a, {"bob", 1}), bytes("a-bob-1, next"));
  EXPECT_EQ(load(group_b, {"bob", 1}), bytes("b-bob-1"));
  EXPECT_EQ(load(group_a, {"bob", 2}), bytes("a-bob-2"));
  EXPECT_EQ(load(group_b, {"bob", 2}), std::nullopt);
}

TEST_F(SignalRecords, LocalIdentityIsASingleReplaceableRow) {
  LocalIdentity first;
  first.address = {"me", 1};
  first.registration_id = 11;
  first.identity_public = bytes("pub1");
  first.identity_private = bytes("priv1");
  PARLEY_ASSERT_OK(store_->set_local_identity(first));
  LocalIdentity second = first;
  second.registration_id = 22;
  second.identity_private = bytes("priv2");
  PARLEY_ASSERT_OK(store_->set_local_identity(second));
  auto me = store_->local_identity();
  PARLEY_ASSERT_OK(me);
  ASSERT_TRUE(me->has_value());
  EXPECT_EQ((*me)->registration_id, 22u);
  EXPECT_EQ((*me)->identity_private, bytes("priv2"));
  auto rows = store_->db().prepare("SELECT count(*) FROM local_identity");
  PARLEY_ASSERT_OK(rows);
  ASSERT_TRUE(*rows->step());
  EXPECT_EQ(rows->column_int(0), 1);
}

// A device id that does not fit 32 bits can only come from outside the API.
TEST_F(SignalRecords, OutOfRangeDeviceIdIsStoreCorrupt) {
  PARLEY_ASSERT_OK(store_->session_store({"bob", 1}, bytes("s")));
  PARLEY_ASSERT_OK(store_->db().exec("UPDATE sessions SET device = 4294967296"));
  auto devices = store_->session_devices("bob");
  ASSERT_FALSE(devices.ok());
  EXPECT_EQ(devices.error().code, Errc::store_corrupt);
}

}  // namespace
}  // namespace parley::store
