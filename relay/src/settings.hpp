// SPDX-License-Identifier: GPL-3.0-or-later
// The one table of relay settings. Every field of RelayConfig is reachable through it from a
// TOML file (--config), a PARLEY_RELAY_<KEY> environment variable and a command-line flag, in
// that order of precedence (the flag wins); docs/operations.md's reference is printed from
// it (--print-settings-reference) and a test checks the two agree.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "parley/error.hpp"

namespace parley::relay {

struct Setting {
  std::string_view key;    // TOML key; the environment variable is PARLEY_RELAY_ + KEY in capitals
  std::string_view flags;  // CLI11 names, e.g. "--max-frame,--max-frame-bytes"
  std::string_view help;
  bool boolean = false;    // a command-line switch without a value
  bool secret = false;     // shown as <redacted>
  bool required = false;   // no usable default
  // From text (a flag, a variable, or a TOML value rendered as text). Errc::invalid_argument
  // naming the setting, what it accepts and what it got.
  std::function<Status(RelayConfig&, std::string_view)> parse;
  std::function<std::string(const RelayConfig&)> show;
};

const std::vector<Setting>& settings();

std::string env_name(const Setting& setting);

// Applies a TOML file. Unknown keys, wrong types and bad values are errors naming the file,
// the key and (for syntax errors) the line.
// Each applies what it finds and appends the keys it set to `set_keys`.
Status apply_toml_file(RelayConfig& config, const std::string& path, std::vector<std::string>& set_keys);
// Applies every PARLEY_RELAY_* variable of the environment; unknown ones are errors.
Status apply_environment(RelayConfig& config, char** environment, std::vector<std::string>& set_keys);
// Cross-setting checks: the required ones are set, TLS has both files, plain ws:// only on a
// loopback address unless insecure_plain.
Status validate(const RelayConfig& config, const std::vector<std::string>& set_keys);

// "key = value" per setting, secrets redacted.
std::vector<std::string> describe(const RelayConfig& config);
// The Markdown table of docs/operations.md: key, flag, variable, default, meaning.
std::string settings_reference();

}  // namespace parley::relay
