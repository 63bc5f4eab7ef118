// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: how a passphrase becomes the store's raw SQLCipher key.
//
// SQLCipher 3's own passphrase KDF is PBKDF2-HMAC-SHA1 with 64,000 iterations: cheap to
// attack with GPUs. Parley derives the 256-bit raw key itself, with a memory-hard KDF, and
// hands SQLCipher the raw key (x'<hex>', no SQLCipher KDF). The parameters and the per-store
// random salt live in a small plaintext header file beside the database, `<path>.kdf`:
//
//   parley-store-kdf 1
//   algorithm scrypt          (native stores)       | argon2id (browser stores) | pbkdf2-sha256
//   n 131072                  (scrypt: N, r, p)     | memory-kib 65536          | iterations 600000
//   r 8                                             | passes 3
//   p 1                                             | lanes 1
//   salt <32 hex digits>
//
// Nothing in it is secret. Deleting it makes the store unopenable with the passphrase. Every
// build reads every algorithm (pbkdf2-sha256 is what wasm builds wrote before they had
// libsodium; no browser store ever persisted one). The header is read and written through
// SQLite's default VFS, so it lives where the database lives (OPFS in browsers):
// passphrase_open.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "parley/store_key.hpp"
#include "parley/types.hpp"

namespace parley::store {

struct PassphraseKdf {
  enum class Algorithm { scrypt, pbkdf2_sha256, argon2id };
  Algorithm algorithm = Algorithm::scrypt;
  std::uint64_t n = 0;  // scrypt
  std::uint32_t r = 0;
  std::uint32_t p = 0;
  std::uint32_t iterations = 0;  // pbkdf2-sha256
  Bytes salt;
  std::uint32_t memory_kib = 0;  // argon2id: m (KiB), t, p
  std::uint32_t passes = 0;
  std::uint32_t lanes = 0;
  bool operator==(const PassphraseKdf&) const = default;
};

// Defaults for new stores, 16-byte salt:
// - native: scrypt N = 2^17, r = 8, p = 1 (128 MiB, OWASP's minimum), through OpenSSL 3;
// - wasm (browsers, Node): Argon2id m = 64 MiB, t = 3, p = 1 (RFC 9106's second recommended
//   option with one lane, which is what libsodium computes; well above OWASP's m = 19 MiB,
//   t = 2), through libsodium: about 1.4 s per open in wasm, 64 MiB of wasm memory
//   for the time of the derivation.
inline constexpr std::uint64_t kScryptN = 1u << 17;
inline constexpr std::uint32_t kScryptR = 8;
inline constexpr std::uint32_t kScryptP = 1;
inline constexpr std::uint32_t kArgon2MemoryKib = 64 * 1024;
inline constexpr std::uint32_t kArgon2Passes = 3;
inline constexpr std::uint32_t kArgon2Lanes = 1;
inline constexpr std::uint32_t kPbkdf2Iterations = 600'000;
inline constexpr std::size_t kSaltBytes = 16;

// The parameters for a new store, with a fresh random salt. Errors: crypto (no randomness).
Result<PassphraseKdf> new_store_kdf();

std::string encode_kdf_header(const PassphraseKdf& kdf);
// Errors: store_corrupt (not a header, unknown algorithm, parameters out of bounds — bounds
// that also keep a planted header from costing unbounded memory or time).
Result<PassphraseKdf> decode_kdf_header(std::string_view text);

// The raw store key for `passphrase` (a StoreKey::passphrase). Errors: crypto.
Result<StoreKey> derive_store_key(const StoreKey& passphrase, const PassphraseKdf& kdf);

namespace testing {
// Test suites only: new stores use cheap parameters (scrypt N = 2^10, Argon2id 256 KiB and one
// pass) so that suites creating hundreds of stores stay fast. Existing stores keep the
// parameters their header records. Never call this in an application.
void use_cheap_kdf_for_new_stores(bool cheap = true);
}  // namespace testing

}  // namespace parley::store
