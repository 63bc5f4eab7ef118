// SPDX-License-Identifier: GPL-3.0-or-later
// libsignal-protocol-c's crypto callbacks on OpenSSL 3 EVP: CSPRNG, HMAC-SHA256, SHA-512,
// AES-CBC with PKCS#7 and AES-CTR. Contract: provider.hpp.
#include "crypto/provider.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/signal_ptr.hpp"

namespace parley::crypto {
namespace {

constexpr std::size_t kAesBlockBytes = 16;
constexpr std::size_t kAesIvBytes = 16;

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Algorithms are fetched once and kept for the process (like global_context()): an
// implicit fetch on every call would repeat OpenSSL's provider lookup per message.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_MD* sha512_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  return md;
}

// Index by [mode][key size]: mode 0 = CTR, 1 = CBC; size 0/1/2 = 128/192/256 bits.
EVP_CIPHER* aes_algorithm(int mode_index, int size_index) {
  static EVP_CIPHER* const ciphers[2][3] = {
      {EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-192-CTR", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr)},
      {EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-192-CBC", nullptr),
       EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)},
  };
  return ciphers[mode_index][size_index];
}

// Copies `len` bytes into a new signal_buffer for libsignal, which takes ownership.
int emit(signal_buffer** output, const std::uint8_t* data, std::size_t len) {
  signal_buffer* buffer = signal_buffer_create(data, len);
  if (!buffer) return SG_ERR_NOMEM;
  *output = buffer;
  return 0;
}

int random_fill(std::uint8_t* data, std::size_t len, void* /*user_data*/) {
  if (!data && len > 0) return SG_ERR_INVAL;
  // RAND_bytes takes an int length.
  while (len > 0) {
    const int chunk = len > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(len);
    if (RAND_bytes(data, chunk) != 1) return SG_ERR_UNKNOWN;
    data += chunk;
    len -= static_cast<std::size_t>(chunk);
  }
  return 0;
}

// --- HMAC-SHA256 ---------------------------------------------------------------------------

int hmac_init(void** hmac_context, const std::uint8_t* key, std::size_t key_len, void*) {
  if (!hmac_context || (!key && key_len > 0)) return SG_ERR_INVAL;
  EVP_MAC* mac = hmac_algorithm();
  if (!mac) return SG_ERR_UNKNOWN;
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return SG_ERR_NOMEM;

  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // A null key means "keep the previous key" to EVP_MAC_init; an empty key is valid HMAC.
  static const std::uint8_t kEmptyKey = 0;
  if (EVP_MAC_init(ctx.get(), key_len > 0 ? key : &kEmptyKey, key_len, params) != 1) {
    return SG_ERR_UNKNOWN;
  }
  *hmac_context = ctx.release();
  return 0;
}

int hmac_update(void* hmac_context, const std::uint8_t* data, std::size_t data_len, void*) {
  if (!hmac_context || (!data && data_len > 0)) return SG_ERR_INVAL;
  if (data_len == 0) return 0;
  auto* ctx = static_cast<EVP_MAC_CTX*>(hmac_context);
  return EVP_MAC_update(ctx, data, data_len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

int hmac_final(void* hmac_context, signal_buffer** output, void*) {
  if (!hmac_context || !output) return SG_ERR_INVAL;
  auto* ctx = static_cast<EVP_MAC_CTX*>(hmac_context);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  std::size_t mac_len = 0;
  int result = SG_ERR_UNKNOWN;
  if (EVP_MAC_final(ctx, mac, &mac_len, sizeof mac) == 1) result = emit(output, mac, mac_len);
  // A MAC over secret material can itself be key material (HKDF uses it as the PRK).
  OPENSSL_cleanse(mac, sizeof mac);
  return result;
}

void hmac_cleanup(void* hmac_context, void*) {
  // libsignal calls cleanup even when init failed, so null must be accepted.
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(hmac_context));
}

// --- SHA-512 -------------------------------------------------------------------------------

int sha512_init(void** digest_context, void*) {
  if (!digest_context) return SG_ERR_INVAL;
  EVP_MD* md = sha512_algorithm();
  if (!md) return SG_ERR_UNKNOWN;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return SG_ERR_NOMEM;
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) return SG_ERR_UNKNOWN;
  *digest_context = ctx.release();
  return 0;
}

int sha512_update(void* digest_context, const std::uint8_t* data, std::size_t data_len, void*) {
  if (!digest_context || (!data && data_len > 0)) return SG_ERR_INVAL;
  if (data_len == 0) return 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(digest_context);
  return EVP_DigestUpdate(ctx, data, data_len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

int sha512_final(void* digest_context, signal_buffer** output, void*) {
  if (!digest_context || !output) return SG_ERR_INVAL;
  auto* ctx = static_cast<EVP_MD_CTX*>(digest_context);
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  int result = SG_ERR_UNKNOWN;
  // libsignal keeps hashing on the same context after final (fingerprint iterations), so
  // the context is re-initialised here as the callback contract requires.
  if (EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1 &&
      EVP_DigestInit_ex2(ctx, sha512_algorithm(), nullptr) == 1) {
    result = emit(output, digest, digest_len);
  }
  OPENSSL_cleanse(digest, sizeof digest);
  return result;
}

void sha512_cleanup(void* digest_context, void*) {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(digest_context));
}

// --- AES -----------------------------------------------------------------------------------

int aes_mode_index(int cipher) {
  switch (cipher) {
    case SG_CIPHER_AES_CTR_NOPADDING:
      return 0;
    case SG_CIPHER_AES_CBC_PKCS5:
      return 1;
    default:
      return -1;
  }
}

int aes_size_index(std::size_t key_len) {
  switch (key_len) {
    case 16:
      return 0;
    case 24:
      return 1;
    case 32:
      return 2;
    default:
      return -1;
  }
}

int aes_crypt(bool encrypt, signal_buffer** output, int cipher, const std::uint8_t* key,
              std::size_t key_len, const std::uint8_t* iv, std::size_t iv_len,
              const std::uint8_t* input, std::size_t input_len) {
  if (!output || !key || !iv || (!input && input_len > 0)) return SG_ERR_INVAL;
  const int mode = aes_mode_index(cipher);
  const int size = aes_size_index(key_len);
  if (mode < 0 || size < 0 || iv_len != kAesIvBytes) return SG_ERR_INVAL;
  // EVP lengths are int, and CBC encryption adds up to one block.
  if (input_len > static_cast<std::size_t>(INT_MAX) - kAesBlockBytes) return SG_ERR_INVAL;

  const EVP_CIPHER* algorithm = aes_algorithm(mode, size);
  if (!algorithm) return SG_ERR_UNKNOWN;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return SG_ERR_NOMEM;
  if (EVP_CipherInit_ex2(ctx.get(), algorithm, key, iv, encrypt ? 1 : 0, nullptr) != 1) {
    return SG_ERR_UNKNOWN;
  }
  // PKCS#7 (libsignal calls it PKCS5) for CBC. CTR is a stream mode that EVP never pads;
  // padding is switched off anyway so the contract does not rest on that.
  const bool pad = cipher == SG_CIPHER_AES_CBC_PKCS5;
  if (EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0) != 1) return SG_ERR_UNKNOWN;

  // Scratch sized for the worst case; freed wiped since it may hold plaintext.
  BufferPtr scratch(signal_buffer_alloc(input_len + kAesBlockBytes));
  if (!scratch) return SG_ERR_NOMEM;
  std::uint8_t* out = signal_buffer_data(scratch.get());
  int update_len = 0;
  int final_len = 0;
  if (input_len > 0 &&
      EVP_CipherUpdate(ctx.get(), out, &update_len, input, static_cast<int>(input_len)) != 1) {
    return SG_ERR_UNKNOWN;
  }
  if (EVP_CipherFinal_ex(ctx.get(), out + update_len, &final_len) != 1) return SG_ERR_UNKNOWN;
  return emit(output, out,
              static_cast<std::size_t>(update_len) + static_cast<std::size_t>(final_len));
}

int aes_encrypt(signal_buffer** output, int cipher, const std::uint8_t* key, std::size_t key_len,
                const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* plaintext,
                std::size_t plaintext_len, void*) {
  return aes_crypt(true, output, cipher, key, key_len, iv, iv_len, plaintext, plaintext_len);
}

int aes_decrypt(signal_buffer** output, int cipher, const std::uint8_t* key, std::size_t key_len,
                const std::uint8_t* iv, std::size_t iv_len, const std::uint8_t* ciphertext,
                std::size_t ciphertext_len, void*) {
  return aes_crypt(false, output, cipher, key, key_len, iv, iv_len, ciphertext, ciphertext_len);
}

}  // namespace

signal_crypto_provider make_crypto_provider() {
  signal_crypto_provider provider{};
  provider.random_func = random_fill;
  provider.hmac_sha256_init_func = hmac_init;
  provider.hmac_sha256_update_func = hmac_update;
  provider.hmac_sha256_final_func = hmac_final;
  provider.hmac_sha256_cleanup_func = hmac_cleanup;
  provider.sha512_digest_init_func = sha512_init;
  provider.sha512_digest_update_func = sha512_update;
  provider.sha512_digest_final_func = sha512_final;
  provider.sha512_digest_cleanup_func = sha512_cleanup;
  provider.encrypt_func = aes_encrypt;
  provider.decrypt_func = aes_decrypt;
  provider.user_data = nullptr;
  return provider;
}

}  // namespace parley::crypto
