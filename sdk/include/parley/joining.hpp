// SPDX-License-Identifier: GPL-3.0-or-later
// How a device decides to join a cell (docs/protocol.md "Joining"). A Welcome proves only
// that some registered device made a charter naming this one; what makes it the cell the app
// meant is an anchor the app got out of band: the cell's genesis (a join token) or the key of
// the supervisor device that created it. A Welcome that matches no anchor becomes an
// invitation the app accepts or declines; it never joins by itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "parley/cell_types.hpp"
#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley {

using Digest = std::array<std::uint8_t, 32>;

struct JoinAnchor {
  enum class Kind : std::uint8_t {
    genesis = 1,     // exactly one cell: the hash of its genesis commit (a join token)
    supervisor = 2,  // any cell whose genesis this supervisor device's key signed
  };
  Kind kind = Kind::genesis;
  Digest value{};  // genesis: the commit hash; supervisor: identity_fingerprint of its key

  bool operator==(const JoinAnchor&) const = default;
};

// The text an app hands over out of band: "parley-cell:<64 hex>" or
// "parley-supervisor:<64 hex>". parse_join_anchor accepts exactly these (invalid_argument).
std::string to_string(const JoinAnchor& anchor);
Result<JoinAnchor> parse_join_anchor(std::string_view text);
inline constexpr std::size_t kMaxJoinAnchorText = 96;  // with room to spare

// SHA-256("parley-fingerprint-v1" || key) of a 33-byte identity public key (invalid_argument
// for another size).
Result<Digest> identity_fingerprint(ByteView identity_key);
// Thirty digits in six groups of five (about 100 bits), from the first 30 bytes of `digest`,
// for two people to read to each other and compare, as Signal's safety numbers are.
std::string fingerprint_digits(const Digest& digest);

// A Welcome that matched no anchor, kept until accepted or declined (the newest 32 in all,
// at most 4 per inviting device). Everything in it is the inviter's word except `from`
// (the session it came over is bound to the key the genesis names for it) and the two
// digests, which the app compares with what it was told out of band.
struct Invitation {
  CellId cell{};
  std::string name;                 // the cell's name, as its charter says
  std::string supervisor_party;
  Address from;                     // the supervisor device that sent the Welcome
  std::uint64_t epoch = 0;          // of the charter it carried
  Digest genesis{};                 // accept_invitation / decline_invitation take this
  Digest supervisor_fingerprint{};  // of the key that signed the genesis
  TimeMs received_at = 0;
};

}  // namespace parley
