// SPDX-License-Identifier: GPL-3.0-or-later
// The standard template, "the seeds' cell": a supervisor party (US) and two parties (IL, SY)
// with four channels. Every part is editable afterwards with ordinary commits.
//
//   channel        display name                READ                  POST
//   intel          Intelligence sharing        US, IL, SY (parties)  IL, SY
//   deescalation   Military de-escalation      US, IL, SY            IL, SY
//   diplomatic     Diplomatic engagement       US, IL, SY            IL, SY
//   commercial     Commercial opportunities    US, IL, SY            IL, SY
//
// Observers of IL and SY read through their party grant and never post (policy.hpp).
// No flags are set; acknowledgements, attestation and retention are per-cell choices.
#pragma once

#include <array>
#include <string_view>

#include "charter/model.hpp"

namespace parley::charter {

inline constexpr std::array<std::string_view, 4> kSeedChannels = {"intel", "deescalation", "diplomatic",
                                                                  "commercial"};

struct TemplateDevice {
  Address device;
  std::string party;
  Role role = Role::member;  // used for the first device of each user
  Bytes identity_key;
};

struct SeedCellOptions {
  CellId cell_id{};
  std::string cell_name = "IL-SY coordination";
  Address supervisor;          // the genesis author; its user becomes the supervisor user
  Bytes supervisor_key;        // its 33-byte identity public key
  std::string supervisor_party = "US";
  std::array<std::string, 2> parties = {"IL", "SY"};
  std::vector<TemplateDevice> members;  // further devices added by the genesis
  TimeMs time_ms = 0;
};

// The unsigned genesis; sign it with sign_commit() and the supervisor's private key.
Commit seeds_cell_genesis(const SeedCellOptions& options);

}  // namespace parley::charter
