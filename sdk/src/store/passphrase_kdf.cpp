// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/passphrase_kdf.hpp"

#include <atomic>
#include <charconv>
#include <map>
#include <optional>
#include <sstream>

#include "crypto/kdf.hpp"
#include "crypto/keys.hpp"

namespace parley::store {
namespace {

constexpr std::string_view kMagic = "parley-store-kdf 1";
constexpr std::size_t kMaxHeaderBytes = 1024;
// Bounds on what a header may ask for: 1 GiB of scrypt memory, 10^8 PBKDF2 iterations,
// 1 GiB of Argon2id memory and 16 passes over it. Argon2id lanes: exactly 1, all libsodium
// computes (a header asking for more would derive another key, so it is refused, not clamped).
constexpr std::uint64_t kMaxScryptN = 1u << 20;
constexpr std::uint32_t kMinArgon2MemoryKib = 8;
constexpr std::uint32_t kMaxArgon2MemoryKib = 1u << 20;
constexpr std::uint32_t kMaxArgon2Passes = 16;
constexpr std::uint32_t kMaxArgon2Lanes = 1;
constexpr std::uint32_t kMaxScryptR = 32;
constexpr std::uint32_t kMaxScryptP = 16;
constexpr std::uint32_t kMaxIterations = 100'000'000;

std::atomic<bool> cheap_for_tests{false};

Error corrupt(const std::string& what) {
  return make_error(Errc::store_corrupt, "the store's key-derivation header is invalid: " + what);
}

std::optional<Bytes> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, out[i], 16);
    if (ec != std::errc() || end != text.data() + 2 * i + 2) return std::nullopt;
  }
  return out;
}

