// SPDX-License-Identifier: GPL-3.0-or-later
#include "cells/cell_book.hpp"

#include "charter/codec.hpp"

#include <algorithm>

namespace parley::cells {

namespace {

// A stored commit with the co-signatures kept beside it, which must be for the same bytes.
Result<charter::SignedCommit> from_store(store::StoredCommit stored) {
  charter::SignedCommit out{std::move(stored.bytes), std::move(stored.signature)};
  if (stored.co_signed.empty()) return out;
  auto container = charter::decode_signed_commit(stored.co_signed);
  if (!container || container->bytes != out.bytes)
    return make_error(Errc::store_corrupt, "the co-signatures stored for the commit of epoch " +
                                               std::to_string(stored.epoch) + " are not for its bytes");
  out.co_signatures = std::move(container->co_signatures);
  return out;
}

}  // namespace

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
    for (auto& c : *stored) {
      auto commit = from_store(std::move(c));
      if (!commit) return std::move(commit).error();
      commits.push_back(std::move(commit).value());
    }
    // A stored charter is verified like a welcome: the store is encrypted, but a bug or an
    // edited file must not yield a state that no signature supports.
    auto log = charter::CharterLog::from_genesis(commits, cell);
    if (!log) return make_error(Errc::store_corrupt, "stored charter does not verify: " + log.error().message);
    book.logs_.emplace(cell, std::move(*log));
  }
  return book;
}

const charter::CharterLog* CellBook::find(const CellId& cell) const {
  if (auto staged = staged_.find(cell); staged != staged_.end()) return &staged->second.log;
  auto it = logs_.find(cell);
  return it == logs_.end() ? nullptr : &it->second;
}

std::vector<CellId> CellBook::ids() const {
  std::vector<CellId> out;
  for (const auto& [id, log] : logs_) out.push_back(id);
  for (const auto& [id, staged] : staged_)
    if (!logs_.count(id)) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

void CellBook::put(const CellId& cell, charter::CharterLog log) {
  if (staging_) {
    // A staged rewrite stays one: the chain below the published head still differs.
    auto [it, fresh] = staged_.try_emplace(cell, Staged{log, false});
    if (!fresh) it->second.log = std::move(log);
    return;
  }
  logs_.insert_or_assign(cell, std::move(log));
  // Applied epochs never change (a conflicting commit is an equivocation, not a rewrite),
  // so the cached states stay valid.
}

void CellBook::rewrite(const CellId& cell, charter::CharterLog log) {
  if (staging_) {
    staged_.insert_or_assign(cell, Staged{std::move(log), true});
    return;
  }
  states_.erase(cell);
  logs_.insert_or_assign(cell, std::move(log));
}

void CellBook::begin() {
  staged_.clear();
  staging_ = true;
}

void CellBook::publish() {
  staging_ = false;
  for (auto& [cell, staged] : staged_) {
    if (staged.rewritten) states_.erase(cell);
    logs_.insert_or_assign(cell, std::move(staged.log));
  }
  staged_.clear();
}

void CellBook::discard() {
  staging_ = false;
  staged_.clear();
}

const charter::CharterLog* CellBook::stable_log(const CellId& cell, std::uint64_t epoch) const {
  auto published = logs_.find(cell);
  if (published == logs_.end() || epoch > published->second.epoch()) return nullptr;
  auto staged = staged_.find(cell);
  // Past states cached for the published chain are those of a staged extension too; a
  // staged rewrite may differ below the head, so nothing of it is cached until published.
  if (staged != staged_.end() && staged->second.rewritten) return nullptr;
  return &published->second;
}

const charter::CellState* CellBook::fold_uncached(const charter::CharterLog& log, std::uint64_t epoch) {
  charter::CellState state;
  std::uint64_t at = 0;
  for (const auto& commit : log.commits_from(1)) {
    auto next = charter::apply(state, commit);
    if (!next) return nullptr;
    state = std::move(*next);
    if (++at == epoch) break;
  }
  if (at != epoch) return nullptr;
  scratch_ = std::move(state);
  return &scratch_;
}

const charter::CellState* CellBook::state_at(const CellId& cell, std::uint64_t epoch) {
  const charter::CharterLog* log = find(cell);
  if (!log || epoch == 0 || epoch > log->epoch()) return nullptr;
  if (epoch == log->epoch()) return &log->state();
  const charter::CharterLog* stable = stable_log(cell, epoch);
  if (!stable) return fold_uncached(*log, epoch);  // rare: inside a transaction that rewrote the chain
  if (epoch == stable->epoch()) return &stable->state();
  auto it = logs_.find(cell);
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
  for (const auto& commit : log.commits_from(from_epoch)) {
    Bytes co_signed = commit.co_signatures.empty() ? Bytes{} : charter::encode_signed_commit(commit);
    PARLEY_TRY(store.commit_put(ByteView(cell), store::StoredCommit{epoch++, commit.bytes, commit.signature,
                                                                     applied_at, std::move(co_signed)}));
  }
  return {};
}

}  // namespace parley::cells
