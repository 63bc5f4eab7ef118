// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a store with the wrong key, the wrong kind of key, no key, or a file that is not a
// store: a clear error naming the file, and the file left exactly as it was.
#include <gtest/gtest.h>

#include <string>

#include "store/device_schema.hpp"
#include "store/device_store.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

using test_util::bytes;
using test_util::key_bytes;
using test_util::must_open;
using test_util::raw_key;
using test_util::snapshot;

std::string hex(const std::array<std::uint8_t, 32>& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : key) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

class StoreKeyTest : public ::testing::Test {
 protected:
  // Creates a store holding one meta value, closed again.
  void create(const StoreKey& key) {
    auto store = must_open(path_, key);
    ASSERT_NE(store, nullptr);
    PARLEY_ASSERT_OK(store->meta_set("marker", bytes("still here")));
  }

  // `key` must fail with store_wrong_key, name the file, and change no byte in the directory.
  void expect_wrong_key(const StoreKey& key) {
    const auto before = snapshot(dir_.path());
    auto store = DeviceStore::open(path_, key);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, Errc::store_wrong_key) << store.error().to_string();
    EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
    EXPECT_EQ(snapshot(dir_.path()), before);
  }

  void expect_still_opens(const StoreKey& key) {
    auto store = must_open(path_, key);
    ASSERT_NE(store, nullptr);
    auto marker = store->meta_get("marker");
    PARLEY_ASSERT_OK(marker);
    ASSERT_TRUE(marker->has_value());
    EXPECT_EQ(**marker, bytes("still here"));
  }

  parley::test::TempDir dir_;
  std::string path_ = dir_.file("device.db");
};

TEST_F(StoreKeyTest, RightRawKeyReopens) {
  create(raw_key(1));
  expect_still_opens(raw_key(1));
}

TEST_F(StoreKeyTest, WrongRawKeyIsRejected) {
  create(raw_key(1));
  expect_wrong_key(raw_key(2));
  // One bit off is as wrong as any other key.
  auto near = key_bytes(1);
  near[31] ^= 0x01;
  expect_wrong_key(StoreKey::raw(near));
  expect_still_opens(raw_key(1));
}

TEST_F(StoreKeyTest, WrongPassphraseIsRejected) {
  create(StoreKey::passphrase("correct horse battery staple"));
  expect_wrong_key(StoreKey::passphrase("correct horse battery stapl"));
  expect_wrong_key(StoreKey::passphrase("Correct horse battery staple"));
  expect_still_opens(StoreKey::passphrase("correct horse battery staple"));
}

// The same secret given as the other kind of key is a different key.
TEST_F(StoreKeyTest, RawKeyFileRejectsPassphraseOfTheSameBytes) {
  create(raw_key(1));
  expect_wrong_key(StoreKey::passphrase(hex(key_bytes(1))));
  expect_still_opens(raw_key(1));
}

TEST_F(StoreKeyTest, PassphraseFileRejectsRawKey) {
  const std::string passphrase = hex(key_bytes(1));
  create(StoreKey::passphrase(passphrase));
  expect_wrong_key(raw_key(1));
  expect_still_opens(StoreKey::passphrase(passphrase));
}

// SQLCipher reads x'<hex>' as a raw key; as a passphrase it would open the raw-key file.
TEST_F(StoreKeyTest, PassphraseInRawKeySyntaxIsRefused) {
  create(raw_key(1));
  const auto before = snapshot(dir_.path());
  auto store = DeviceStore::open(path_, StoreKey::passphrase("x'" + hex(key_bytes(1)) + "'"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::invalid_argument);
  EXPECT_EQ(snapshot(dir_.path()), before);
}

TEST_F(StoreKeyTest, EncryptedFileWithoutKeyIsRejected) {
  create(raw_key(1));
  expect_wrong_key(StoreKey::none());
  expect_still_opens(raw_key(1));
}

TEST_F(StoreKeyTest, PlainFileWithKeyIsRejected) {
  create(StoreKey::none());
  expect_wrong_key(raw_key(1));
  expect_still_opens(StoreKey::none());
}

TEST_F(StoreKeyTest, GarbageFileIsAClearErrorWithOrWithoutKey) {
  std::string garbage;
  for (int i = 0; i < 200; ++i) garbage += "this is not a database, just text. ";
  test_util::write_file(path_, garbage);
  expect_wrong_key(raw_key(1));
  expect_wrong_key(StoreKey::passphrase("pass"));
  expect_wrong_key(StoreKey::none());
}

TEST_F(StoreKeyTest, TinyGarbageFileIsAClearError) {
  test_util::write_file(path_, "abc");
  expect_wrong_key(raw_key(1));
  expect_wrong_key(StoreKey::none());
}

// A valid SQLite file that some other program wrote is not adopted as a device store.
TEST_F(StoreKeyTest, ForeignDatabaseIsNotAdopted) {
  {
    auto db = Database::open(path_, StoreKey::none());
    PARLEY_ASSERT_OK(db);
    PARLEY_ASSERT_OK(db->exec("CREATE TABLE contacts (name TEXT)"));
  }
  auto store = DeviceStore::open(path_, StoreKey::none());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::store_corrupt) << store.error().to_string();
  EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
}

TEST_F(StoreKeyTest, NewerSchemaVersionIsRefused) {
  create(raw_key(1));
  {
    auto db = Database::open(path_, raw_key(1));
    PARLEY_ASSERT_OK(db);
    PARLEY_ASSERT_OK(db->exec("PRAGMA user_version = 99"));
  }
  auto store = DeviceStore::open(path_, raw_key(1));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::unsupported_version) << store.error().to_string();
  EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
}

TEST_F(StoreKeyTest, SchemaVersionIsRecorded) {
  create(raw_key(1));
  auto db = Database::open(path_, raw_key(1));
  PARLEY_ASSERT_OK(db);
  auto stmt = db->prepare("PRAGMA user_version");
  PARLEY_ASSERT_OK(stmt);
  ASSERT_TRUE(*stmt->step());
  EXPECT_EQ(stmt->column_int(0), store::kDeviceSchemaVersion);  // v3: post numbers and recovery tables
}

}  // namespace
}  // namespace parley::store
