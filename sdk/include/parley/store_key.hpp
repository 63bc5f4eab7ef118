// SPDX-License-Identifier: GPL-3.0-or-later
// How a device's encrypted store (SQLCipher) is opened.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace parley {

// Either a raw 256-bit key (used directly as the SQLCipher key, no KDF) or a passphrase
// (Parley derives the raw key with scrypt, N = 2^17, r = 8, p = 1, and a per-store salt kept
// with the parameters in `<path>.kdf` beside the file; PBKDF2-HMAC-SHA256 with 600,000
// iterations in the wasm build; see docs/threat-model.md "Store at rest"). A store made
// before that header, with SQLCipher's own PBKDF2, still opens and is migrated on first open.
// The same kind and value must be used every time the file is opened; anything else fails
// with Errc::store_wrong_key.
class StoreKey {
 public:
  static StoreKey raw(const std::array<std::uint8_t, 32>& key) {
    StoreKey k;
    k.kind_ = Kind::raw;
    k.raw_ = key;
    return k;
  }
  static StoreKey passphrase(std::string text) {
    StoreKey k;
    k.kind_ = Kind::passphrase;
    k.passphrase_ = std::move(text);
    return k;
  }
  // No key: a plain SQLite file. Only the relay may use this (its payloads are ciphertext).
  static StoreKey none() { return StoreKey{}; }

  enum class Kind { none, raw, passphrase };
  Kind kind() const { return kind_; }
  const std::array<std::uint8_t, 32>& raw_key() const { return raw_; }
  const std::string& passphrase_text() const { return passphrase_; }

  StoreKey(const StoreKey&) = default;
  StoreKey& operator=(const StoreKey&) = default;
  ~StoreKey() { wipe(); }

 private:
  StoreKey() = default;
  void wipe() {
    volatile std::uint8_t* p = raw_.data();
    for (std::size_t i = 0; i < raw_.size(); ++i) p[i] = 0;
    volatile char* q = passphrase_.data();
    for (std::size_t i = 0; i < passphrase_.size(); ++i) q[i] = 0;
  }

  Kind kind_ = Kind::none;
  std::array<std::uint8_t, 32> raw_{};
  std::string passphrase_;
};

}  // namespace parley
