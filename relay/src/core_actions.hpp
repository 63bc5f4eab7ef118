// SPDX-License-Identifier: GPL-3.0-or-later
// What the relay core (relay_core.hpp) tells its driver to do after each input, and the time
// the driver gives it. The core does no I/O and reads no clock; these are its only effects
// besides counting in Metrics and taking rate-limit tokens.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "storage_jobs.hpp"

namespace parley::relay {

// The driver's clocks, read once per input.
struct Now {
  TimeMs wall_ms = 0;                               // stored with messages, invite expiry
  std::chrono::steady_clock::time_point steady{};  // rate limits and the authentication deadline
};

// Another device's connection, wherever it is, should be told that its prekeys run low.
struct PreKeysLowNotice {
  Address device;
  std::uint32_t remaining = 0;
};

struct Actions {
  // Frames for this connection, in order (a fatal Failure is the last).
  std::vector<Bytes> frames;
  // Storage work to run; each result goes back through RelayCore::done().
  std::vector<StorageJob> jobs;
  // Set once: this connection now speaks for `authenticated` (it replaces an older connection
  // of the same device). `how`: "registered" or "authenticated", for the log.
  std::optional<Address> authenticated;
  const char* how = "";
  // Mailboxes that received mail: wake the connections that hold them.
  std::vector<Address> wake;
  std::vector<PreKeysLowNotice> prekeys_low;
  // Log lines (never payloads, keys or full addresses).
  std::vector<std::string> notes;
  // The connection must close after `frames` (WebSocket policy_error, this error as reason).
  std::optional<Error> fatal;

  bool empty() const {
    return frames.empty() && jobs.empty() && !authenticated && wake.empty() && prekeys_low.empty() &&
           notes.empty() && !fatal;
  }
};

}  // namespace parley::relay
