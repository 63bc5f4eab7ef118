// SPDX-License-Identifier: GPL-3.0-or-later
// parley-relay: the thin Parley server. It stores device public keys and opaque payloads
// and forwards them; it never sees plaintext.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "admin.hpp"
#include "config.hpp"
#include "server.hpp"
#include "settings.hpp"
#include "tls_context.hpp"

extern char** environ;

namespace {

using parley::relay::RelayConfig;

// Settings from the file, then the environment, then the flags: the most specific wins.
// `serving`: also check what only a running relay needs (listen address, TLS files).
parley::Status load_config(RelayConfig& config, const std::string& config_file,
                           const std::map<std::string, std::string>& flag_values, bool serving) {
  std::vector<std::string> set_keys;
  if (!config_file.empty()) PARLEY_TRY(parley::relay::apply_toml_file(config, config_file, set_keys));
  PARLEY_TRY(parley::relay::apply_environment(config, environ, set_keys));
  for (const auto& setting : parley::relay::settings()) {
    auto it = flag_values.find(std::string(setting.key));
    if (it == flag_values.end()) continue;
    if (auto applied = setting.parse(config, it->second); !applied) return applied;
    set_keys.emplace_back(setting.key);
  }
  if (!serving) return {};
  PARLEY_TRY(parley::relay::validate(config, set_keys));
  if (!config.tls_cert_file.empty()) {
    auto tls = parley::relay::TlsContext::load(config.tls_cert_file, config.tls_key_file);
    if (!tls) return tls.error();
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parley-relay: device registration, prekey directory and mailboxes of opaque payloads"};
  std::string config_file;
  bool check_only = false;
  bool print_reference = false;
  app.add_option("--config", config_file, "TOML file of settings (keys as in docs/operations.md)")
      ->check(CLI::ExistingFile);
  app.add_flag("--check-config", check_only, "validate the configuration, print it (secrets redacted) and exit");
  app.add_flag("--print-settings-reference", print_reference, "print the settings table of docs/operations.md");

  // One flag per setting; values are parsed by the settings table, after the file and the environment.
  std::map<std::string, std::string> flag_text;
  std::map<std::string, bool> flag_switch;
  std::vector<std::pair<std::string, CLI::Option*>> given;
  for (const auto& setting : parley::relay::settings()) {
    const std::string key(setting.key);
    CLI::Option* option = setting.boolean
                              ? app.add_flag(std::string(setting.flags), flag_switch[key], std::string(setting.help))
                              : app.add_option(std::string(setting.flags), flag_text[key], std::string(setting.help));
    given.emplace_back(key, option);
  }

  // parley-relay admin COMMAND [--config FILE] [--data DIR] [--db-key-file FILE]
  parley::relay::AdminCommand admin_command;
  CLI::App* admin = app.add_subcommand("admin", "operator commands on the relay's database (running or not)");
  admin->require_subcommand(1);
  std::string admin_config, admin_data, admin_key_file;
  admin->add_option("--config", admin_config, "TOML file of settings (for data_dir and the database key)");
  admin->add_option("--data", admin_data, "the relay's data folder");
  admin->add_option("--db-key-file", admin_key_file, "the database key file, if the database is encrypted");
  using Kind = parley::relay::AdminCommand::Kind;
  const auto command = [&](const char* name, const char* help, Kind kind) {
    CLI::App* sub = admin->add_subcommand(name, help);
    sub->fallthrough();
    sub->callback([&admin_command, kind] { admin_command.kind = kind; });
    return sub;
  };
  CLI::App* mint = command("mint-invite", "print a new invite token (the relay keeps only its hash)", Kind::mint_invite);
  mint->add_option("--uses", admin_command.uses, "registrations it allows")->capture_default_str()->check(
      CLI::Range(1u, 1000000u));
  mint->add_option("--expires-in-h", admin_command.expires_in_hours, "hours until it expires")
      ->capture_default_str()
      ->check(CLI::Range(1u, 24u * 3650u));
  command("revoke-invite", "forget an invite token", Kind::revoke_invite)
      ->add_option("token", admin_command.token, "the token")
      ->required();
  command("remove-device", "delete a device, its prekeys and its mailbox; its address is free again",
          Kind::remove_device)
      ->add_option("address", admin_command.address, "USER.DEVICE")
      ->required();
  command("purge-mailbox", "delete every message queued for a device", Kind::purge_mailbox)
      ->add_option("address", admin_command.address, "USER.DEVICE")
      ->required();
  command("stats", "counts of devices, messages, queued deliveries and active invites", Kind::stats);
  command("backup", "copy the database, while the relay runs, into a new file (SQLite's online backup)",
          Kind::backup)
      ->add_option("destination", admin_command.destination, "the new file")
      ->required();
  CLI11_PARSE(app, argc, argv);

  if (admin->parsed()) {
    std::map<std::string, std::string> admin_values;
    if (!admin_data.empty()) admin_values["data_dir"] = admin_data;
    if (!admin_key_file.empty()) admin_values["db_key_file"] = admin_key_file;
    RelayConfig config;
    if (auto loaded = load_config(config, admin_config, admin_values, false); !loaded) {
      std::fprintf(stderr, "parley-relay admin: %s\n", loaded.error().message.c_str());
      return 2;
    }
    return parley::relay::run_admin(config, admin_command);
  }

  if (print_reference) {
    std::fputs(parley::relay::settings_reference().c_str(), stdout);
    return 0;
  }
  std::map<std::string, std::string> flag_values;
  for (const auto& [key, option] : given)
    if (option->count() > 0) flag_values[key] = flag_switch.count(key) ? (flag_switch[key] ? "true" : "false") : flag_text[key];

  RelayConfig config;
  if (auto loaded = load_config(config, config_file, flag_values, true); !loaded) {
    std::fprintf(stderr, "parley-relay: %s\n", loaded.error().message.c_str());
    return 2;
  }
  if (check_only) {
    for (const auto& line : parley::relay::describe(config)) std::printf("%s\n", line.c_str());
    std::printf("configuration ok\n");
    return 0;
  }
  return parley::relay::run_relay(std::move(config));
}
