// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's one timer table: each slot is derived from the state it times (trackers,
// epochs heard of, refused sends), so nothing can be armed and then forgotten.
#include "engine/engine.hpp"

namespace parley::engine {

void Engine::rearm_timers() {
  const auto acks = hotline_.next_deadline();
  timers_.set(Timer::ack_deadline, acks ? std::optional<TimeMs>(*acks + 1) : std::nullopt);  // overdue strictly after

  timers_.set(Timer::withheld_commit, core_.epochs.next_deadline());

  timers_.set(Timer::relay_retry, core_.link.next_retry());

  std::optional<TimeMs> recovery;
  const std::optional<TimeMs> oldest_held = held_oldest();
  if (core_.link.ready()) recovery = recovery_.next_retry(oldest_held.has_value());  // asks need a connection
  timers_.set(Timer::recovery_retry, recovery);
  std::optional<TimeMs> rotation;
  if (core_.link.ready()) {  // the new key must reach the relay at once
    if (auto made = relay_.signed_prekey_made_at()) rotation = *made + core_.options.signed_prekey_rotate_ms;
  }
  timers_.set(Timer::prekey_rotation, rotation);
  const auto [beacon, silence] = beacons_.beacon_deadlines();
  timers_.set(Timer::supervisor_beacon, beacon);
  timers_.set(Timer::supervisor_silence, silence);
  timers_.set(Timer::held_expiry,
              oldest_held ? std::optional<TimeMs>(*oldest_held + core_.options.held_expiry_ms) : std::nullopt);
}

std::optional<TimeMs> Engine::held_oldest() {
  if (core_.held_changed) {
    auto oldest = core_.store.held_oldest();
    core_.held_changed = false;  // on an error, read again at the next change, not at every pump
    held_oldest_.reset();
    if (!oldest) {
      core_.emit(ProtocolError{oldest.error()});
      return std::nullopt;
    }
    held_oldest_ = *oldest;
  }
  return held_oldest_;
}

std::optional<TimeMs> Engine::poll_timeout() {
  rearm_timers();
  return timers_.next();
}

void Engine::handle_timeout(TimeMs now) {
  rearm_timers();
  if (timers_.due(Timer::withheld_commit, now)) check_withheld_commits(now);
  if (timers_.due(Timer::relay_retry, now)) relay_.resend_refused(now);
  if (timers_.due(Timer::ack_deadline, now)) check_ack_deadlines(now);
  if (timers_.due(Timer::recovery_retry, now)) retry_recovery(now);
  if (timers_.due(Timer::held_expiry, now)) expire_held(now);
  if (timers_.due(Timer::prekey_rotation, now)) relay_.rotate_signed_prekey(now);
  if (timers_.due(Timer::supervisor_beacon, now)) beacons_.send_beacons(now);
  if (timers_.due(Timer::supervisor_silence, now)) beacons_.check_supervisor_silence(now);
}

}  // namespace parley::engine
