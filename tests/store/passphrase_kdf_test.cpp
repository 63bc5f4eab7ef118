// SPDX-License-Identifier: GPL-3.0-or-later
// The store's own passphrase KDF: new stores derive a raw SQLCipher key with scrypt (Argon2id
// in wasm) and a per-store salt recorded in `<path>.kdf`; stores made with SQLCipher's default
// KDF still open and are migrated (also after a crash mid-way, including mid-way through
// moving the header into place); headers are parsed strictly; Argon2id and scrypt meet their
// known answers.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/kdf.hpp"
#include "store/database.hpp"
#include "store/passphrase_kdf.hpp"
#include "store_test_util.hpp"
#include "support/temp_dir.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Opens `path` with SQLCipher's own handling of `key` (a passphrase goes through its PBKDF2)
// and reads the schema: true if the key opens the file.
bool sqlcipher_opens(const std::string& path, const std::string& key) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_key(db, key.data(), static_cast<int>(key.size()));
  const bool ok = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

// A store as Parley made it before the header: SQLCipher's default KDF, WAL, one row.
void create_legacy_store(const std::string& path, const std::string& passphrase) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_key(db, passphrase.data(), static_cast<int>(passphrase.size())), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('legacy row');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

std::string row_of(Database& db) {
  auto stmt = db.prepare("SELECT v FROM t");
  EXPECT_TRUE(stmt.ok());
  auto row = stmt->step();
  EXPECT_TRUE(row.ok() && *row);
  return stmt->column_text(0);
}

class PassphraseKdfTest : public ::testing::Test {
 protected:
  // After an interrupted migration: the passphrase opens the legacy data and the header ends up in place.
  void expect_opens_with_header_in_place() {
    auto db = Database::open(path_, key_);
    PARLEY_ASSERT_OK(db);
    EXPECT_EQ(row_of(*db), "legacy row");
    EXPECT_TRUE(fs::exists(header_));
    EXPECT_FALSE(fs::exists(pending_));
  }

  parley::test::TempDir dir_;
  std::string path_ = dir_.file("device.db");
  std::string header_ = path_ + ".kdf";
  std::string pending_ = path_ + ".kdf.new";
  const std::string passphrase_ = "correct horse battery staple";
  StoreKey key_ = StoreKey::passphrase(passphrase_);
};

