// SPDX-License-Identifier: GPL-3.0-or-later
// No plaintext at rest: distinctive canaries written through the store never appear in any
// file of the store's directory (database, -wal, -shm), while the store is open or after it
// is closed. The same writes without a key must show every canary, which proves the scan.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::message_id;
using test_util::must_open;

// Each place a canary goes, so a miss names the place.
const std::vector<std::string> kCanaries = {
    "CanaryMetaValue-7f3a91",      "CanaryPendingContent-7f3a91", "CanarySessionRecord-7f3a91",
    "CanaryOutboxPayload-7f3a91",  "CanaryUserName7f3a91",        "CanaryIdentityPrivate-7f3a91",
    "CanaryPrekeyRecord-7f3a91",
};

void write_canaries(DeviceStore& store) {
  const Address canary_user{kCanaries[4], 3};
  PARLEY_ASSERT_OK(store.meta_set("note", bytes(kCanaries[0])));
  PendingItem pending;
  pending.message_id = message_id(1);
  pending.recipient = {"bob", 1};
  pending.content = bytes(kCanaries[1]);
  PARLEY_ASSERT_OK(store.pending_put(pending));
  PARLEY_ASSERT_OK(store.session_store({"bob", 1}, bytes(kCanaries[2])));
  OutboxItem out;
  out.message_id = message_id(2);
  out.recipients = {canary_user};
  out.payload = bytes(kCanaries[3]);
  PARLEY_ASSERT_OK(store.outbox_put(out));
  PARLEY_ASSERT_OK(store.session_store(canary_user, bytes("record")));
  PARLEY_ASSERT_OK(store.identity_save(canary_user, bytes("identity")));
  PARLEY_ASSERT_OK(store.inbox_mark(canary_user, message_id(3), 1));
  LocalIdentity me;
  me.address = canary_user;
  me.identity_private = bytes(kCanaries[5]);
  PARLEY_ASSERT_OK(store.set_local_identity(me));
  PARLEY_ASSERT_OK(store.prekey_store(1, bytes(kCanaries[6])));
}

// Canaries that appear in some file of `dir`, with the files they appear in.
std::vector<std::string> leaked(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& canary : kCanaries)
    for (const auto& file : parley::test::files_containing(dir, canary))
      found.push_back(canary + " in " + file.filename().string());
  return found;
}

std::vector<std::string> canaries_missing_from(const std::filesystem::path& dir) {
  std::vector<std::string> missing;
  for (const auto& canary : kCanaries)
    if (parley::test::files_containing(dir, canary).empty()) missing.push_back(canary);
  return missing;
}

class EncryptionAtRest : public ::testing::TestWithParam<int> {
 protected:
  StoreKey key() const { return GetParam() == 0 ? test_util::raw_key(9) : StoreKey::passphrase("open sesame"); }
};

TEST_P(EncryptionAtRest, NoCanaryInAnyFileWhileOpenOrAfterClose) {
  parley::test::TempDir dir;
  {
    auto store = must_open(dir.file("device.db"), key());
    ASSERT_NE(store, nullptr);
    write_canaries(*store);
    // Uncheckpointed writes sit in the -wal file now.
    EXPECT_TRUE(std::filesystem::exists(dir.file("device.db-wal")));
    EXPECT_EQ(leaked(dir.path()), std::vector<std::string>{});
  }
  EXPECT_EQ(leaked(dir.path()), std::vector<std::string>{});
  // The data is really there, behind the key.
  auto store = must_open(dir.file("device.db"), key());
  ASSERT_NE(store, nullptr);
  auto note = store->meta_get("note");
  PARLEY_ASSERT_OK(note);
  ASSERT_TRUE(note->has_value());
  EXPECT_EQ(**note, bytes(kCanaries[0]));
}

INSTANTIATE_TEST_SUITE_P(Keys, EncryptionAtRest, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == 0 ? "raw" : "passphrase");
                         });

// Control: without a key every canary is visible, both in the -wal and after checkpoint.
TEST(EncryptionAtRestControl, ScanFindsEveryCanaryInAPlainStore) {
  parley::test::TempDir dir;
  {
    auto store = must_open(dir.file("device.db"), StoreKey::none());
    ASSERT_NE(store, nullptr);
    write_canaries(*store);
    EXPECT_EQ(canaries_missing_from(dir.path()), std::vector<std::string>{});
  }
  EXPECT_EQ(canaries_missing_from(dir.path()), std::vector<std::string>{});
}

// Removed prekeys and replaced session states are zeroed, not left in free pages: checked on
// a plain store, where leftover bytes would be readable.
TEST(EncryptionAtRestControl, RemovedAndReplacedRecordsLeaveNoBytesBehind) {
  parley::test::TempDir dir;
  const std::string old_prekey = "RemovedPrekey-7f3a91";
  const std::string old_session = "SupersededSession-7f3a91";
  {
    auto store = must_open(dir.file("device.db"), StoreKey::none());
    ASSERT_NE(store, nullptr);
    PARLEY_ASSERT_OK(store->prekey_store(1, bytes(old_prekey)));
    PARLEY_ASSERT_OK(store->session_store({"bob", 1}, bytes(old_session)));
  }
  ASSERT_FALSE(parley::test::files_containing(dir.path(), old_prekey).empty());
  {
    auto store = must_open(dir.file("device.db"), StoreKey::none());
    ASSERT_NE(store, nullptr);
    PARLEY_ASSERT_OK(store->prekey_remove(1));
    PARLEY_ASSERT_OK(store->session_store({"bob", 1}, bytes("next")));
  }
  EXPECT_TRUE(parley::test::files_containing(dir.path(), old_prekey).empty());
  EXPECT_TRUE(parley::test::files_containing(dir.path(), old_session).empty());
}

}  // namespace
}  // namespace parley::store
