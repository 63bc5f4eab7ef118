// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/statement_cache.hpp"

#include <sqlite3.h>

namespace parley::store::detail {

sqlite3_stmt* StatementCache::take(std::string_view sql) {
  auto found = index_.find(sql);
  if (found == index_.end()) return nullptr;
  sqlite3_stmt* stmt = *found->second;
  lru_.erase(found->second);
  index_.erase(found);
  return stmt;
}

void StatementCache::give_back(sqlite3_stmt* stmt) noexcept {
  if (stmt == nullptr) return;
  // Reset first in every case: an unfinished SELECT holds a read snapshot until then.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);  // no bound value (possibly key material) stays behind
  const char* text = sqlite3_sql(stmt);
  if (closed_ || capacity_ == 0 || text == nullptr) {
    sqlite3_finalize(stmt);
    return;
  }
  const std::string_view key(text);
  if (index_.count(key) != 0) {  // a second copy of a statement used twice at once
    sqlite3_finalize(stmt);
    return;
  }
  try {
    lru_.push_front(stmt);
    try {
      index_.emplace(key, lru_.begin());
    } catch (...) {
      lru_.pop_front();
      throw;
    }
  } catch (...) {  // out of memory: not caching is always correct
    sqlite3_finalize(stmt);
    return;
  }
  while (index_.size() > capacity_) {
    sqlite3_stmt* oldest = lru_.back();
    index_.erase(std::string_view(sqlite3_sql(oldest)));
    lru_.pop_back();
    sqlite3_finalize(oldest);
  }
}

void StatementCache::clear() noexcept {
  index_.clear();
  for (sqlite3_stmt* stmt : lru_) sqlite3_finalize(stmt);
  lru_.clear();
}

void StatementCache::close() noexcept {
  clear();
  closed_ = true;
}

}  // namespace parley::store::detail
