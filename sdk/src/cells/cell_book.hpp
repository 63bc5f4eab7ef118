// SPDX-License-Identifier: GPL-3.0-or-later
// CellBook: this device's cells — one CharterLog per cell, rebuilt from the store's commits
// at start, plus the cell state at any past epoch (needed to check that a channel message's
// sender could POST at the epoch it names). It follows the engine's store transaction:
// between begin() and publish()/discard(), put() and rewrite() stage a new log that find()
// and state_at() already answer with (later steps of the same transaction read their own
// writes), while the published logs stay as they were; publish() installs the staged logs
// once the store has committed, discard() drops them after a rollback. Nothing is reloaded.
#pragma once

#include <deque>
#include <map>
#include <vector>

#include "cells/codec.hpp"
#include "charter/log.hpp"
#include "store/device_store.hpp"

namespace parley::cells {

class CellBook {
 public:
  // Every cell whose commits are in `store`, each verified again from its genesis.
  // Errc::store_corrupt if a stored charter no longer verifies.
  static Result<CellBook> load(store::DeviceStore& store);

  const charter::CharterLog* find(const CellId& cell) const;
  std::vector<CellId> ids() const;

  // Installs (or replaces) the log of `cell`. The commits must already be in the store
  // (or in the open transaction).
  void put(const CellId& cell, charter::CharterLog log);
  // Installs a log whose applied chain changed below its head (a supervisor tie-break):
  // cached past states are dropped. The store must already hold the new chain.
  void rewrite(const CellId& cell, charter::CharterLog log);

  // The transaction the staged logs belong to (see the top of this file).
  void begin();
  void publish();
  void discard();
  bool staging() const { return staging_; }

  // The state after `epoch` (1..log epoch) of `cell`; nullptr if unknown. Folds and caches
  // the newest kMaxCachedStates past states per cell; the pointer is valid until the next call.
  const charter::CellState* state_at(const CellId& cell, std::uint64_t epoch);

  // Writes the log's commits from `from_epoch` to its head (INSERT OR IGNORE), applied at
  // `applied_at` on this device's clock (the freshness window counts from it).
  static Status persist(store::DeviceStore& store, const CellId& cell, const charter::CharterLog& log,
                        std::uint64_t from_epoch, TimeMs applied_at);

 private:
  static constexpr std::size_t kMaxCachedStates = 256;
  struct PastStates {
    std::uint64_t first_epoch = 1;           // epoch of states.front()
    std::deque<charter::CellState> states;  // consecutive epochs
  };
  struct Staged {
    charter::CharterLog log;
    bool rewritten = false;  // its chain changed below the published head
  };
  // The log past states are folded from and cached for, or nullptr when `epoch` must not be
  // cached (a staged chain that is not a plain extension of the published one).
  const charter::CharterLog* stable_log(const CellId& cell, std::uint64_t epoch) const;
  const charter::CellState* fold_uncached(const charter::CharterLog& log, std::uint64_t epoch);

  std::map<CellId, charter::CharterLog> logs_;
  std::map<CellId, Staged> staged_;
  bool staging_ = false;
  std::map<CellId, PastStates> states_;
  charter::CellState scratch_;  // an epoch older than the cached window
};

}  // namespace parley::cells
