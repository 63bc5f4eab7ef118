// SPDX-License-Identifier: GPL-3.0-or-later
// `parley-relay admin ...`: operator commands that work on the relay's database directly, so
// they work whether the relay is running or not (SQLite's locking orders them with the relay's
// own transactions). Results go to stdout, errors to stderr; the exit code is 0, 1 (the
// command failed: unknown device, no such invite) or 2 (bad arguments, unreadable database).
#pragma once

#include <cstdint>
#include <string>

#include "config.hpp"

namespace parley::relay {

struct AdminCommand {
  enum class Kind { mint_invite, revoke_invite, remove_device, purge_mailbox, stats, backup } kind = Kind::stats;
  std::uint32_t uses = 1;             // mint_invite
  std::uint32_t expires_in_hours = 72;
  std::string token;                  // revoke_invite
  std::string address;                // remove_device, purge_mailbox: USER.DEVICE
  std::string destination;            // backup: a new file
};

// `config` must name data_dir (and the database key if it is encrypted).
int run_admin(const RelayConfig& config, const AdminCommand& command);

}  // namespace parley::relay
