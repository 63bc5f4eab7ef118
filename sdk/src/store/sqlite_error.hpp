// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: turns an SQLite result code into a parley::Error.
#pragma once

#include <string_view>

#include "parley/error.hpp"

struct sqlite3;

namespace parley::store {

// The Errc that an SQLite primary result code stands for (I/O, corruption, memory, bug).
Errc errc_for_sqlite(int rc);

// "<what>: <SQLite's message>". With `db` the connection's message is used, otherwise the
// generic text for `rc`. `what` must name the operation only: never pass bound values.
Error sqlite_error(int rc, sqlite3* db, std::string_view what);

}  // namespace parley::store