TEST_F(PassphraseKdfTest, ANewStoreUsesADerivedRawKeyNotSqlcipherPbkdf2) {
  {
    auto db = Database::open(path_, key_);
    PARLEY_ASSERT_OK(db);
    PARLEY_ASSERT_OK(db->exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('x')"));
  }
  ASSERT_TRUE(fs::exists(header_));
  EXPECT_FALSE(fs::exists(pending_));
  auto kdf = decode_kdf_header(read_text(header_));
  PARLEY_ASSERT_OK(kdf);
  EXPECT_EQ(kdf->algorithm, PassphraseKdf::Algorithm::scrypt);
  EXPECT_EQ(kdf->salt.size(), kSaltBytes);
  // SQLCipher's own KDF on the passphrase does not open it; the derived raw key does.
  EXPECT_FALSE(sqlcipher_opens(path_, passphrase_));
  auto derived = derive_store_key(key_, *kdf);
  PARLEY_ASSERT_OK(derived);
  PARLEY_EXPECT_OK(Database::open(path_, *derived));
  // Reopens with the passphrase; a wrong one is refused.
  PARLEY_EXPECT_OK(Database::open(path_, key_));
  EXPECT_EQ(Database::open(path_, StoreKey::passphrase("correct horse battery stapler")).error().code,
            Errc::store_wrong_key);
  // Another store with the same passphrase gets another salt, so another key.
  const std::string other = dir_.file("other.db");
  PARLEY_ASSERT_OK(Database::open(other, key_));
  EXPECT_NE(decode_kdf_header(read_text(other + ".kdf"))->salt, kdf->salt);
}

TEST_F(PassphraseKdfTest, DefaultsAreMemoryHardAndDerive) {
  testing::use_cheap_kdf_for_new_stores(false);
  auto kdf = new_store_kdf();
  testing::use_cheap_kdf_for_new_stores(true);
  PARLEY_ASSERT_OK(kdf);
  EXPECT_EQ(kdf->algorithm, PassphraseKdf::Algorithm::scrypt);
  EXPECT_EQ(kdf->n, 1u << 17);  // 128 MiB
  EXPECT_EQ(kdf->r, 8u);
  EXPECT_EQ(kdf->p, 1u);
  // The full cost really runs (OpenSSL's default memory cap of 32 MiB would refuse it).
  auto a = derive_store_key(key_, *kdf);
  PARLEY_ASSERT_OK(a);
  auto b = derive_store_key(StoreKey::passphrase(passphrase_), *kdf);
  PARLEY_ASSERT_OK(b);
  EXPECT_EQ(a->raw_key(), b->raw_key());
  kdf->salt[0] ^= 1;
  EXPECT_NE(derive_store_key(key_, *kdf)->raw_key(), a->raw_key());
}

TEST_F(PassphraseKdfTest, RawKeysWriteNoHeader) {
  PARLEY_ASSERT_OK(Database::open(path_, test_util::raw_key(3)));
  EXPECT_FALSE(fs::exists(header_));
  EXPECT_FALSE(fs::exists(pending_));
}

TEST_F(PassphraseKdfTest, AStoreFromBeforeTheHeaderOpensAndIsMigrated) {
  create_legacy_store(path_, passphrase_);
  ASSERT_TRUE(sqlcipher_opens(path_, passphrase_));
  EXPECT_EQ(Database::open(path_, StoreKey::passphrase("wrong")).error().code, Errc::store_wrong_key);
  EXPECT_FALSE(fs::exists(header_)) << "a wrong passphrase migrates nothing";
  {
    auto db = Database::open(path_, key_);
    PARLEY_ASSERT_OK(db);
    EXPECT_EQ(row_of(*db), "legacy row");
    PARLEY_ASSERT_OK(db->exec("INSERT INTO t VALUES ('after migration')"));
  }
  ASSERT_TRUE(fs::exists(header_));
  EXPECT_FALSE(fs::exists(pending_));
  EXPECT_FALSE(sqlcipher_opens(path_, passphrase_)) << "the old PBKDF2 key no longer opens it";
  auto again = Database::open(path_, key_);
  PARLEY_ASSERT_OK(again);
  EXPECT_EQ(row_of(*again), "legacy row");
}

TEST_F(PassphraseKdfTest, AMigrationInterruptedBeforeTheRekeyStillOpens) {
  create_legacy_store(path_, passphrase_);
  auto stale = new_store_kdf();
  PARLEY_ASSERT_OK(stale);
  write_text(pending_, encode_kdf_header(*stale));  // the header was written, the file not rekeyed
  expect_opens_with_header_in_place();
}

TEST_F(PassphraseKdfTest, AMigrationInterruptedAfterTheRekeyStillOpens) {
  create_legacy_store(path_, passphrase_);
  PARLEY_ASSERT_OK(Database::open(path_, key_));
  fs::rename(header_, pending_);  // rekeyed, the header not yet moved into place
  expect_opens_with_header_in_place();
}

TEST_F(PassphraseKdfTest, AMissingOrDamagedHeaderIsAClearErrorAndChangesNothing) {
  PARLEY_ASSERT_OK(Database::open(path_, key_));
  const std::string header = read_text(header_);
  fs::remove(header_);
  auto missing = Database::open(path_, key_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::store_wrong_key);
  EXPECT_NE(missing.error().message.find(header_), std::string::npos) << missing.error().message;
  EXPECT_FALSE(fs::exists(header_));

  write_text(header_, "parley-store-kdf 1\nalgorithm scrypt\nn 1048577\nr 8\np 1\nsalt 00112233445566778899aabbccddeeff\n");
  auto damaged = Database::open(path_, key_);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, Errc::store_corrupt);
  write_text(header_, header);
  PARLEY_EXPECT_OK(Database::open(path_, key_));
}

