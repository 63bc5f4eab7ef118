// SPDX-License-Identifier: GPL-3.0-or-later
// Values of the cell API (parley::Client): templates, members, channel policies, history.
// Plain data; the rules are in docs/protocol.md ("Charter", "Permissions", "Channels").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "parley/cell_types.hpp"
#include "parley/events.hpp"
#include "parley/types.hpp"

namespace parley {

// The standard template ("the seeds' cell"): this device becomes the supervisor device in
// `supervisor_party`; channels intel, deescalation, diplomatic and commercial, each read by
// the three parties and posted on by the two parties.
struct CellTemplate {
  std::string name = "IL-SY coordination";
  std::string supervisor_party = "US";
  std::array<std::string, 2> parties = {"IL", "SY"};
  std::vector<CellMember> members;  // devices other than this one
};

// A READ or POST grant: a party, a user, or one device.
struct CellGrant {
  enum class Kind : std::uint8_t { party = 1, user = 2, device = 3 } kind = Kind::party;
  std::string name;          // party or user name
  std::uint32_t device = 0;  // device number for Kind::device
  static CellGrant party(std::string p) { return {Kind::party, std::move(p), 0}; }
  static CellGrant user(std::string u) { return {Kind::user, std::move(u), 0}; }
  static CellGrant of_device(const Address& a) { return {Kind::device, a.user, a.device}; }
};

struct ChannelPolicySpec {
  std::vector<CellGrant> read;
  std::vector<CellGrant> post;
  bool ack_required = false;
  std::uint32_t ack_deadline_seconds = 0;
  bool attested = false;
  std::uint64_t retention_seconds = 0;
};

// One accepted channel message (own posts included), in the order this device saw them.
struct ChannelHistoryEntry {
  std::string channel;
  Address sender;
  MessageId id;
  std::uint64_t epoch = 0;
  TimeMs sent_at = 0;
  TimeMs received_at = 0;
  std::string text;
  Precedence precedence = Precedence::routine;
};

}  // namespace parley
