// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/address.hpp"
#include "invites.hpp"
#include "sqlite_storage.hpp"
#include "storage_factory.hpp"

namespace parley::relay {

namespace {

TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int failed(const std::string& message, int code) {
  std::fprintf(stderr, "parley-relay admin: %s\n", message.c_str());
  return code;
}

Result<Address> parse_address(const std::string& text) {
  const auto dot = text.rfind('.');
  std::uint32_t device = 0;
  if (dot == std::string::npos || dot == 0) return make_error(Errc::invalid_argument, "address must be USER.DEVICE");
  const char* first = text.data() + dot + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, device);
  if (ec != std::errc{} || end != last || first == last)
    return make_error(Errc::invalid_argument, "address must be USER.DEVICE, got '" + text + "'");
  Address address{text.substr(0, dot), device};
  PARLEY_TRY(validate_address(address));
  return address;
}

}  // namespace

int run_admin(const RelayConfig& config, const AdminCommand& command) {
  if (config.storage == "sqlite") {
    if (config.data_dir.empty())
      return failed("give the relay's data folder (--data, data_dir or PARLEY_RELAY_DATA_DIR)", 2);
    // Only minting may create the database (an operator may mint before the first start); the
    // other commands on a mistyped folder must not leave an empty database behind.
    if (command.kind != AdminCommand::Kind::mint_invite &&
        !std::filesystem::exists(std::filesystem::path(config.data_dir) / SqliteStorage::kFileName))
      return failed("no relay database in " + config.data_dir, 2);
  } else if (command.kind == AdminCommand::Kind::backup) {
    return failed("backup copies the embedded SQLite database; back PostgreSQL up with its own tools (pg_dump, "
                  "base backups): see docs/operations.md",
                  2);
  }
  auto opened = open_storage(config);
  if (!opened) return failed("cannot open the relay database: " + opened.error().to_string(), 2);
  Storage& storage = **opened;
  const TimeMs now = now_ms();

  switch (command.kind) {
    case AdminCommand::Kind::mint_invite: {
      auto token = new_invite_token();
      if (!token) return failed(token.error().to_string(), 1);
      const TimeMs expires = now + TimeMs{command.expires_in_hours} * 3600 * 1000;
      if (auto minted = storage.mint_invite(invite_token_hash(*token), command.uses, expires, now); !minted)
        return failed(minted.error().to_string(), 1);
      // The only place the token ever appears: the relay keeps its hash.
      std::printf("%s\n", token->c_str());
      std::fprintf(stderr, "invite for %u registration(s), valid %u h\n", command.uses, command.expires_in_hours);
      return 0;
    }
    case AdminCommand::Kind::revoke_invite: {
      auto revoked = storage.revoke_invite(invite_token_hash(command.token));
      if (!revoked) return failed(revoked.error().to_string(), 1);
      if (!*revoked) return failed("no such invite token", 1);
      std::printf("revoked\n");
      return 0;
    }
    case AdminCommand::Kind::remove_device:
    case AdminCommand::Kind::purge_mailbox: {
      auto address = parse_address(command.address);
      if (!address) return failed(address.error().message, 2);
      if (command.kind == AdminCommand::Kind::purge_mailbox) {
        auto purged = storage.purge_mailbox(*address);
        if (!purged) return failed(purged.error().to_string(), 1);
        std::printf("purged %u queued message(s)\n", *purged);
        return 0;
      }
      auto removed = storage.remove_device(*address);
      if (!removed) return failed(removed.error().to_string(), 1);
      if (!*removed) return failed("no such device: " + command.address, 1);
      std::printf("removed %s\n", command.address.c_str());
      return 0;
    }
    case AdminCommand::Kind::backup: {
      auto pages = static_cast<SqliteStorage&>(storage).backup_to(command.destination, config.store_key);
      if (!pages) return failed("backup failed: " + pages.error().to_string(), pages.error().code == Errc::invalid_argument ? 2 : 1);
      std::printf("backed up %llu pages to %s (integrity ok)\n", static_cast<unsigned long long>(*pages),
                  command.destination.c_str());
      return 0;
    }
    case AdminCommand::Kind::stats: {
      auto stats = storage.stats(now);
      if (!stats) return failed(stats.error().to_string(), 1);
      std::printf("devices %llu\nmessages %llu\nqueued_deliveries %llu\nactive_invites %llu\n",
                  static_cast<unsigned long long>(stats->devices), static_cast<unsigned long long>(stats->messages),
                  static_cast<unsigned long long>(stats->mailbox_rows),
                  static_cast<unsigned long long>(stats->active_invites));
      return 0;
    }
  }
  return 2;
}

}  // namespace parley::relay
