// SPDX-License-Identifier: GPL-3.0-or-later
// libsignal-protocol-c's crypto callbacks on libtomcrypt, for the wasm build: HMAC-SHA256,
// SHA-512, AES-CBC with PKCS#7, AES-CTR, and the browser's CSPRNG. Contract: provider.hpp
// (the same published vectors as the OpenSSL provider must pass).
#include <tomcrypt.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "crypto/browser_random.hpp"
#include "crypto/provider.hpp"
#include "crypto/signal_ptr.hpp"

namespace parley::crypto {
namespace {

constexpr std::size_t kAesBlockBytes = 16;
constexpr std::size_t kAesIvBytes = 16;

// libtomcrypt looks algorithms up in process-wide tables shared with SQLCipher. The index
// register_*() returns is used, not a lookup by name: aes_desc is the same descriptor as
// rijndael_desc, so whoever registers first decides its name ("rijndael" for SQLCipher).
struct Algorithms {
  int aes = -1;
  int sha256 = -1;
  int sha512 = -1;
};

const Algorithms& algorithms() {
  static const Algorithms ids = [] {
    Algorithms a;
    a.aes = register_cipher(&aes_desc);
    a.sha256 = register_hash(&sha256_desc);
    a.sha512 = register_hash(&sha512_desc);
    return a;
  }();
  return ids;
}

int emit(signal_buffer** output, const std::uint8_t* data, std::size_t len) {
  signal_buffer* buffer = signal_buffer_create(data, len);
  if (!buffer) return SG_ERR_NOMEM;
  *output = buffer;
  return 0;
}

int random_fill(std::uint8_t* data, std::size_t len, void*) {
  if (!data && len > 0) return SG_ERR_INVAL;
  return browser_random(data, len) == 0 ? 0 : SG_ERR_UNKNOWN;
}

// --- HMAC-SHA256 ---------------------------------------------------------------------------

// hmac_done frees the state's key copy; `finished` tells cleanup whether it still must.
struct HmacContext {
  hmac_state state;
  bool finished = false;
};

int hmac_init(void** hmac_context, const std::uint8_t* key, std::size_t key_len, void*) {
  if (!hmac_context || (!key && key_len > 0)) return SG_ERR_INVAL;
  const int hash = algorithms().sha256;
  if (hash < 0) return SG_ERR_UNKNOWN;
  auto* ctx = new (std::nothrow) HmacContext{};
  if (!ctx) return SG_ERR_NOMEM;
  // libtomcrypt refuses an empty key; HMAC zero-pads keys to the block size, so one zero
  // byte is the same key.
  static const std::uint8_t kZeroKey = 0;
  const int rc = key_len > 0 ? ::hmac_init(&ctx->state, hash, key, key_len)
                             : ::hmac_init(&ctx->state, hash, &kZeroKey, 1);
  if (rc != CRYPT_OK) {
    delete ctx;  // hmac_init frees its own allocations on failure
    return rc == CRYPT_MEM ? SG_ERR_NOMEM : SG_ERR_UNKNOWN;
  }
  *hmac_context = ctx;
  return 0;
}

int hmac_update(void* hmac_context, const std::uint8_t* data, std::size_t data_len, void*) {
  if (!hmac_context || (!data && data_len > 0)) return SG_ERR_INVAL;
  auto* ctx = static_cast<HmacContext*>(hmac_context);
  if (ctx->finished) return SG_ERR_INVAL;
  if (data_len == 0) return 0;
  return hmac_process(&ctx->state, data, data_len) == CRYPT_OK ? 0 : SG_ERR_UNKNOWN;
}

int hmac_final(void* hmac_context, signal_buffer** output, void*) {
  if (!hmac_context || !output) return SG_ERR_INVAL;
  auto* ctx = static_cast<HmacContext*>(hmac_context);
  if (ctx->finished) return SG_ERR_INVAL;
  std::uint8_t mac[32];
  unsigned long mac_len = sizeof mac;
  const int rc = hmac_done(&ctx->state, mac, &mac_len);
  ctx->finished = true;
  const int result = rc == CRYPT_OK ? emit(output, mac, mac_len) : SG_ERR_UNKNOWN;
  zeromem(mac, sizeof mac);  // HKDF uses HMAC outputs as keys
  return result;
}

void hmac_cleanup(void* hmac_context, void*) {
  auto* ctx = static_cast<HmacContext*>(hmac_context);
  if (!ctx) return;
  if (!ctx->finished && ctx->state.key) {
    zeromem(ctx->state.key, hash_descriptor[ctx->state.hash].blocksize);
    std::free(ctx->state.key);
  }
  zeromem(ctx, sizeof *ctx);
  delete ctx;
}

// --- SHA-512 -------------------------------------------------------------------------------

int sha512_init(void** digest_context, void*) {
  if (!digest_context) return SG_ERR_INVAL;
  auto* state = new (std::nothrow) hash_state{};
  if (!state) return SG_ERR_NOMEM;
  if (::sha512_init(state) != CRYPT_OK) {
    delete state;
    return SG_ERR_UNKNOWN;
  }
  *digest_context = state;
  return 0;
}

int sha512_update(void* digest_context, const std::uint8_t* data, std::size_t data_len, void*) {
  if (!digest_context || (!data && data_len > 0)) return SG_ERR_INVAL;
  if (data_len == 0) return 0;
  return sha512_process(static_cast<hash_state*>(digest_context), data, data_len) == CRYPT_OK
             ? 0
             : SG_ERR_UNKNOWN;
}

int sha512_final(void* digest_context, signal_buffer** output, void*) {
  if (!digest_context || !output) return SG_ERR_INVAL;
  auto* state = static_cast<hash_state*>(digest_context);
  std::uint8_t digest[64];
  int result = SG_ERR_UNKNOWN;
  // libsignal keeps hashing on the same context after final, so it starts over here.
  if (sha512_done(state, digest) == CRYPT_OK && ::sha512_init(state) == CRYPT_OK) {
    result = emit(output, digest, sizeof digest);
  }
  zeromem(digest, sizeof digest);
  return result;
}

void sha512_cleanup(void* digest_context, void*) {
  auto* state = static_cast<hash_state*>(digest_context);
  if (!state) return;
  zeromem(state, sizeof *state);
  delete state;
}

// --- AES -----------------------------------------------------------------------------------

// PKCS#7: the last byte n (1..16) says how many bytes of value n end the plaintext. Checked
// without branching on the secret bytes, so a padding oracle does not get timing for free.
bool strip_padding(const std::uint8_t* data, std::size_t len, std::size_t& plain_len) {
  if (len == 0 || len % kAesBlockBytes != 0) return false;
  const std::uint8_t n = data[len - 1];
  unsigned bad = static_cast<unsigned>(n == 0) | static_cast<unsigned>(n > kAesBlockBytes);
  for (std::size_t i = 0; i < kAesBlockBytes; ++i) {
    const unsigned in_pad = static_cast<unsigned>(i < n);
    bad |= in_pad & static_cast<unsigned>(data[len - 1 - i] != n);
  }
  if (bad) return false;
  plain_len = len - n;
  return true;
}

int cbc_crypt(bool encrypt, signal_buffer** output, int aes, const std::uint8_t* key,
              std::size_t key_len, const std::uint8_t* iv, const std::uint8_t* input,
              std::size_t input_len) {
  if (!encrypt && (input_len == 0 || input_len % kAesBlockBytes != 0)) return SG_ERR_UNKNOWN;
  const std::size_t total =
      encrypt ? (input_len / kAesBlockBytes + 1) * kAesBlockBytes : input_len;
  // Scratch holds plaintext (padded, or decrypted): freed wiped.
  BufferPtr plain(signal_buffer_alloc(total));
  BufferPtr cipher(signal_buffer_alloc(total));
  if (!plain || !cipher) return SG_ERR_NOMEM;
  std::uint8_t* p = signal_buffer_data(plain.get());
  std::uint8_t* c = signal_buffer_data(cipher.get());

  symmetric_CBC cbc;
  if (cbc_start(aes, iv, key, static_cast<int>(key_len), 0, &cbc) != CRYPT_OK) {
    return SG_ERR_UNKNOWN;
  }
  int rc = CRYPT_OK;
  std::size_t out_len = total;
  if (encrypt) {
    if (input_len > 0) std::copy(input, input + input_len, p);
    const auto pad = static_cast<std::uint8_t>(total - input_len);
    std::fill(p + input_len, p + total, pad);
    rc = cbc_encrypt(p, c, total, &cbc);
  } else {
    std::copy(input, input + input_len, c);
    rc = cbc_decrypt(c, p, total, &cbc);
    if (rc == CRYPT_OK && !strip_padding(p, total, out_len)) rc = CRYPT_INVALID_PACKET;
  }
  cbc_done(&cbc);
  zeromem(&cbc, sizeof cbc);
  if (rc != CRYPT_OK) return SG_ERR_UNKNOWN;
  return encrypt ? emit(output, c, total) : emit(output, p, out_len);
}

int ctr_crypt(signal_buffer** output, int aes, const std::uint8_t* key, std::size_t key_len,
              const std::uint8_t* iv, const std::uint8_t* input, std::size_t input_len) {
  // CTR is its own inverse; a 128-bit big-endian counter starting at the IV, as OpenSSL.
  BufferPtr out(signal_buffer_alloc(input_len));
  if (!out) return SG_ERR_NOMEM;
  symmetric_CTR ctr;
  if (ctr_start(aes, iv, key, static_cast<int>(key_len), 0, CTR_COUNTER_BIG_ENDIAN, &ctr) !=
      CRYPT_OK) {
    return SG_ERR_UNKNOWN;
  }
  const int rc = input_len > 0
                     ? ctr_encrypt(input, signal_buffer_data(out.get()), input_len, &ctr)
                     : CRYPT_OK;
  ctr_done(&ctr);
  zeromem(&ctr, sizeof ctr);
  if (rc != CRYPT_OK) return SG_ERR_UNKNOWN;
  return emit(output, signal_buffer_data(out.get()), input_len);
}

int aes_crypt(bool encrypt, signal_buffer** output, int cipher, const std::uint8_t* key,
              std::size_t key_len, const std::uint8_t* iv, std::size_t iv_len,
              const std::uint8_t* input, std::size_t input_len) {
  if (!output || !key || !iv || (!input && input_len > 0)) return SG_ERR_INVAL;
  if (key_len != 16 && key_len != 24 && key_len != 32) return SG_ERR_INVAL;
  if (iv_len != kAesIvBytes) return SG_ERR_INVAL;
  if (input_len > SIZE_MAX - 2 * kAesBlockBytes) return SG_ERR_INVAL;
  const int aes = algorithms().aes;
  if (aes < 0) return SG_ERR_UNKNOWN;
  switch (cipher) {
    case SG_CIPHER_AES_CBC_PKCS5:
      return cbc_crypt(encrypt, output, aes, key, key_len, iv, input, input_len);
    case SG_CIPHER_AES_CTR_NOPADDING:
      return ctr_crypt(output, aes, key, key_len, iv, input, input_len);
    default:
      return SG_ERR_INVAL;
  }
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
