// SPDX-License-Identifier: GPL-3.0-or-later
// Cell state as a pure fold over the charter, and the validation every device runs on every
// commit. apply() never modifies its input: it returns the next state or a typed error, so a
// rejected commit leaves the caller's state exactly as it was.
#pragma once

#include <map>
#include <string>

#include "charter/model.hpp"
#include "parley/error.hpp"

namespace parley::charter {

struct UserRecord {
  std::string party;
  Role role = Role::member;
  bool operator==(const UserRecord&) const = default;
};

struct DeviceRecord {
  Bytes identity_key;     // 33 bytes
  std::string clearance = {};  // a level of the cell, or empty (labels.hpp)
  bool operator==(const DeviceRecord&) const = default;
};

struct ChannelRecord {
  std::string display_name;
  bool archived = false;
  ChannelPolicy policy;  // grants kept sorted (std::set order of Grant)
  bool operator==(const ChannelRecord&) const = default;
};

// The state after `epoch` commits. epoch 0 is the empty state genesis applies to.
struct CellState {
  CellId cell_id{};
  std::string name;
  std::string supervisor_party;
  std::uint64_t epoch = 0;
  Hash head{};                             // hash of the last applied commit; zeros at epoch 0
  TimeMs time_ms = 0;                      // time of the last applied commit (informative)
  std::map<std::string, UserRecord> users;  // every user has >= 1 device (checked after each commit)
  std::map<Address, DeviceRecord> devices;  // device's user is address.user
  std::map<std::string, ChannelRecord> channels;
  std::vector<std::string> levels;  // classification levels, lowest first (labels.hpp)

  bool operator==(const CellState&) const = default;

  const UserRecord* user_of(const Address& device) const;
  bool is_supervisor_device(const Address& device) const;

  // SHA-256 over a canonical encoding of every field above ("parley-charter-state-v1").
  // Equal digests <=> equal states; used to compare devices' folds in tests and diagnostics.
  Result<Hash> digest() const;
};

// Validate `commit` against `state` and return the next state. The checks, in order (the
// cheap state-only checks run before the curve operation; all must pass either way):
//   1. bytes: size limit, FlatBuffers verification, version, field rules   (decode_commit)
//   genesis (state.epoch == 0):
//   2. epoch 1, zero prev_hash, CreateCell first                         (malformed_frame)
//   3. operations apply to the empty state                      (charter_invalid_operation)
//   4. the author is a device added by this genesis, of a supervisor user (charter_not_authorized)
//   5. the signature verifies with that device's identity key             (invalid_signature)
//   later commits:
//   2. cell_id == state.cell_id                                           (charter_wrong_cell)
//   3. epoch == state.epoch + 1                                         (charter_out_of_order)
//   4. prev_hash == state.head                                          (charter_broken_chain)
//   5. the author is a device of the cell whose user is a supervisor   (charter_not_authorized)
//   6. the signature verifies with the author's identity key as known in `state`
//                                                                           (invalid_signature)
//   7. every operation, in order, is consistent with the state so far (charter_invalid_operation)
//   8. afterwards: >= 1 supervisor device, every user has a device, limits (charter_invalid_operation)
//   9. a commit that widens who reads a consent channel carries the consent it needs
//      (consent.hpp)                                                  (charter_consent_missing)
Result<CellState> apply(const CellState& state, const SignedCommit& commit);

// Steps 7 and 8 alone, for operations already known to be authorised (used for proposals and
// by apply). Does not touch epoch, head or time.
Result<CellState> apply_operations(const CellState& state, const std::vector<Operation>& operations);

}  // namespace parley::charter
