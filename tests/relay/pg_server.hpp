// SPDX-License-Identifier: GPL-3.0-or-later
// A throwaway PostgreSQL for tests: Debian's postgresql-15 binaries on a temporary data
// directory, listening only on a Unix socket in that directory (no TCP port to collide on).
// CI runs as root and initdb refuses root, so as root the server runs as the `postgres` user
// (created by Debian's package) through runuser. Every step has a time limit, and so has the
// server itself (15 minutes), in case the test process dies without stopping it.
#pragma once

#include <memory>
#include <string>

namespace parley::relay::test {

class PgServer {
 public:
  // The started server, or null with `why` saying what is missing (the caller skips).
  static std::unique_ptr<PgServer> start(std::string& why);
  ~PgServer();  // stops the server (immediate mode) and removes the directory
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // A libpq connection string for database `name` (created by create_database).
  std::string url(const std::string& name = "postgres") const;
  // Creates an empty database; false (with a test failure) if it could not.
  bool create_database(const std::string& name);
  // Stops the server (fast: clients are disconnected) and starts it again; false if it failed.
  bool restart();

 private:
  PgServer() = default;
  bool launch();  // starts postgres in the background and waits until it answers
  std::string dir_;   // data in dir_/data, the socket in dir_
  std::string as_;    // "runuser -u postgres -- " when root, else empty
};

}  // namespace parley::relay::test
