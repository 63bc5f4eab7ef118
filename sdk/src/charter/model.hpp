// SPDX-License-Identifier: GPL-3.0-or-later
// The charter's values: roles, grants, channel policies, the ten operations, commits and
// proposals. Plain data, no behaviour; the rules live in syntax.hpp (what a value may look
// like on its own) and state.hpp (what it may do to a cell). The normative description is
// docs/protocol.md, section "Charter".
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/types.hpp"

namespace parley::charter {

inline constexpr std::size_t kCellIdBytes = 16;
inline constexpr std::size_t kHashBytes = 32;
using CellId = std::array<std::uint8_t, kCellIdBytes>;
using Hash = std::array<std::uint8_t, kHashBytes>;

// Wire format version of Commit, Proposal and SignedContainer.
inline constexpr std::uint16_t kCharterVersion = 1;

// --- limits (every one is checked on untrusted input; see docs/protocol.md) --------------
inline constexpr std::size_t kMaxCommitBytes = 256 * 1024;  // the signed bytes of one commit/proposal
inline constexpr std::size_t kMaxOperations = 512;           // per commit or proposal
inline constexpr std::size_t kMaxGrants = 256;               // per READ or POST list
inline constexpr std::size_t kMaxDevices = 1024;             // per cell
inline constexpr std::size_t kMaxChannels = 256;             // per cell, archived ones included
inline constexpr std::size_t kMaxCellNameBytes = 128;
inline constexpr std::size_t kMaxDisplayNameBytes = 128;
inline constexpr std::size_t kMaxPartyBytes = 32;
inline constexpr std::size_t kMaxChannelIdBytes = 64;
inline constexpr std::uint32_t kMaxAckDeadlineSeconds = 30u * 24 * 3600;             // 30 days
inline constexpr std::uint64_t kMaxRetentionSeconds = 100ull * 366 * 24 * 3600;      // ~100 years
inline constexpr std::size_t kMaxCoSignatures = 64;  // per commit
inline constexpr std::size_t kMaxLevels = 16;        // classification levels per cell
inline constexpr std::size_t kMaxLevelBytes = 32;
inline constexpr std::uint32_t kMaxConsentQuorum = 64;

// Roles, ordered by nothing in particular: compare with ==, never with <.
enum class Role : std::uint8_t { supervisor = 1, party_admin = 2, member = 3, observer = 4 };
std::string_view role_name(Role role);

enum class GrantKind : std::uint8_t { party = 1, user = 2, device = 3 };

// One READ or POST grant. For party and user grants `name` is the party or user name and
// `device` is 0; for device grants `name` is the user and `device` the device number.
struct Grant {
  GrantKind kind = GrantKind::party;
  std::string name;
  std::uint32_t device = 0;

  static Grant for_party(std::string party) { return {GrantKind::party, std::move(party), 0}; }
  static Grant for_user(std::string user) { return {GrantKind::user, std::move(user), 0}; }
  static Grant for_device(const Address& address) { return {GrantKind::device, address.user, address.device}; }

  std::strong_ordering operator<=>(const Grant& other) const {  // as `= default` (types.hpp)
    if (const auto c = kind <=> other.kind; c != 0) return c;
    if (const auto c = compare_bytes(name, other.name); c != 0) return c;
    return device <=> other.device;
  }
  bool operator==(const Grant&) const = default;
  std::string to_string() const;  // "party:IL", "user:alice", "device:alice.2"
};

struct ChannelPolicy {
  std::vector<Grant> read;  // no duplicates; order as committed (state keeps them sorted)
  std::vector<Grant> post;
  bool ack_required = false;
  std::uint32_t ack_deadline_seconds = 0;  // 1..kMaxAckDeadlineSeconds iff ack_required, else 0
  bool attested = false;
  std::uint64_t retention_seconds = 0;     // 0 = keep; else 1..kMaxRetentionSeconds
  // Consent for new readers (docs/governance.md "Consent"): a commit that widens who reads
  // this channel needs co-signatures of the parties that post on it. consent_quorum: 0 =
  // every posting party, else at least that many of them; only with consent.
  bool consent = false;
  std::uint32_t consent_quorum = 0;
  // Security labels (docs/governance.md "Security labels"): a level of the cell (empty: none)
  // that a reader's clearance must reach, and the parties it may be released to (empty: any).
  std::string label = {};
  std::vector<std::string> releasable_to = {};  // no duplicates; state keeps them sorted

