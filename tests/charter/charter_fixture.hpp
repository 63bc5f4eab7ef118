// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers for the charter suite: identity keys per device, a cell under construction
// (genesis from the seeds' template, then signed commits chained on a tracked state), and
// short constructors for operations.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "charter/codec.hpp"
#include "charter/log.hpp"
#include "charter/seed_template.hpp"
#include "charter/state.hpp"
#include "crypto/keys.hpp"

namespace parley::charter::test {

inline std::string describe(const Error& error) { return error.to_string(); }

template <class T>
T must(Result<T> result) {
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  if (!result.ok()) throw std::runtime_error("test precondition failed: " + result.error().to_string());
  return std::move(result).value();
}

// Identity keys for test devices, created on first use.
class Keys {
 public:
  const crypto::KeyPair& of(const Address& device) {
    auto it = keys_.find(device);
    if (it == keys_.end()) it = keys_.emplace(device, must(crypto::generate_key_pair())).first;
    return it->second;
  }
  const Bytes& pub(const Address& device) { return of(device).public_key; }
  const Bytes& priv(const Address& device) { return of(device).private_key; }

 private:
  std::map<Address, crypto::KeyPair> keys_;
};

inline const Address kSup{"us_sup", 1};
inline const Address kSup2{"us_sup", 2};
inline const Address kUsObserver{"us_obs", 1};
inline const Address kIlAdmin{"il_admin", 1};
inline const Address kIlOfficer{"il_officer", 1};
inline const Address kIlTrade{"il_trade", 1};  // the commercial-only delegate
inline const Address kIlObserver{"il_obs", 1};
inline const Address kSyAdmin{"sy_admin", 1};
inline const Address kSyOfficer{"sy_officer", 1};

inline CellId test_cell_id(std::uint8_t fill = 0x42) {
  CellId id;
  id.fill(fill);
  return id;
}

// A cell as its supervisor builds it: the signed chain plus the state after it.
class TestCell {
 public:
  explicit TestCell(Keys& keys, CellId cell_id = test_cell_id()) : keys_(keys) {
    SeedCellOptions options;
    options.cell_id = cell_id;
    options.supervisor = kSup;
    options.supervisor_key = keys.pub(kSup);
    options.time_ms = 1'700'000'000'000;
    options.members = {
        {kSup2, "US", Role::supervisor, keys.pub(kSup2)},
        {kUsObserver, "US", Role::observer, keys.pub(kUsObserver)},
        {kIlAdmin, "IL", Role::party_admin, keys.pub(kIlAdmin)},
        {kIlOfficer, "IL", Role::member, keys.pub(kIlOfficer)},
        {kIlTrade, "IL", Role::member, keys.pub(kIlTrade)},
        {kIlObserver, "IL", Role::observer, keys.pub(kIlObserver)},
        {kSyAdmin, "SY", Role::party_admin, keys.pub(kSyAdmin)},
        {kSyOfficer, "SY", Role::member, keys.pub(kSyOfficer)},
    };
    genesis_commit_ = seeds_cell_genesis(options);
    chain_.push_back(must(sign_commit(genesis_commit_, keys.priv(kSup))));
    state_ = must(apply(CellState{}, chain_.back()));
  }

  // The next commit (not applied): epoch/prev from the tracked state.
  Commit next(std::vector<Operation> ops, const Address& author = kSup) const {
    return Commit{state_.cell_id, state_.epoch + 1, state_.head, author, 1'700'000'000'000 + TimeMs(state_.epoch), std::move(ops)};
  }
  SignedCommit sign(const Commit& commit, const Address& signer) { return must(sign_commit(commit, keys_.priv(signer))); }
  SignedCommit sign(const Commit& commit) { return sign(commit, commit.author); }

  // Sign, apply to the tracked state (must succeed) and append to the chain.
  const SignedCommit& commit(std::vector<Operation> ops, const Address& author = kSup) {
    SignedCommit signed_commit = sign(next(std::move(ops), author));
    state_ = must(apply(state_, signed_commit));
    chain_.push_back(std::move(signed_commit));
    return chain_.back();
  }

  const CellState& state() const { return state_; }
  const std::vector<SignedCommit>& chain() const { return chain_; }
  const Commit& genesis_commit() const { return genesis_commit_; }
  Keys& keys() { return keys_; }

 private:
  Keys& keys_;
  Commit genesis_commit_;
  std::vector<SignedCommit> chain_;
  CellState state_;
};

inline AddDevice add(const Address& device, std::string party, std::optional<Role> role, Keys& keys) {
  return AddDevice{device, std::move(party), role, keys.pub(device)};
}

inline Hash digest_of(const CellState& state) { return must(state.digest()); }

inline CharterLog log_from(const std::vector<SignedCommit>& commits, std::size_t count) {
  return must(CharterLog::from_genesis(std::span<const SignedCommit>(commits.data(), count)));
}

}  // namespace parley::charter::test
