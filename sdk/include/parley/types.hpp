// SPDX-License-Identifier: GPL-3.0-or-later
// Plain value types shared by every Parley layer.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Lower-case hex, two digits a byte (ids, hashes, fingerprints in text).
std::string to_hex(ByteView bytes);

inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Byte-wise three-way comparison, as `= default` gives for std::string and std::array with
// libstdc++. Spelled out because libc++ 14 (the wasm toolchain's) has no operator<=> for them.
inline std::strong_ordering compare_bytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? std::strong_ordering::less
               : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

// Milliseconds since the Unix epoch. The engine never reads a clock: callers pass `now`.
using TimeMs = std::int64_t;

// A device's Signal address: the user name and the device number.
struct Address {
  std::string user;
  std::uint32_t device = 0;

  std::strong_ordering operator<=>(const Address& other) const {
    if (const auto c = compare_bytes(user, other.user); c != 0) return c;
    return device <=> other.device;
  }
  bool operator==(const Address&) const = default;
  std::string to_string() const { return user + "." + std::to_string(device); }
};

// Client-chosen random message identifier: idempotency key at the relay and
// de-duplication key at the recipient.
struct MessageId {
  std::array<std::uint8_t, 16> bytes{};

  std::strong_ordering operator<=>(const MessageId& other) const {
    return compare_bytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                         {reinterpret_cast<const char*>(other.bytes.data()), other.bytes.size()});
  }
  bool operator==(const MessageId&) const = default;
  std::string to_hex() const;
};

// Limits an address must satisfy everywhere (SDK, relay, wire).
inline constexpr std::size_t kMaxUserNameBytes = 64;
inline constexpr std::uint32_t kMaxDeviceId = 0x7fffffff;

}  // namespace parley
