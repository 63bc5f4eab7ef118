// SPDX-License-Identifier: GPL-3.0-or-later
// Counts the SQL the SDK runs, by interposing sqlite3_prepare_v2 / _exec / _step in the bench
// executable (definitions in the executable win over the shared libsqlcipher's; each forwards
// to the real one through dlsym(RTLD_NEXT)). Linked into parley_sdk_bench only.
#pragma once

#include <cstdint>

namespace parley::bench {

struct SqlCounts {
  std::uint64_t prepares = 0;      // statements compiled (sqlite3_prepare_v2; the statement cache avoids most)
  std::uint64_t execs = 0;         // sqlite3_exec calls (BEGIN/COMMIT/ROLLBACK, pragmas)
  std::uint64_t transactions = 0;  // COMMITs, run by sqlite3_exec or as a prepared statement
  std::uint64_t statements = 0;    // statements executed (first sqlite3_step of a run), BEGIN/COMMIT/ROLLBACK excluded
  std::uint64_t autocommits = 0;   // of those, writes outside BEGIN..COMMIT: each one a transaction of its own
};
SqlCounts sql_counts();

}  // namespace parley::bench
