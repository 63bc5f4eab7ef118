// SPDX-License-Identifier: GPL-3.0-or-later
// Values of the cell API (parley::Client): templates, members, channel policies, history.
// Plain data; the rules are in docs/protocol.md ("Charter", "Permissions", "Channels").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parley/cell_types.hpp"
#include "parley/events.hpp"
#include "parley/joining.hpp"
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

// --- a view of a cell (Client::cell, Client::cell_views) -----------------------------------
// Everything an app shows about one cell, as this device's charter says at its current epoch:
// computed by one function in the SDK (sdk/src/cells/cell_view.cpp) for every language.

// One device of a cell member, with the key the charter binds to it.
struct CellDeviceView {
  Address address;
  Bytes identity_key;             // 33 bytes
  Digest identity_fingerprint{};  // identity_fingerprint(identity_key)
};

// One user of the cell: its party, role and devices (sorted by device number).
struct CellMemberView {
  std::string user;
  std::string party;
  CellRole role = CellRole::member;
  std::vector<CellDeviceView> devices;
};

// One channel (archived ones included): its policy and what this device may do on it now.
struct CellChannelView {
  std::string name;          // the channel id used by post(), history(), ...
  std::string display_name;
  bool archived = false;
  ChannelPolicySpec policy;  // grants sorted (party, user, device; then by name)
  bool can_read = false;     // this device's READ at the current epoch
  bool can_post = false;     // this device's POST at the current epoch
};

// A party admin's proposal waiting for a decision on this (supervisor) device.
struct PendingProposalView {
  ProposalId id{};
  Address proposer;
  std::uint64_t base_epoch = 0;  // the epoch the proposer saw
  TimeMs received_at = 0;
  CellProposal changes;
  std::string summary;           // one line, e.g. "add IL il_analyst.1 (member); remove IL il_trade.1"
};

struct CellView {
  CellId id{};
  std::string name;
  // The hash of the genesis commit: the value of Client::join_anchor(id) (a join token).
  Digest genesis{};
  // identity_fingerprint of the key that signed the genesis (what a supervisor anchor holds),
  // and its digits for people to compare (fingerprint_digits).
  Digest supervisor_fingerprint{};
  std::string supervisor_fingerprint_digits;
  std::uint64_t epoch = 0;
  // This device's party and its user's role; empty once this device is no longer in the cell.
  std::optional<std::string> party;
  std::optional<CellRole> role;
  std::string supervisor_party;
  std::vector<std::string> parties;           // every party with a user in the cell, sorted
  std::vector<CellMemberView> members;        // by user name
  std::vector<CellChannelView> channels;      // by channel name
  std::vector<PendingProposalView> pending_proposals;  // supervisor devices only; by arrival
};

}  // namespace parley