  bool operator==(const ChannelPolicy&) const = default;
};

// --- operations ----------------------------------------------------------------------------

struct CreateCell {
  std::string name;
  std::string supervisor_user;
  std::string supervisor_party;
  bool operator==(const CreateCell&) const = default;
};

// For a new user `role` names its role; for an existing user it must be empty (roles change
// only through SetRole) and `party` must be the user's party.
struct AddDevice {
  Address device;
  std::string party;
  std::optional<Role> role;
  Bytes identity_key;  // 33 bytes, 0x05 || Curve25519 point
  bool operator==(const AddDevice&) const = default;
};

struct RemoveDevice {
  Address device;
  bool operator==(const RemoveDevice&) const = default;
};

struct SetRole {
  std::string user;
  Role role = Role::member;
  bool operator==(const SetRole&) const = default;
};

struct CreateChannel {
  std::string channel;
  std::string display_name;
  bool operator==(const CreateChannel&) const = default;
};

struct RenameChannel {
  std::string channel;
  std::string display_name;
  bool operator==(const RenameChannel&) const = default;
};

struct ArchiveChannel {
  std::string channel;
  bool operator==(const ArchiveChannel&) const = default;
};

struct SetChannelPolicy {
  std::string channel;
  ChannelPolicy policy;
  bool operator==(const SetChannelPolicy&) const = default;
};

// The cell's classification levels, lowest first (replaces the list; every label and
// clearance in use must stay a level of it).
struct SetLevels {
  std::vector<std::string> levels;
  bool operator==(const SetLevels&) const = default;
};

// A device's clearance: a level of the cell, or empty for none.
struct SetClearance {
  Address device;
  std::string level;
  bool operator==(const SetClearance&) const = default;
};

using Operation = std::variant<CreateCell, AddDevice, RemoveDevice, SetRole, CreateChannel, RenameChannel,
                               ArchiveChannel, SetChannelPolicy, SetLevels, SetClearance>;

std::string_view operation_name(const Operation& operation);

// --- commits and proposals -----------------------------------------------------------------

struct Commit {
  CellId cell_id{};
  std::uint64_t epoch = 0;  // genesis is 1; equals the charter length after this commit
  Hash prev_hash{};         // zeros for genesis
  Address author;           // a supervisor device
  TimeMs time_ms = 0;       // author's clock; informative, never used for ordering
  std::vector<Operation> operations;
  bool operator==(const Commit&) const = default;
};

// A party's consent to a commit: a party-admin (or supervisor) device's XEdDSA signature over
// kConsentLabel || the commit's bytes (codec.hpp co_sign_commit). It is not part of the
// commit's hash: it travels and is stored beside the author's signature.
struct CoSignature {
  Address signer;
  Bytes signature;
  bool operator==(const CoSignature&) const = default;
};

// A commit as it travels and as it is stored: the exact encoded bytes that were signed
// ("PLH1", size-prefixed), the author's 64-byte XEdDSA signature over them, and the parties'
// co-signatures a commit needs when it widens who reads a consent channel. Receivers hash and
// verify these bytes, never a re-encoding; two SignedCommits with the same bytes are the same
// commit whatever co-signatures they carry.
struct SignedCommit {
  Bytes bytes;
  Bytes signature;
  std::vector<CoSignature> co_signatures = {};
  bool operator==(const SignedCommit&) const = default;
};

struct ProposalBody {
  CellId cell_id{};
  std::uint64_t base_epoch = 0;  // the epoch the proposer saw; informative
  Address proposer;              // a party-admin device
  TimeMs time_ms = 0;
  std::vector<Operation> operations;
  bool operator==(const ProposalBody&) const = default;
};

// A party admin's proposal: the encoded "PLP1" bytes and the proposer's signature over them.
struct Proposal {
  Bytes bytes;
  Bytes signature;
  bool operator==(const Proposal&) const = default;
};

}  // namespace parley::charter
