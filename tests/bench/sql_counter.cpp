// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench/sql_counter.hpp"

#include <dlfcn.h>
#include <sqlite3.h>

#include <cstring>

namespace {
parley::bench::SqlCounts counts;
thread_local bool in_exec = false;
}  // namespace

parley::bench::SqlCounts parley::bench::sql_counts() { return counts; }

extern "C" {

int sqlite3_prepare_v2(sqlite3* db, const char* sql, int bytes, sqlite3_stmt** stmt, const char** tail) {
  using Fn = int (*)(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "sqlite3_prepare_v2"));
  if (!in_exec) ++counts.prepares;
  return real(db, sql, bytes, stmt, tail);
}

// COMMIT also runs as a (cached) prepared statement: counted when it is stepped.
int sqlite3_step(sqlite3_stmt* stmt) {
  using Fn = int (*)(sqlite3_stmt*);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "sqlite3_step"));
  if (!in_exec && stmt != nullptr) {
    const char* sql = sqlite3_sql(stmt);
    const bool control = sql != nullptr && (::strncmp(sql, "COMMIT", 6) == 0 || ::strncmp(sql, "BEGIN", 5) == 0 ||
                                            ::strncmp(sql, "ROLLBACK", 8) == 0);
    if (sql != nullptr && ::strncmp(sql, "COMMIT", 6) == 0) ++counts.transactions;
    if (!control && sqlite3_stmt_busy(stmt) == 0) {  // a new run of the statement, not its next row
      ++counts.statements;
      if (sqlite3_stmt_readonly(stmt) == 0 && sqlite3_get_autocommit(sqlite3_db_handle(stmt)) != 0) ++counts.autocommits;
    }
  }
  return real(stmt);
}

int sqlite3_exec(sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg, char** error) {
  using Fn = int (*)(sqlite3*, const char*, int (*)(void*, int, char**, char**), void*, char**);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "sqlite3_exec"));
  ++counts.execs;
  if (sql != nullptr && ::strncmp(sql, "COMMIT", 6) == 0) ++counts.transactions;
  in_exec = true;
  const int rc = real(db, sql, callback, arg, error);
  in_exec = false;
  return rc;
}

}  // extern "C"
