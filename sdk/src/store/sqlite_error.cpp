// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlite_error.hpp"

#include <sqlite3.h>

#include <string>

namespace parley::store {

Errc errc_for_sqlite(int rc) {
  switch (rc & 0xff) {  // extended codes carry the primary code in the low byte
    case SQLITE_NOMEM:
      return Errc::out_of_memory;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return Errc::store_corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_AUTH:
      return Errc::store_io;
    default:
      // SQL errors, constraint violations, misuse and bad bind indices are our bugs.
      return Errc::internal;
  }
}

Error sqlite_error(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(errc_for_sqlite(rc), std::move(message));
}

}  // namespace parley::store
