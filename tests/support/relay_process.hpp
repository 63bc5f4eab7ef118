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

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::test {

class RelayProcess {
 public:
  // Registration is open (--registration open) unless `extra_args` name --registration.
  explicit RelayProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  ~RelayProcess();  // SIGTERM, then wait (SIGKILL if it does not exit within 10 s)
  RelayProcess(const RelayProcess&) = delete;
  RelayProcess& operator=(const RelayProcess&) = delete;

  // Starts the relay: --listen 127.0.0.1:0 the first time, the same port afterwards; reads the
  // "parley-relay listening on HOST:PORT" line, then waits until GET /healthz answers 200
  // (over TLS when the extra arguments give --tls-cert).
  void start();
  // SIGTERM + wait: a clean shutdown. Returns the exit status (as from waitpid), -1 if not running.
  int stop();
  // SIGKILL + waitpid: a crash.
  void kill_hard();
  // Sends `signal` and returns at once (a drain test reads its clients while the relay stops).
  void send_signal(int signal);
  // Waits up to `timeout` for the relay to exit; its status (as from waitpid), or -1 if it is
  // still running then (it is left running).
  int wait_exit(std::chrono::milliseconds timeout);
  // True while the process has not exited (it is reaped if it has).
  bool alive();
  // stop() if running, then start() on the same port.
  void restart();

  // Before start(): the relay's stderr (its log) goes to `path`, appended across restarts.
  void log_to(std::string path) { log_file_ = std::move(path); }

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
  bool tls_ = false;
  std::string log_file_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// Runs `PARLEY_RELAY_BINARY args` to completion through the shell (bounded to 15 s), with
// `env` ("NAME=value ...") in its environment; stdout and stderr together.
struct CommandResult {
  int status = -1;  // exit code; -1 if it did not exit normally
  std::string output;
};
CommandResult run_relay_command(const std::string& args, const std::string& env = "");

// "exited with code N", "killed by signal N" or "still running" (-1), for failure messages.
std::string describe_exit(int status);

// One HTTP/1.0 GET to 127.0.0.1:port; returns the status code, or 0 if there was no answer.
int http_get_status(std::uint16_t port, const std::string& target, std::string* body = nullptr);

}  // namespace parley::test
