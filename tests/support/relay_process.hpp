// SPDX-License-Identifier: GPL-3.0-or-later
// A real parley-relay process for tests (binary: PARLEY_RELAY_BINARY).
//
//   parley::test::TempDir dir;
//   parley::test::RelayProcess relay(dir.file("relay"));
//   relay.start();                  // --listen 127.0.0.1:0, waits until GET /healthz answers
//   connect to relay.host():relay.port() ...
//   relay.kill_hard(); relay.start();   // crash + restart on the same port and data
//
// Failures to start throw std::runtime_error (GoogleTest reports it as a test failure).
// The child gets SIGKILL if the test process dies, so no relay outlives its test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::test {

class RelayProcess {
 public:
  explicit RelayProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~RelayProcess();  // SIGTERM, then wait (SIGKILL if it does not exit within 10 s)
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  // Starts the relay: --listen 127.0.0.1:0 the first time, the same port afterwards; reads the
  // "parley-relay listening on HOST:PORT" line, then waits until GET /healthz answers 200.
  void start();
  // SIGTERM + wait: a clean shutdown. Returns the exit status (as from waitpid), -1 if not running.
  int stop();
  // SIGKILL + waitpid: a crash.
  void kill_hard();
  // stop() if running, then start() on the same port.
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  const std::string& data_dir() const { return data_dir_; }

 private:
  void spawn();
  void wait_healthy();

  std::string data_dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// One HTTP/1.0 GET to 127.0.0.1:port; returns the status code, or 0 if there was no answer.
int http_get_status(std::uint16_t port, const std::string& target, std::string* body = nullptr);

}  // namespace parley::test
