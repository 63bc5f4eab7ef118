// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: the idle compiled statements of one connection, keyed by their SQL
// text, least recently used dropped first. Not thread-safe, like the connection it serves.
#pragma once

#include <cstddef>
#include <list>
#include <string_view>
#include <unordered_map>

struct sqlite3_stmt;

namespace parley::store::detail {

class StatementCache {
 public:
  explicit StatementCache(std::size_t capacity) : capacity_(capacity) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() { clear(); }

  // An idle statement compiled from exactly `sql`, now owned by the caller; nullptr if none.
  sqlite3_stmt* take(std::string_view sql);
  // A statement the caller no longer uses: reset, its bindings cleared, then kept (the
  // least recently used one beyond the capacity is finalized) or, when the cache already
  // holds one for the same text or was closed, finalized.
  void give_back(sqlite3_stmt* stmt) noexcept;
  // Finalizes every idle statement.
  void clear() noexcept;
  // The connection is closing: clear, and finalize whatever is given back later.
  void close() noexcept;

  std::size_t size() const { return index_.size(); }

 private:
  std::size_t capacity_;
  bool closed_ = false;
  std::list<sqlite3_stmt*> lru_;  // most recently given back first
  // Keys point into the statements' own SQL text (sqlite3_sql), valid until finalized.
  std::unordered_map<std::string_view, std::list<sqlite3_stmt*>::iterator> index_;
};

}  // namespace parley::store::detail
