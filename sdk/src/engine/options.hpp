// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's options (engine.hpp re-exports them): limits, periods and the randomness source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "parley/types.hpp"

namespace parley::engine {

struct EngineOptions {
  std::uint32_t prekey_batch = 100;  // one-time prekeys uploaded when the relay says "low"
  // Source of message ids; defaults to the OpenSSL CSPRNG. Tests inject a seeded one.
  std::function<void(std::span<std::uint8_t>)> random;
  // Channel sender keys are replaced (new generation, distributed again) after this many
  // posts or this age, whichever comes first (post-compromise healing).
  std::uint64_t rotate_after_messages = 1000;
  TimeMs rotate_after_ms = TimeMs{7} * 24 * 3600 * 1000;
  // Channel envelopes waiting for their key or a charter epoch; the oldest go first.
  std::size_t max_held_envelopes = 1024;
  // A held envelope whose key or epoch has not come after this long is dropped, with
  // DecryptFailed(timeout) naming its sender.
  TimeMs held_expiry_ms = TimeMs{7} * 24 * 3600 * 1000;
  // A request for lost posts or a lost key is not repeated sooner than this (unless the
  // gap grew): the answer may still be on its way. Unanswered, it is asked again after this
  // long, then twice as long each time, at most kMaxRecoveryAttempts times (a timer).
  TimeMs recovery_retry_ms = 5000;
  // Freshness (docs/protocol.md "Freshness"): a post naming an epoch older than this device's
  // is accepted only within this many epochs and this long after the next epoch was applied.
  std::uint64_t stale_epoch_window = 4;
  TimeMs stale_epoch_window_ms = 5 * 60 * 1000;
  // A device that heard of a newer epoch and still lacks its commit after this long raises
  // SecurityAlert(cell_commits_withheld): the relay is withholding commits from it.
  TimeMs withheld_commit_ms = 30 * 1000;
  // Hotline times (deadlines, incident order) are the receiver's clock at first receipt; the
  // sender's sent_at is used only within this skew of it.
  TimeMs max_clock_skew_ms = 60 * 1000;
  // Held channel envelopes per sender (on top of max_held_envelopes in all).
  std::size_t max_held_per_sender = 256;
  // A send the relay refused with rate_limited or storage_full goes again after this long.
  TimeMs relay_busy_retry_ms = 5000;
  // Sent in Register to a relay that admits new devices by invite (empty: none).
  std::string invite_token;
  // The signed prekey is replaced this long after it was made, and the new one uploaded
  // (forward secrecy of session setup); a replaced one is kept this long, so that first
  // messages built from an older bundle can still open (at least the relay's message TTL).
  TimeMs signed_prekey_rotate_ms = TimeMs{7} * 24 * 3600 * 1000;
  TimeMs signed_prekey_keep_ms = TimeMs{30} * 24 * 3600 * 1000;
  // Supervisor beacons (docs/protocol.md "Supervisor beacons"): a supervisor device tells
  // every device of its cells its charter epoch and head this long after connecting or
  // committing, then every supervisor_beacon_ms (0: never), so that a commit the relay
  // withheld from every member is still learned of. A member connected this long without a
  // word from a supervisor device raises SecurityAlert(cell_supervisor_silent) once (0: not
  // watched): the relay may be withholding the beacons too, or the supervisor is offline.
  TimeMs supervisor_beacon_ms = 15 * 60 * 1000;
  TimeMs supervisor_beacon_after_commit_ms = 30 * 1000;
  TimeMs supervisor_silence_ms = 2 * 3600 * 1000;
};

}  // namespace parley::engine
