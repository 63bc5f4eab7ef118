// SPDX-License-Identifier: GPL-3.0-or-later
// The relay process: storage worker, I/O threads, listener, signal handling.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config.hpp"
#include "parley/error.hpp"

namespace parley::relay {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "HOST:PORT", "[V6]:PORT". Port 0 asks the kernel for a free port.
Result<HostPort> parse_host_port(std::string_view text);

// Runs until SIGINT/SIGTERM. After binding, prints exactly one line
// "parley-relay listening on HOST:PORT" (the real port) to stdout and flushes it.
// Returns the process exit code: 0 after a clean shutdown, 1 if startup failed.
int run_relay(RelayConfig config);

}  // namespace parley::relay
