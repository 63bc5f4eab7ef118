// SPDX-License-Identifier: GPL-3.0-or-later
#include "pg_wakeups.hpp"

#include <poll.h>

#include <algorithm>
#include <optional>

#include "log.hpp"
#include "pg_connection.hpp"
#include "pg_storage.hpp"
#include "shared_state.hpp"

namespace parley::relay {

namespace {

using Clock = std::chrono::steady_clock;
// How often the loop looks at stopping_ while nothing arrives.
constexpr std::chrono::milliseconds kTick{100};
// Between attempts to LISTEN again after the connection was lost.
constexpr std::chrono::milliseconds kReconnectPause{1000};

}  // namespace

PgWakeups::PgWakeups(std::string url, std::chrono::milliseconds poll, bool listen, std::shared_ptr<SharedState> state)
    : url_(std::move(url)), poll_(poll), listen_(listen), state_(std::move(state)), thread_([this] { loop(); }) {}

PgWakeups::~PgWakeups() { stop(); }

void PgWakeups::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgWakeups::loop() {
  std::optional<PgConnection> listener;
  auto next_poll = Clock::now() + poll_;
  auto next_connect = Clock::now();
  while (!stopping_) {
    if (listen_ && !listener && Clock::now() >= next_connect) {
      auto connected = PgConnection::connect(url_);
      if (connected && connected->exec_script((std::string("LISTEN ") + PgStorage::kNotifyChannel).c_str())) {
        listener.emplace(std::move(connected).value());
        // Whatever was announced while nobody listened is lost: look at every mailbox once.
        state_->wake_all();
      } else {
        log_line("postgres wakeups: cannot LISTEN (the poll still delivers): " +
                 (connected ? std::string("LISTEN failed") : connected.error().message));
        next_connect = Clock::now() + kReconnectPause;
      }
    }
    const auto now = Clock::now();
    if (now >= next_poll) {
      state_->wake_all();
      next_poll = now + poll_;
    }
    const auto wait = std::min<std::chrono::milliseconds>(
        kTick, std::chrono::duration_cast<std::chrono::milliseconds>(next_poll - Clock::now()));
    if (!listener) {
      std::this_thread::sleep_for(std::max(wait, std::chrono::milliseconds(1)));
      continue;
    }
    pollfd fd{listener->socket(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(1, wait.count()))) <= 0) continue;
    auto notes = listener->notifications();
    if (!notes) {
      log_line("postgres wakeups: " + notes.error().message + "; reconnecting (the poll still delivers)");
      listener.reset();
      continue;
    }
    for (const auto& [channel, recipient] : *notes) state_->wake(recipient);
  }
}

}  // namespace parley::relay
