// SPDX-License-Identifier: GPL-3.0-or-later
// Every table survives close and reopen, with a raw key and with a passphrase.
#include <gtest/gtest.h>

#include <string>

#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::message_id;
using test_util::must_open;

const Address kAlice{"alice", 1};
const Address kBob{"bob", 2};
const Address kBobOther{"bob", 0xffffffffu};  // the largest device number fits
const Bytes kGroup = {0x00, 0x01, 0xfe, 0xff};

void fill(DeviceStore& store) {
  LocalIdentity me;
  me.address = {"me", 7};
  me.registration_id = 0xfffffffeu;
  me.identity_public = Bytes(33, 0x05);
  me.identity_private = Bytes(32, 0x42);
  PARLEY_ASSERT_OK(store.set_local_identity(me));
  PARLEY_ASSERT_OK(store.meta_set("registered", bytes("yes")));
  PARLEY_ASSERT_OK(store.meta_set("empty", {}));
  PARLEY_ASSERT_OK(store.identity_save(kAlice, bytes("alice-identity")));
  PARLEY_ASSERT_OK(store.prekey_store(5, bytes("prekey-5")));
  PARLEY_ASSERT_OK(store.prekey_store(0xffffffffu, bytes("prekey-max")));
  PARLEY_ASSERT_OK(store.signed_prekey_store(9, bytes("signed-9")));
  PARLEY_ASSERT_OK(store.session_store(kBob, bytes("session-bob-2")));
  PARLEY_ASSERT_OK(store.session_store(kBobOther, bytes("session-bob-max")));
  PARLEY_ASSERT_OK(store.sender_key_store(kGroup, kAlice, bytes("sender-key-alice")));
  OutboxItem out;
  out.message_id = message_id(1);
  out.recipients = {kAlice, kBob, kBobOther};
  out.payload = bytes("outbox-payload");
  out.created_at = 1700000000123;
  PARLEY_ASSERT_OK(store.outbox_put(out));
  PendingItem pending;
  pending.message_id = message_id(2);
  pending.recipient = kBob;
  pending.content = bytes("pending-content");
  pending.created_at = -5;  // any TimeMs round-trips
  auto seq = store.pending_put(pending);
  PARLEY_ASSERT_OK(seq);
  EXPECT_GT(*seq, 0);
  PARLEY_ASSERT_OK(store.inbox_mark(kAlice, message_id(3), 1700000000999));
}

