// SPDX-License-Identifier: GPL-3.0-or-later
// The crypto provider against published vectors: RFC 4231 (HMAC-SHA256),
// FIPS 180-2 (SHA-512), NIST SP 800-38A (AES-CBC, AES-CTR). Called only through the
// provider's function pointers, exactly as libsignal calls them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "hex.hpp"

namespace parley::crypto {
namespace {

using test::hex;
using test::text_bytes;

const signal_crypto_provider& provider() { return crypto_provider(); }

// Runs one HMAC through init/update.../final/cleanup, feeding `data` in `pieces` parts.
Bytes hmac(const Bytes& key, const Bytes& data, std::size_t pieces = 1) {
  const auto& p = provider();
  void* ctx = nullptr;
  EXPECT_EQ(p.hmac_sha256_init_func(&ctx, key.data(), key.size(), p.user_data), 0);
  if (!ctx) return {};
  const std::size_t step = data.size() / pieces + 1;
  for (std::size_t at = 0; at < data.size(); at += step) {
    const std::size_t n = std::min(step, data.size() - at);
    EXPECT_EQ(p.hmac_sha256_update_func(ctx, data.data() + at, n, p.user_data), 0);
  }
  signal_buffer* raw = nullptr;
  EXPECT_EQ(p.hmac_sha256_final_func(ctx, &raw, p.user_data), 0);
  p.hmac_sha256_cleanup_func(ctx, p.user_data);
  BufferPtr out(raw);
  return to_bytes(out.get());
}

Bytes sha512_final(void* ctx) {
  signal_buffer* raw = nullptr;
  EXPECT_EQ(provider().sha512_digest_final_func(ctx, &raw, provider().user_data), 0);
  BufferPtr out(raw);
  return to_bytes(out.get());
}

void sha512_update(void* ctx, const Bytes& data) {
  EXPECT_EQ(
      provider().sha512_digest_update_func(ctx, data.data(), data.size(), provider().user_data), 0);
}

struct CipherOut {
  int rc = 0;
  Bytes bytes;
};

CipherOut encrypt(int cipher, const Bytes& key, const Bytes& iv, const Bytes& input) {
  signal_buffer* raw = nullptr;
  CipherOut out;
  out.rc = provider().encrypt_func(&raw, cipher, key.data(), key.size(), iv.data(), iv.size(),
                                   input.data(), input.size(), provider().user_data);
  BufferPtr owned(raw);
  out.bytes = to_bytes(owned.get());
  return out;
}

CipherOut decrypt(int cipher, const Bytes& key, const Bytes& iv, const Bytes& input) {
  signal_buffer* raw = nullptr;
  CipherOut out;
  out.rc = provider().decrypt_func(&raw, cipher, key.data(), key.size(), iv.data(), iv.size(),
                                   input.data(), input.size(), provider().user_data);
  BufferPtr owned(raw);
  out.bytes = to_bytes(owned.get());
  return out;
}

Bytes prefix(const Bytes& bytes, std::size_t n) {
  return Bytes(bytes.begin(),
               bytes.begin() + static_cast<std::ptrdiff_t>(std::min(n, bytes.size())));
}

// ---- RFC 4231 ------------------------------------------------------------------------------

struct HmacCase {
  const char* name;
  Bytes key;
  Bytes data;
  Bytes mac;
};

std::vector<HmacCase> rfc4231_cases() {
  return {
      {"case 1", hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), text_bytes("Hi There"),
       hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")},
      {"case 2", text_bytes("Jefe"), text_bytes("what do ya want for nothing?"),
       hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")},
      {"case 3", hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Bytes(50, 0xdd),
       hex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")},
      {"case 4", hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")},
      {"case 6", Bytes(131, 0xaa),
       text_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")},
      {"case 7", Bytes(131, 0xaa),
       text_bytes("This is a test using a larger than block-size key and a larger than "
                  "block-size data. The key needs to be hashed before being used by the HMAC "
                  "algorithm."),
       hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")},
  };
}

TEST(ProviderHmacSha256, Rfc4231Vectors) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(hmac(c.key, c.data), c.mac);
  }
}

TEST(ProviderHmacSha256, IncrementalUpdatesMatchOneShot) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(hmac(c.key, c.data, 7), c.mac);
  }
}

// Case 5 specifies only the first 128 bits of the output.
TEST(ProviderHmacSha256, Rfc4231Case5TruncatedPrefix) {
  const Bytes mac = hmac(Bytes(20, 0x0c), text_bytes("Test With Truncation"));
  ASSERT_EQ(mac.size(), 32u);
  EXPECT_EQ(prefix(mac, 16), hex("a3b6167473100ee06e0c796c2955552b"));
}

// HKDF may run with an empty salt; a null key must not turn into "reuse the previous key".
TEST(ProviderHmacSha256, EmptyKeyAndMessage) {
  EXPECT_EQ(hmac({}, {}), hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
}

TEST(ProviderHmacSha256, CleanupAcceptsNull) {
  provider().hmac_sha256_cleanup_func(nullptr, provider().user_data);
  provider().sha512_digest_cleanup_func(nullptr, provider().user_data);
}

// ---- FIPS 180-2 SHA-512 --------------------------------------------------------------------

const Bytes kSha512Abc =
    hex("ddaf35a193617aba cc417349ae204131 12e6fa4e89a97ea2 0a9eeee64b55d39a"
        "2192992a274fc1a8 36ba3c23a3feebbd 454d4423643ce80e 2a9ac94fa54ca49f");
const Bytes kSha512Empty =
    hex("cf83e1357eefb8bd f1542850d66d8007 d620e4050b5715dc 83f4a921d36ce9ce"
        "47d0d13c5d85f2b0 ff8318d2877eec2f 63b931bd47417a81 a538327af927da3e");

TEST(ProviderSha512, AbcAndEmpty) {
  void* ctx = nullptr;
  ASSERT_EQ(provider().sha512_digest_init_func(&ctx, provider().user_data), 0);
  sha512_update(ctx, text_bytes("abc"));
  EXPECT_EQ(sha512_final(ctx), kSha512Abc);
  provider().sha512_digest_cleanup_func(ctx, provider().user_data);

  ASSERT_EQ(provider().sha512_digest_init_func(&ctx, provider().user_data), 0);
  EXPECT_EQ(sha512_final(ctx), kSha512Empty);
  provider().sha512_digest_cleanup_func(ctx, provider().user_data);
}

// FIPS 180-2 appendix C.2: the 896-bit two-block message, fed in uneven pieces.
TEST(ProviderSha512, TwoBlockMessageInPieces) {
  const std::string message =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
      "lmnopqrsmnopqrstnopqrstu";
  void* ctx = nullptr;
  ASSERT_EQ(provider().sha512_digest_init_func(&ctx, provider().user_data), 0);
  sha512_update(ctx, text_bytes(message.substr(0, 5)));
  sha512_update(ctx, text_bytes(message.substr(5, 100)));
  sha512_update(ctx, text_bytes(message.substr(105)));
  EXPECT_EQ(sha512_final(ctx),
            hex("8e959b75dae313da 8cf4f72814fc143f 8f7779c6eb9f7fa1 7299aeadb6889018"
                "501d289e4900f7e4 331b99dec4b5433a c7d329eeb6dd2654 5e96e55b874be909"));
  provider().sha512_digest_cleanup_func(ctx, provider().user_data);
}

// libsignal hashes again on the same context after final, so final must re-initialise it.
TEST(ProviderSha512, FinalReinitialisesContext) {
  void* ctx = nullptr;
  ASSERT_EQ(provider().sha512_digest_init_func(&ctx, provider().user_data), 0);
  sha512_update(ctx, text_bytes("abc"));
  EXPECT_EQ(sha512_final(ctx), kSha512Abc);
  sha512_update(ctx, text_bytes("abc"));
  EXPECT_EQ(sha512_final(ctx), kSha512Abc);
  EXPECT_EQ(sha512_final(ctx), kSha512Empty);
  provider().sha512_digest_cleanup_func(ctx, provider().user_data);
}

// ---- NIST SP 800-38A -----------------------------------------------------------------------

const Bytes kNistPlaintext =
    hex("6bc1bee22e409f96e93d7e117393172a"
        "ae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52ef"
        "f69f2445df4f9b17ad2b417be66c3710");
const Bytes kCbcIv = hex("000102030405060708090a0b0c0d0e0f");
const Bytes kAes128Key = hex("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kAes192Key = hex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
const Bytes kAes256Key = hex("603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4");

// With PKCS#7 a 64-byte input gains one full padding block; the first 64 bytes are the
// unpadded NIST ciphertext, and decryption restores the plaintext.
void check_cbc_vector(const Bytes& key, const Bytes& expected) {
  const CipherOut ct = encrypt(SG_CIPHER_AES_CBC_PKCS5, key, kCbcIv, kNistPlaintext);
  ASSERT_EQ(ct.rc, 0);
  ASSERT_EQ(ct.bytes.size(), 80u);
  EXPECT_EQ(prefix(ct.bytes, 64), expected);

  const CipherOut pt = decrypt(SG_CIPHER_AES_CBC_PKCS5, key, kCbcIv, ct.bytes);
  ASSERT_EQ(pt.rc, 0);
  EXPECT_EQ(pt.bytes, kNistPlaintext);
}

TEST(ProviderAesCbc, F21Aes128) {
  check_cbc_vector(kAes128Key, hex("7649abac8119b246cee98e9b12e9197d"
                                   "5086cb9b507219ee95db113a917678b2"
                                   "73bed6b8e3c1743b7116e69e22229516"
                                   "3ff1caa1681fac09120eca307586e1a7"));
}

TEST(ProviderAesCbc, F23Aes192) {
  check_cbc_vector(kAes192Key, hex("4f021db243bc633d7178183a9fa071e8"
                                   "b4d9ada9ad7dedf4e5e738763f69145a"
                                   "571b242012fb7ae07fa9baac3df102e0"
                                   "08b0e27988598881d920a9e64f5615cd"));
}

TEST(ProviderAesCbc, F25Aes256) {
  check_cbc_vector(kAes256Key, hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6"
                                   "9cfc4e967edb808d679f777bc6702c7d"
                                   "39f23369a9d9bacfa530e26304231461"
                                   "b2eb05e2c39be9fcda6c19078c6a9d1b"));
}

TEST(ProviderAesCbc, EmptyPlaintextIsOnePaddingBlock) {
  const CipherOut ct = encrypt(SG_CIPHER_AES_CBC_PKCS5, kAes256Key, kCbcIv, {});
  ASSERT_EQ(ct.rc, 0);
  EXPECT_EQ(ct.bytes.size(), 16u);
  const CipherOut pt = decrypt(SG_CIPHER_AES_CBC_PKCS5, kAes256Key, kCbcIv, ct.bytes);
  ASSERT_EQ(pt.rc, 0);
  EXPECT_TRUE(pt.bytes.empty());
}

// The bare NIST ciphertext has no padding block: its last plaintext byte is 0x10, which
// claims 16 padding bytes that are not all 0x10, so PKCS#7 must reject it.
TEST(ProviderAesCbc, RejectsBadPaddingAndPartialBlocks) {
  const Bytes bare =
      hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6"
          "9cfc4e967edb808d679f777bc6702c7d"
          "39f23369a9d9bacfa530e26304231461"
          "b2eb05e2c39be9fcda6c19078c6a9d1b");
  const CipherOut bad_padding = decrypt(SG_CIPHER_AES_CBC_PKCS5, kAes256Key, kCbcIv, bare);
  EXPECT_LT(bad_padding.rc, 0);
  EXPECT_TRUE(bad_padding.bytes.empty());

  const CipherOut partial = decrypt(SG_CIPHER_AES_CBC_PKCS5, kAes256Key, kCbcIv, prefix(bare, 63));
  EXPECT_LT(partial.rc, 0);

  const CipherOut empty = decrypt(SG_CIPHER_AES_CBC_PKCS5, kAes256Key, kCbcIv, {});
  EXPECT_LT(empty.rc, 0);
}

const Bytes kCtrCounter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
const Bytes kCtr256Ciphertext =
    hex("601ec313775789a5b7a7f504bbf3d228"
        "f443e3ca4d62b59aca84e990cacaf5c5"
        "2b0930daa23de94ce87017ba2d84988d"
        "dfc9c58db67aada613c2dd08457941a6");

TEST(ProviderAesCtr, F55Aes256Encrypt) {
  const CipherOut ct =
      encrypt(SG_CIPHER_AES_CTR_NOPADDING, kAes256Key, kCtrCounter, kNistPlaintext);
  ASSERT_EQ(ct.rc, 0);
  EXPECT_EQ(ct.bytes, kCtr256Ciphertext);
}

TEST(ProviderAesCtr, F56Aes256Decrypt) {
  const CipherOut pt =
      decrypt(SG_CIPHER_AES_CTR_NOPADDING, kAes256Key, kCtrCounter, kCtr256Ciphertext);
  ASSERT_EQ(pt.rc, 0);
  EXPECT_EQ(pt.bytes, kNistPlaintext);
}

// A stream mode: a partial block encrypts to the same-length prefix, never padded.
TEST(ProviderAesCtr, PartialBlockIsNotPadded) {
  const CipherOut ct =
      encrypt(SG_CIPHER_AES_CTR_NOPADDING, kAes256Key, kCtrCounter, prefix(kNistPlaintext, 21));
  ASSERT_EQ(ct.rc, 0);
  EXPECT_EQ(ct.bytes, prefix(kCtr256Ciphertext, 21));
}

// ---- argument checking ---------------------------------------------------------------------

TEST(ProviderAes, RejectsBadKeyLengths) {
  for (std::size_t len : {0u, 15u, 17u, 31u, 33u, 64u}) {
    SCOPED_TRACE(len);
    const Bytes key(len, 0x42);
    for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING}) {
      const CipherOut ct = encrypt(cipher, key, kCbcIv, kNistPlaintext);
      EXPECT_EQ(ct.rc, SG_ERR_INVAL);
      EXPECT_TRUE(ct.bytes.empty());
      EXPECT_EQ(decrypt(cipher, key, kCbcIv, kNistPlaintext).rc, SG_ERR_INVAL);
    }
  }
}

TEST(ProviderAes, RejectsBadIvLengths) {
  for (std::size_t len : {0u, 8u, 12u, 15u, 17u, 32u}) {
    SCOPED_TRACE(len);
    const Bytes iv(len, 0x01);
    for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING}) {
      EXPECT_EQ(encrypt(cipher, kAes256Key, iv, kNistPlaintext).rc, SG_ERR_INVAL);
      EXPECT_EQ(decrypt(cipher, kAes256Key, iv, kNistPlaintext).rc, SG_ERR_INVAL);
    }
  }
}

TEST(ProviderAes, RejectsUnknownCipher) {
  for (int cipher : {0, 3, -1, 99}) {
    SCOPED_TRACE(cipher);
    const CipherOut ct = encrypt(cipher, kAes256Key, kCbcIv, kNistPlaintext);
    EXPECT_EQ(ct.rc, SG_ERR_INVAL);
    EXPECT_TRUE(ct.bytes.empty());
    EXPECT_EQ(decrypt(cipher, kAes256Key, kCbcIv, kNistPlaintext).rc, SG_ERR_INVAL);
  }
}

// ---- randomness and the installed context --------------------------------------------------

TEST(ProviderRandom, FillsBuffer) {
  Bytes a(64, 0);
  Bytes b(64, 0);
  ASSERT_EQ(provider().random_func(a.data(), a.size(), provider().user_data), 0);
  ASSERT_EQ(provider().random_func(b.data(), b.size(), provider().user_data), 0);
  EXPECT_NE(a, Bytes(64, 0));
  EXPECT_NE(a, b);
}

TEST(GlobalContext, IsCreatedOnceWithTheProvider) {
  signal_context* first = global_context();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(global_context(), first);
}

}  // namespace
}  // namespace parley::crypto
