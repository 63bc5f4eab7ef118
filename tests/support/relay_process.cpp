// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/relay_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/test_tls.hpp"

namespace parley::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr std::string_view kListeningPrefix = "parley-relay listening on ";

// waitpid with a deadline; returns true and the status if the child exited.
bool wait_for_exit(pid_t pid, Clock::duration timeout, int& status) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // not our child any more
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

std::string describe_exit(int status) {
  return status == -1 ? "still running" : describe_status(status);
}

int http_get_status(std::uint16_t port, const std::string& target, std::string* body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      std::string response;
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<std::size_t>(n));
      // "HTTP/1.x NNN ..."
      if (response.size() >= 12 && response.compare(0, 5, "HTTP/") == 0) {
        status = std::atoi(response.c_str() + 9);
        if (body) {
          const auto split = response.find("\r\n\r\n");
          *body = split == std::string::npos ? std::string() : response.substr(split + 4);
        }
      }
    }
  }
  ::close(fd);
  return status;
}

CommandResult run_relay_command(const std::string& args, const std::string& env) {
  CommandResult run;
  const std::string command = env + " timeout 15 " PARLEY_RELAY_BINARY " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) run.output += buf;
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

RelayProcess::RelayProcess(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {
  bool admission_given = false;
  for (const auto& arg : extra_args_) {
    tls_ = tls_ || arg == "--tls-cert";
    admission_given = admission_given || arg == "--registration";
  }
  // Tests register devices freely unless they test admission themselves.
  if (!admission_given) extra_args_.insert(extra_args_.end(), {"--registration", "open"});
}

RelayProcess::~RelayProcess() {
  if (running()) stop();
}

void RelayProcess::start() {
  if (running()) throw std::runtime_error("RelayProcess::start: the relay is already running");
  // On restart the old port may briefly still be held by the previous process's sockets.
  const auto deadline = Clock::now() + kStartTimeout;
  while (true) {
    try {
      spawn();
      break;
    } catch (const std::exception&) {
      if (port_ == 0 || Clock::now() >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  wait_healthy();
}

void RelayProcess::spawn() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));

  std::vector<std::string> args = {PARLEY_RELAY_BINARY, "--listen", "127.0.0.1:" + std::to_string(port_), "--data",
                                   data_dir_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = -1;
  if (!log_file_.empty()) {
    log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) throw std::runtime_error("cannot open the relay log " + log_file_ + ": " + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (log_fd >= 0) ::close(log_fd);
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(fds[1], STDOUT_FILENO);  // dup2 clears FD_CLOEXEC on the copy
    if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (log_fd >= 0) ::close(log_fd);
  pid_ = pid;

  // Read the one "listening on" line.
  std::string line;
  const auto deadline = Clock::now() + kStartTimeout;
  bool eof = false;
  while (line.find('\n') == std::string::npos && !eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[256];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;
      break;
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);

  const auto newline = line.find('\n');
  const auto colon = line.rfind(':', newline);
  if (newline == std::string::npos || line.compare(0, kListeningPrefix.size(), kListeningPrefix) != 0 ||
      colon == std::string::npos) {
    int status = 0;
    std::string why = "no 'listening on' line";
    if (wait_for_exit(pid_, std::chrono::milliseconds(eof ? 2000 : 0), status)) {
      why += ", the relay " + describe_status(status);
    } else {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    throw std::runtime_error("parley-relay did not start: " + why + " (output: '" + line + "')");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1, newline - colon - 1)));
}

void RelayProcess::wait_healthy() {
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    if ((tls_ ? https_get(port_, "/healthz").status : http_get_status(port_, "/healthz")) == 200) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("parley-relay " + describe_status(status) + " before /healthz answered");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("parley-relay did not answer GET /healthz within the start timeout");
}

int RelayProcess::stop() {
  if (!running()) return -1;
  int status = 0;
  ::kill(pid_, SIGTERM);
  if (!wait_for_exit(pid_, kStopTimeout, status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return status;
}

void RelayProcess::kill_hard() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void RelayProcess::send_signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

int RelayProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  int status = 0;
  if (!wait_for_exit(pid_, timeout, status)) return -1;
  pid_ = -1;
  return status;
}

bool RelayProcess::alive() {
  if (!running()) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

void RelayProcess::restart() {
  if (running()) stop();
  start();
}

}  // namespace parley::test