void expect_filled(const DeviceStore& store) {
  auto me = store.local_identity();
  PARLEY_ASSERT_OK(me);
  ASSERT_TRUE(me->has_value());
  EXPECT_EQ((*me)->address, (Address{"me", 7}));
  EXPECT_EQ((*me)->registration_id, 0xfffffffeu);
  EXPECT_EQ((*me)->identity_public, Bytes(33, 0x05));
  EXPECT_EQ((*me)->identity_private, Bytes(32, 0x42));

  auto registered = store.meta_get("registered");
  PARLEY_ASSERT_OK(registered);
  ASSERT_TRUE(registered->has_value());
  EXPECT_EQ(**registered, bytes("yes"));
  auto empty = store.meta_get("empty");
  PARLEY_ASSERT_OK(empty);
  ASSERT_TRUE(empty->has_value());  // empty, but present
  EXPECT_TRUE((*empty)->empty());

  auto identity = store.identity_load(kAlice);
  PARLEY_ASSERT_OK(identity);
  ASSERT_TRUE(identity->has_value());
  EXPECT_EQ(**identity, bytes("alice-identity"));

  auto prekey = store.prekey_load(0xffffffffu);
  PARLEY_ASSERT_OK(prekey);
  ASSERT_TRUE(prekey->has_value());
  EXPECT_EQ(**prekey, bytes("prekey-max"));
  auto prekey_ids = store.prekey_ids();
  PARLEY_ASSERT_OK(prekey_ids);
  EXPECT_EQ(*prekey_ids, (std::vector<std::uint32_t>{5, 0xffffffffu}));

  auto signed_prekey = store.signed_prekey_load(9);
  PARLEY_ASSERT_OK(signed_prekey);
  ASSERT_TRUE(signed_prekey->has_value());
  EXPECT_EQ(**signed_prekey, bytes("signed-9"));
  auto signed_ids = store.signed_prekey_ids();
  PARLEY_ASSERT_OK(signed_ids);
  EXPECT_EQ(*signed_ids, (std::vector<std::uint32_t>{9}));

  auto session = store.session_load(kBob);
  PARLEY_ASSERT_OK(session);
  ASSERT_TRUE(session->has_value());
  EXPECT_EQ(**session, bytes("session-bob-2"));
  auto devices = store.session_devices("bob");
  PARLEY_ASSERT_OK(devices);
  EXPECT_EQ(*devices, (std::vector<std::uint32_t>{2, 0xffffffffu}));

  auto sender_key = store.sender_key_load(kGroup, kAlice);
  PARLEY_ASSERT_OK(sender_key);
  ASSERT_TRUE(sender_key->has_value());
  EXPECT_EQ(**sender_key, bytes("sender-key-alice"));

  auto outbox = store.outbox_items();
  PARLEY_ASSERT_OK(outbox);
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ((*outbox)[0].message_id, message_id(1));
  EXPECT_EQ((*outbox)[0].recipients, (std::vector<Address>{kAlice, kBob, kBobOther}));
  EXPECT_EQ((*outbox)[0].payload, bytes("outbox-payload"));
  EXPECT_EQ((*outbox)[0].created_at, 1700000000123);

  auto pending = store.pending_items();
  PARLEY_ASSERT_OK(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].message_id, message_id(2));
  EXPECT_EQ((*pending)[0].recipient, kBob);
  EXPECT_EQ((*pending)[0].content, bytes("pending-content"));
  EXPECT_EQ((*pending)[0].created_at, -5);

  auto seen = store.inbox_seen(kAlice, message_id(3));
  PARLEY_ASSERT_OK(seen);
  EXPECT_TRUE(*seen);
}

struct KeyCase {
  const char* name;
  StoreKey key;
};

class RoundTrip : public ::testing::TestWithParam<KeyCase> {};

TEST_P(RoundTrip, EveryTableSurvivesCloseAndReopen) {
  parley::test::TempDir dir;
  const std::string path = dir.file("device.db");
  {
    auto store = must_open(path, GetParam().key);
    ASSERT_NE(store, nullptr);
    fill(*store);
    expect_filled(*store);
  }
  auto reopened = must_open(path, GetParam().key);
  ASSERT_NE(reopened, nullptr);
  expect_filled(*reopened);
}

// A fresh store has nothing in any table.
TEST_P(RoundTrip, FreshStoreIsEmpty) {
  parley::test::TempDir dir;
  auto store = must_open(dir.file("device.db"), GetParam().key);
  ASSERT_NE(store, nullptr);
  auto me = store->local_identity();
  PARLEY_ASSERT_OK(me);
  EXPECT_FALSE(me->has_value());
  auto meta = store->meta_get("registered");
  PARLEY_ASSERT_OK(meta);
  EXPECT_FALSE(meta->has_value());
  auto outbox = store->outbox_items();
  PARLEY_ASSERT_OK(outbox);
  EXPECT_TRUE(outbox->empty());
  auto pending = store->pending_items();
  PARLEY_ASSERT_OK(pending);
  EXPECT_TRUE(pending->empty());
  auto ids = store->prekey_ids();
  PARLEY_ASSERT_OK(ids);
  EXPECT_TRUE(ids->empty());
}

INSTANTIATE_TEST_SUITE_P(Keys, RoundTrip,
                         ::testing::Values(KeyCase{"raw", test_util::raw_key(3)},
                                           KeyCase{"passphrase", StoreKey::passphrase("hunter2 but longer")}),
                         [](const ::testing::TestParamInfo<KeyCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace parley::store
