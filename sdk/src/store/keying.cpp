// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/keying.hpp"

#include <sqlite3.h>

#include <array>
#include <climits>
#include <string_view>

#include "store/sqlite_error.hpp"

#ifndef SQLITE_HAS_CODEC
#error "the store must be built against SQLCipher with SQLITE_HAS_CODEC"
#endif

namespace parley::store {
namespace {

// x' + 64 hex digits + '
constexpr std::size_t kRawKeyTextSize = 2 + 64 + 1;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// SQLCipher treats a key string as raw (no KDF) when it is x'<hex>' of key or key+salt size.
bool looks_like_raw_key_syntax(std::string_view text) {
  if (text.size() != kRawKeyTextSize && text.size() != 2 + 96 + 1) return false;
  if ((text[0] != 'x' && text[0] != 'X') || text[1] != '\'' || text.back() != '\'') return false;
  for (char c : text.substr(2, text.size() - 3))
    if (!is_hex(c)) return false;
  return true;
}

void wipe(char* data, std::size_t size) {
  volatile char* p = data;
  for (std::size_t i = 0; i < size; ++i) p[i] = 0;
}

// SQLCipher's raw-key syntax for a 32-byte key; the caller wipes it.
std::array<char, kRawKeyTextSize> raw_key_text(const StoreKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, kRawKeyTextSize> text{};
  std::size_t at = 0;
  text[at++] = 'x';
  text[at++] = '\'';
  for (std::uint8_t b : key.raw_key()) {
    text[at++] = kDigits[b >> 4];
    text[at++] = kDigits[b & 0xf];
  }
  text[at++] = '\'';
  return text;
}

}  // namespace

Status check_key(const StoreKey& key) {
  if (key.kind() != StoreKey::Kind::passphrase) return {};
  const std::string& text = key.passphrase_text();
  if (text.empty())
    return make_error(Errc::invalid_argument,
                      "store passphrase must not be empty (SQLCipher would leave the file unencrypted)");
  if (text.size() > static_cast<std::size_t>(INT_MAX))
    return make_error(Errc::invalid_argument, "store passphrase is too long");
  if (looks_like_raw_key_syntax(text))
    return make_error(Errc::invalid_argument,
                      "store passphrase must not have SQLCipher's raw-key form x'<hex>'; use StoreKey::raw");
  return {};
}

Status apply_key(sqlite3* db, const StoreKey& key) {
  PARLEY_TRY(check_key(key));
  int rc = SQLITE_OK;
  switch (key.kind()) {
    case StoreKey::Kind::none:
      return {};
    case StoreKey::Kind::passphrase: {
      const std::string& text = key.passphrase_text();
      rc = sqlite3_key(db, text.data(), static_cast<int>(text.size()));
      break;
    }
    case StoreKey::Kind::raw: {
      auto text = raw_key_text(key);
      rc = sqlite3_key(db, text.data(), static_cast<int>(text.size()));
      wipe(text.data(), text.size());  // SQLCipher keeps its own copy
      break;
    }
  }
  if (rc != SQLITE_OK) return sqlite_error(rc, db, "setting the store key failed");
  return {};
}

Status rekey_to(sqlite3* db, const StoreKey& raw) {
  if (raw.kind() != StoreKey::Kind::raw) return make_error(Errc::invalid_argument, "the store is rekeyed to raw keys only");
  auto text = raw_key_text(raw);
  const int rc = sqlite3_rekey(db, text.data(), static_cast<int>(text.size()));
  wipe(text.data(), text.size());
  if (rc != SQLITE_OK) return sqlite_error(rc, db, "re-encrypting the store with the derived key failed");
  return {};
}

}  // namespace parley::store
