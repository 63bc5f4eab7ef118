// SPDX-License-Identifier: GPL-3.0-or-later
#include "pg_server.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <thread>

#include "pg_connection.hpp"

namespace parley::relay::test {

namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
constexpr const char* kUser = "parley";  // the superuser initdb creates
constexpr int kLifetimeSeconds = 900;     // longer than any test process may run

int run(const std::string& command) { return std::system(command.c_str()); }

// The end of a log, for a failure message (the directory is removed with the server).
std::string tail(const std::string& file) {
  std::string out;
  std::FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return out;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    out += line;
    if (out.size() > 2000) out.erase(0, out.size() - 2000);
  }
  std::fclose(f);
  return out;
}

}  // namespace

std::unique_ptr<PgServer> PgServer::start(std::string& why) {
  if (!std::filesystem::exists(std::string(kBin) + "/initdb")) {
    why = std::string("PostgreSQL 15 is not installed (") + kBin + "/initdb; Debian package postgresql-15)";
    return nullptr;
  }
  std::unique_ptr<PgServer> server(new PgServer());
  char pattern[] = "/tmp/parley-pg-XXXXXX";
  if (!mkdtemp(pattern)) {
    why = "cannot make a temporary directory";
    return nullptr;
  }
  server->dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw || chown(pattern, pw->pw_uid, pw->pw_gid) != 0) {
      why = "running as root and there is no `postgres` user to run PostgreSQL as (initdb refuses root)";
      return nullptr;
    }
    server->as_ = "runuser -u postgres -- ";
  }
  const std::string& dir = server->dir_;
  if (run("timeout 60 " + server->as_ + kBin + "/initdb -D " + dir + "/data -A trust -U " + kUser +
          " --no-sync >" + dir + "/initdb.log 2>&1") != 0) {
    why = "initdb failed:\n" + tail(dir + "/initdb.log");
    return nullptr;
  }
  if (!server->launch()) {
    why = "PostgreSQL did not start:\n" + tail(dir + "/server.log");
    return nullptr;
  }
  return server;
}

PgServer::~PgServer() {
  if (dir_.empty()) return;
  run("timeout 30 " + as_ + kBin + "/pg_ctl -D " + dir_ + "/data -m immediate -w -t 20 stop >/dev/null 2>&1");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool PgServer::restart() {
  run("timeout 30 " + as_ + kBin + "/pg_ctl -D " + dir_ + "/data -m fast -w -t 20 stop >/dev/null 2>&1");
  return launch();
}

// The server runs under `timeout`, so one whose test process died (a crash, a ctest timeout)
// still goes away: SIGINT is PostgreSQL's fast shutdown. Unix socket only, in dir_ (no TCP port
// to collide on). fsync off: the tests kill relays, never this server, and two cores are shared.
bool PgServer::launch() {
  run(as_ + "timeout -s INT " + std::to_string(kLifetimeSeconds) + " " + kBin + "/postgres -D " + dir_ +
      "/data -k " + dir_ + " -c listen_addresses= -c fsync=off -c max_connections=50 >>" + dir_ +
      "/server.log 2>&1 &");
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    if (PgConnection::connect(url()).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string PgServer::url(const std::string& name) const {
  return "host=" + dir_ + " user=" + kUser + " dbname=" + name + " connect_timeout=10";
}

bool PgServer::create_database(const std::string& name) {
  auto admin = PgConnection::connect(url());
  if (!admin) {
    ADD_FAILURE() << admin.error().to_string();
    return false;
  }
  auto created = admin->exec_script(("CREATE DATABASE " + name).c_str());
  if (!created) ADD_FAILURE() << created.error().to_string();
  return created.ok();
}

}  // namespace parley::relay::test
