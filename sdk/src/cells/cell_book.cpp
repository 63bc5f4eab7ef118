// SPDX-License-Identifier: GPL-3.0-or-later
#include "cells/cell_book.hpp"

namespace parley::cells {

Result<CellBook> CellBook::load(store::DeviceStore& store) {
  CellBook book;
  auto ids = store.cell_ids();
  if (!ids) return std::move(ids).error();
  for (const Bytes& raw : *ids) {
    if (raw.size() != charter::kCellIdBytes) return make_error(Errc::store_corrupt, "stored cell id is not 16 bytes");
    CellId cell;
    std::copy(raw.begin(), raw.end(), cell.begin());
    auto stored = store.commits_of(raw);
    if (!stored) return std::move(stored).error();
    std::vector<charter::SignedCommit> commits;
    for (auto& c : *stored) commits.push_back(charter::SignedCommit{std::move(c.bytes), std::move(c.signature)});
    // A stored charter is verified like a welcome: the store is encrypted, but a bug or an
    // edited file must not yield a state that no signature supports.
    auto log = charter::CharterLog::from_genesis(commits, cell);
    if (!log) return make_error(Errc::store_corrupt, "stored charter does not verify: " + log.error().message);
    book.logs_.emplace(cell, std::move(*log));
  }
  return book;
}

const charter::CharterLog* CellBook::find(const CellId& cell) const {
  auto it = logs_.find(cell);
  return it == logs_.end() ? nullptr : &it->second;
}

std::vector<CellId> CellBook::ids() const {
  std::vector<CellId> out;
  for (const auto& [id, log] : logs_) out.push_back(id);
  return out;
}

void CellBook::put(const CellId& cell, charter::CharterLog log) {
  logs_.insert_or_assign(cell, std::move(log));
  // Applied epochs never change (a conflicting commit is an equivocation, not a rewrite),
  // so the cached states stay valid.
}

void CellBook::rewrite(const CellId& cell, charter::CharterLog log) {
  states_.erase(cell);
  logs_.insert_or_assign(cell, std::move(log));
}

const charter::CellState* CellBook::state_at(const CellId& cell, std::uint64_t epoch) {
  auto it = logs_.find(cell);
  if (it == logs_.end() || epoch == 0 || epoch > it->second.epoch()) return nullptr;
  if (epoch == it->second.epoch()) return &it->second.state();
  PastStates& past = states_[cell];
  const std::uint64_t cached_end = past.first_epoch + past.states.size();  // one past the newest
  if (epoch >= past.first_epoch && epoch < cached_end) return &past.states[epoch - past.first_epoch];

  // Above the window (or nothing cached): fold forward from the newest cached state, caching
  // each state and keeping the newest kMaxCachedStates. Below it (rare: a message naming an
  // old epoch): fold from genesis into scratch_.
  const bool cache = epoch >= cached_end || past.states.empty();
  charter::CellState state = cache && !past.states.empty() ? past.states.back() : charter::CellState{};
  std::uint64_t at = cache && !past.states.empty() ? cached_end - 1 : 0;
  if (cache && past.states.empty()) past.first_epoch = 1;
  for (const auto& commit : it->second.commits_from(at + 1)) {
    auto next = charter::apply(state, commit);
    if (!next) return nullptr;  // cannot happen: the log applied these same commits
    state = std::move(*next);
    ++at;
    if (cache) {
      past.states.push_back(state);
      if (past.states.size() > kMaxCachedStates) {
        past.states.pop_front();
        ++past.first_epoch;
      }
    }
    if (at == epoch) break;
  }
  if (at != epoch) return nullptr;
  if (cache) return &past.states.back();
  scratch_ = std::move(state);
  return &scratch_;
}

Status CellBook::persist(store::DeviceStore& store, const CellId& cell, const charter::CharterLog& log,
                         std::uint64_t from_epoch, TimeMs applied_at) {
  std::uint64_t epoch = from_epoch;
  for (const auto& commit : log.commits_from(from_epoch))
    PARLEY_TRY(
        store.commit_put(ByteView(cell), store::StoredCommit{epoch++, commit.bytes, commit.signature, applied_at}));
  return {};
}

}  // namespace parley::cells
