// SPDX-License-Identifier: GPL-3.0-or-later
// With storage = postgres, mail for a device may be stored by another relay. This thread wakes
// the connections of this relay when that happens: it LISTENs on PgStorage::kNotifyChannel
// (sent at COMMIT of each Send, naming the recipient) and wakes that device's connection if
// it is here. NOTIFY is only a shortcut: notifications are lost while this connection is
// down, and some PostgreSQL-compatible databases have none. So every postgres_poll_ms all
// authenticated connections are woken anyway, and that poll alone keeps delivery correct. After
// LISTEN is (re)established every connection is woken once, for what was missed meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace parley::relay {

class SharedState;

class PgWakeups {
 public:
  // `listen` false: the poll alone (postgres_notify = false).
  PgWakeups(std::string url, std::chrono::milliseconds poll, bool listen, std::shared_ptr<SharedState> state);
  ~PgWakeups();  // stop()
  PgWakeups(const PgWakeups&) = delete;
  PgWakeups& operator=(const PgWakeups&) = delete;

  void stop();

 private:
  void loop();

  const std::string url_;
  const std::chrono::milliseconds poll_;
  const bool listen_;
  std::shared_ptr<SharedState> state_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: started after everything above exists
};

}  // namespace parley::relay