TEST_F(PassphraseKdfTest, AMoveIntoPlaceInterruptedAfterATornCopyStillOpens) {
  PARLEY_ASSERT_OK(Database::open(path_, key_));
  const std::string text = read_text(header_);
  // The VFS has no rename: the header is copied into place, then the pending one deleted. A
  // crash mid-copy leaves the pending header and a torn `.kdf`; the pending one wins.
  write_text(pending_, text);
  write_text(header_, text.substr(0, text.size() / 2));
  EXPECT_EQ(Database::open(path_, StoreKey::passphrase("wrong")).error().code, Errc::store_wrong_key);
  EXPECT_TRUE(fs::exists(pending_)) << "a wrong passphrase must not drop the only intact header";
  auto db = Database::open(path_, key_);
  PARLEY_ASSERT_OK(db);
  EXPECT_EQ(read_text(header_), text);
  EXPECT_FALSE(fs::exists(pending_));
}

TEST_F(PassphraseKdfTest, ATornPendingHeaderOfACreationThatNeverHappenedIsDropped) {
  write_text(pending_, "parley-store-kdf 1\nalgorithm scr");  // crashed while writing step 1
  auto db = Database::open(path_, key_);
  PARLEY_ASSERT_OK(db);
  PARLEY_ASSERT_OK(db->exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('x')"));
  EXPECT_FALSE(fs::exists(pending_));
  PARLEY_ASSERT_OK(decode_kdf_header(read_text(header_)));
  auto again = Database::open(path_, key_);
  PARLEY_ASSERT_OK(again);
  EXPECT_EQ(row_of(*again), "x");
}

TEST_F(PassphraseKdfTest, AnArgon2idHeaderOpensTheStoreInEveryBuild) {
  // What a browser writes: a native build (and every other) opens it with the same key.
  PassphraseKdf kdf{PassphraseKdf::Algorithm::argon2id, 0, 0, 0, 0, Bytes(16, 0x5a), 256, 1, 1};
  write_text(header_, encode_kdf_header(kdf));
  {
    auto db = Database::open(path_, key_);  // no data yet: created with the header's key
    PARLEY_ASSERT_OK(db);
    PARLEY_ASSERT_OK(db->exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('from argon2id')"));
  }
  auto derived = derive_store_key(key_, kdf);
  PARLEY_ASSERT_OK(derived);
  auto raw = Database::open(path_, *derived);
  PARLEY_ASSERT_OK(raw);
  EXPECT_EQ(row_of(*raw), "from argon2id");
  EXPECT_EQ(Database::open(path_, StoreKey::passphrase("wrong")).error().code, Errc::store_wrong_key);
  EXPECT_EQ(decode_kdf_header(read_text(header_))->algorithm, PassphraseKdf::Algorithm::argon2id);
}

// RFC 9106 section 5.3's inputs (P = 32 x 0x01, S = 16 x 0x02, t = 3, m = 32 KiB), without
// its secret K and associated data X and with one lane, the case libsodium computes. The
// expected tags were computed with the PHC reference implementation (Debian's libargon2-1,
// argon2id_hash_raw), which with K, X and p = 4 gives RFC 9106's own tag 0d640df5...e659;
// the second is the reference test.c's "password" case with a 16-byte salt.
TEST(Argon2id, MatchesTheReferenceImplementation) {
  ASSERT_TRUE(crypto::has_argon2id());
  const std::string password(32, '\x01');
  const Bytes salt(16, 0x02);
  std::array<std::uint8_t, 32> out{};
  PARLEY_ASSERT_OK(crypto::argon2id(password, salt, 32, 3, 1, out));
  EXPECT_EQ(to_hex(out), "30e0b44b7e23423b7282859ea36f02825b5828dde3c25f124d59d42d7235e132");
  const std::string somesalt = "somesaltsomesalt";
  PARLEY_ASSERT_OK(crypto::argon2id("password", Bytes(somesalt.begin(), somesalt.end()), 1u << 16, 2, 1, out));
  EXPECT_EQ(to_hex(out), "fc33b78139231d34b71626bd6245c1d72efa190ad605c3d8166a72adcedfa2c2");
  // What it refuses rather than computing something else.
  EXPECT_EQ(crypto::argon2id(password, salt, 32, 3, 4, out).error().code, Errc::invalid_argument);  // lanes
  EXPECT_EQ(crypto::argon2id(password, Bytes(8, 0x02), 32, 3, 1, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(crypto::argon2id(password, salt, 32, 0, 1, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(crypto::argon2id(password, salt, 4, 3, 1, out).error().code, Errc::invalid_argument);
}

// RFC 7914 section 12, the third vector (N = 16384 would be slow in a unit suite).
TEST(Scrypt, MatchesRfc7914) {
  std::array<std::uint8_t, 64> out{};
  const std::string nacl = "NaCl";
  PARLEY_ASSERT_OK(crypto::scrypt("password", Bytes(nacl.begin(), nacl.end()), 1024, 8, 16, out));
  EXPECT_EQ(to_hex(out),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83"
            "ee6d8360cbdfa2cc0640");
}

TEST(PassphraseKdfHeader, RoundTripsAndRefusesWhatItDoesNotKnow) {
  PassphraseKdf scrypt{PassphraseKdf::Algorithm::scrypt, 1u << 15, 8, 2, 0, Bytes(16, 0xab)};
  EXPECT_EQ(*decode_kdf_header(encode_kdf_header(scrypt)), scrypt);
  PassphraseKdf pbkdf2{PassphraseKdf::Algorithm::pbkdf2_sha256, 0, 0, 0, 600'000, Bytes(16, 0x01)};
  EXPECT_EQ(*decode_kdf_header(encode_kdf_header(pbkdf2)), pbkdf2);
  PassphraseKdf argon2id{PassphraseKdf::Algorithm::argon2id, 0, 0, 0, 0, Bytes(16, 0x07), 65536, 3, 1};
  EXPECT_EQ(encode_kdf_header(argon2id), "parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 1\n"
                                         "salt 07070707070707070707070707070707\n");
  EXPECT_EQ(*decode_kdf_header(encode_kdf_header(argon2id)), argon2id);
  // The largest an Argon2id header may ask for: 1 GiB, 16 passes.
  argon2id.memory_kib = 1u << 20;
  argon2id.passes = 16;
  EXPECT_EQ(*decode_kdf_header(encode_kdf_header(argon2id)), argon2id);
  const std::string salt = "salt 00112233445566778899aabbccddeeff\n";
  for (const std::string bad : {
           std::string("parley-store-kdf 2\nalgorithm scrypt\nn 1024\nr 8\np 1\n") + salt,  // another version
           std::string("parley-store-kdf 1\nalgorithm argon2\n") + salt,                  // unknown algorithm
           std::string("parley-store-kdf 1\nalgorithm scrypt\nn 1000\nr 8\np 1\n") + salt,  // not a power of two
           std::string("parley-store-kdf 1\nalgorithm scrypt\nn 2097152\nr 8\np 1\n") + salt,  // 2 GiB
           std::string("parley-store-kdf 1\nalgorithm scrypt\nn 1024\nr 0\np 1\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm pbkdf2-sha256\niterations 0\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm pbkdf2-sha256\niterations 1000\n"),  // no salt
           std::string("parley-store-kdf 1\nalgorithm pbkdf2-sha256\niterations 1000\nsalt 0g\n"),
           std::string("parley-store-kdf 1\nalgorithm pbkdf2-sha256\niterations 1000\niterations 9\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm pbkdf2-sha256\niterations 1000x\n") + salt,
           std::string(2000, 'a'),
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 1048577\npasses 3\nlanes 1\n") + salt,  // > 1 GiB
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 4\npasses 3\nlanes 1\n") + salt,  // < 8 KiB
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 0\nlanes 1\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 17\nlanes 1\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 0\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 4\n") + salt,  // one lane only
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\n") + salt,  // no lanes
           std::string("parley-store-kdf 1\nalgorithm argon2id\npasses 3\nlanes 1\n") + salt,  // no memory
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses -3\nlanes 1\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 1\nsalt 0011223344556677\n"),
           std::string("parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 64k\npasses 3\nlanes 1\n") + salt,
           std::string("parley-store-kdf 1\nalgorithm Argon2id\nmemory-kib 65536\npasses 3\nlanes 1\n") + salt,
       }) {
    auto decoded = decode_kdf_header(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::store_corrupt) << bad;
  }
}

}  // namespace
}  // namespace parley::store