template <class T>
std::optional<T> number(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<PassphraseKdf> new_store_kdf() {
  const bool cheap = cheap_for_tests.load();
  PassphraseKdf kdf;
#ifdef __EMSCRIPTEN__
  constexpr bool browser = true;  // Argon2id's smaller memory suits a browser Worker
#else
  constexpr bool browser = false;
#endif
  if (browser && crypto::has_argon2id()) {
    kdf.algorithm = PassphraseKdf::Algorithm::argon2id;
    kdf.memory_kib = cheap ? 256 : kArgon2MemoryKib;
    kdf.passes = cheap ? 1 : kArgon2Passes;
    kdf.lanes = kArgon2Lanes;
  } else if (crypto::has_scrypt()) {
    kdf.algorithm = PassphraseKdf::Algorithm::scrypt;
    kdf.n = cheap ? 1u << 10 : kScryptN;
    kdf.r = kScryptR;
    kdf.p = kScryptP;
  } else {
    kdf.algorithm = PassphraseKdf::Algorithm::pbkdf2_sha256;
    kdf.iterations = cheap ? 1'000 : kPbkdf2Iterations;
  }
  kdf.salt.resize(kSaltBytes);
  PARLEY_TRY(crypto::random_bytes(kdf.salt));
  return kdf;
}

std::string encode_kdf_header(const PassphraseKdf& kdf) {
  std::ostringstream out;
  out << kMagic << "\n";
  switch (kdf.algorithm) {
    case PassphraseKdf::Algorithm::scrypt:
      out << "algorithm scrypt\nn " << kdf.n << "\nr " << kdf.r << "\np " << kdf.p << "\n";
      break;
    case PassphraseKdf::Algorithm::argon2id:
      out << "algorithm argon2id\nmemory-kib " << kdf.memory_kib << "\npasses " << kdf.passes << "\nlanes "
          << kdf.lanes << "\n";
      break;
    case PassphraseKdf::Algorithm::pbkdf2_sha256:
      out << "algorithm pbkdf2-sha256\niterations " << kdf.iterations << "\n";
      break;
  }
  out << "salt " << to_hex(kdf.salt) << "\n";
  return out.str();
}

Result<PassphraseKdf> decode_kdf_header(std::string_view text) {
  if (text.size() > kMaxHeaderBytes) return corrupt("larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return corrupt("it does not start with '" + std::string(kMagic) + "'");
  std::map<std::string, std::string> fields;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto space = line.find(' ');
    if (space == std::string::npos) return corrupt("line '" + line + "' has no value");
    if (!fields.emplace(line.substr(0, space), line.substr(space + 1)).second)
      return corrupt("field '" + line.substr(0, space) + "' appears twice");
  }
  PassphraseKdf kdf;
  auto salt = fields.contains("salt") ? unhex(fields["salt"]) : std::nullopt;
  if (!salt || salt->size() < 8 || salt->size() > 64) return corrupt("salt must be 8 to 64 bytes in hex");
  kdf.salt = std::move(*salt);
  const std::string algorithm = fields.contains("algorithm") ? fields["algorithm"] : "";
  if (algorithm == "scrypt") {
    auto n = number<std::uint64_t>(fields, "n");
    auto r = number<std::uint32_t>(fields, "r");
    auto p = number<std::uint32_t>(fields, "p");
    if (!n || *n < 2 || *n > kMaxScryptN || (*n & (*n - 1)) != 0) return corrupt("scrypt n must be a power of two up to 2^20");
    if (!r || *r == 0 || *r > kMaxScryptR) return corrupt("scrypt r must be 1.." + std::to_string(kMaxScryptR));
    if (!p || *p == 0 || *p > kMaxScryptP) return corrupt("scrypt p must be 1.." + std::to_string(kMaxScryptP));
    kdf.algorithm = PassphraseKdf::Algorithm::scrypt;
    kdf.n = *n;
    kdf.r = *r;
    kdf.p = *p;
  } else if (algorithm == "pbkdf2-sha256") {
    auto iterations = number<std::uint32_t>(fields, "iterations");
    if (!iterations || *iterations == 0 || *iterations > kMaxIterations)
      return corrupt("pbkdf2-sha256 iterations must be 1.." + std::to_string(kMaxIterations));
    kdf.algorithm = PassphraseKdf::Algorithm::pbkdf2_sha256;
    kdf.iterations = *iterations;
  } else if (algorithm == "argon2id") {
    auto memory = number<std::uint32_t>(fields, "memory-kib");
    auto passes = number<std::uint32_t>(fields, "passes");
    auto lanes = number<std::uint32_t>(fields, "lanes");
    if (!lanes || *lanes == 0 || *lanes > kMaxArgon2Lanes)
      return corrupt("argon2id lanes must be 1.." + std::to_string(kMaxArgon2Lanes));
    if (!memory || *memory < kMinArgon2MemoryKib * *lanes || *memory > kMaxArgon2MemoryKib)
      return corrupt("argon2id memory-kib must be 8 per lane up to 2^20 (1 GiB)");
    if (!passes || *passes == 0 || *passes > kMaxArgon2Passes)
      return corrupt("argon2id passes must be 1.." + std::to_string(kMaxArgon2Passes));
    if (kdf.salt.size() != kSaltBytes) return corrupt("an argon2id salt must be 16 bytes");
    kdf.algorithm = PassphraseKdf::Algorithm::argon2id;
    kdf.memory_kib = *memory;
    kdf.passes = *passes;
    kdf.lanes = *lanes;
  } else {
    return corrupt("unknown algorithm '" + algorithm + "' (expected scrypt, argon2id or pbkdf2-sha256)");
  }
  return kdf;
}

Result<StoreKey> derive_store_key(const StoreKey& passphrase, const PassphraseKdf& kdf) {
  if (passphrase.kind() != StoreKey::Kind::passphrase)
    return make_error(Errc::invalid_argument, "only a passphrase goes through the store KDF");
  std::array<std::uint8_t, 32> raw{};
  const std::string& text = passphrase.passphrase_text();
  Status derived;
  switch (kdf.algorithm) {
    case PassphraseKdf::Algorithm::scrypt:
      derived = crypto::scrypt(text, kdf.salt, kdf.n, kdf.r, kdf.p, raw);
      break;
    case PassphraseKdf::Algorithm::argon2id:
      derived = crypto::argon2id(text, kdf.salt, kdf.memory_kib, kdf.passes, kdf.lanes, raw);
      break;
    case PassphraseKdf::Algorithm::pbkdf2_sha256:
      derived = crypto::pbkdf2_sha256(text, kdf.salt, kdf.iterations, raw);
      break;
  }
  if (!derived) return derived.error();
  StoreKey key = StoreKey::raw(raw);
  crypto::wipe(raw);
  return key;
}

namespace testing {
void use_cheap_kdf_for_new_stores(bool cheap) { cheap_for_tests.store(cheap); }
}  // namespace testing

}  // namespace parley::store
