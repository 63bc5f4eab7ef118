// SPDX-License-Identifier: GPL-3.0-or-later
// The small values that both events and the cell API name: cell ids, roles, members, and the
// membership changes a party admin may propose.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "parley/types.hpp"

namespace parley {

// A cell's 16-byte random identifier (the charter's cell id).
using CellId = std::array<std::uint8_t, 16>;

enum class CellRole : std::uint8_t { supervisor = 1, party_admin = 2, member = 3, observer = 4 };

// A device of a cell. `identity_key` is its 33-byte identity public key as exchanged out of
// band (Client::identity_key()); the charter binds the device to it.
struct CellMember {
  Address device;
  std::string party;
  CellRole role = CellRole::member;  // used when the device's user is new to the cell
  Bytes identity_key;
};

struct RoleChange {
  std::string user;
  CellRole role = CellRole::member;
};

// Membership changes of one party, as a party admin proposes them and the supervisor sees
// them (docs/protocol.md "Party-admin proposals" for what is in scope).
struct CellProposal {
  std::vector<CellMember> add;
  std::vector<Address> remove;
  std::vector<RoleChange> roles;
};

// Handling precedence of a channel message (inside the ciphertext; the relay never sees it).
// An acknowledgement is due within min(channel policy deadline, the precedence's limit):
// ROUTINE 6 h, PRIORITY 3 h, IMMEDIATE 30 min, FLASH 10 min.
enum class Precedence : std::uint8_t { routine = 1, priority = 2, immediate = 3, flash = 4 };

// Where a required party stands on acknowledging one message.
enum class AckState : std::uint8_t { pending = 1, acknowledged = 2, late = 3, overdue = 4 };

// First 16 bytes of SHA-256 over the signed proposal bytes.
using ProposalId = std::array<std::uint8_t, 16>;

}  // namespace parley
