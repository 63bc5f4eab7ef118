// SPDX-License-Identifier: GPL-3.0-or-later
#include "settings.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <boost/asio/ip/address.hpp>
#include <toml++/toml.h>

#include "server.hpp"

namespace parley::relay {

namespace {

Error bad(std::string_view key, std::string_view expected, std::string_view got) {
  return {Errc::invalid_argument,
          "setting " + std::string(key) + " must be " + std::string(expected) + ", got '" + std::string(got) + "'"};
}

Result<std::uint64_t> parse_uint(std::string_view key, std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    return bad(key, "an integer in " + std::to_string(min) + ".." + std::to_string(max), text);
  return value;
}

Result<bool> parse_bool(std::string_view key, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return bad(key, "true or false", text);
}

Setting named(std::string_view key, std::string_view flags, std::string_view help) {
  Setting s;
  s.key = key;
  s.flags = flags;
  s.help = help;
  return s;
}

// An unsigned integer field within [min, max].
template <class T>
Setting number(std::string_view key, std::string_view flags, T RelayConfig::*field, std::uint64_t min,
               std::uint64_t max, std::string_view help) {
  Setting s = named(key, flags, help);
  s.parse = [key, field, min, max](RelayConfig& config, std::string_view text) -> Status {
    auto value = parse_uint(key, text, min, max);
    if (!value) return value.error();
    config.*field = static_cast<T>(*value);
    return {};
  };
  s.show = [field](const RelayConfig& config) { return std::to_string(config.*field); };
  return s;
}

// A std::chrono duration field, written as a whole count of its unit.
template <class D>
Setting duration(std::string_view key, std::string_view flags, D RelayConfig::*field, std::uint64_t min,
                 std::uint64_t max, std::string_view help) {
  Setting s = named(key, flags, help);
  s.parse = [key, field, min, max](RelayConfig& config, std::string_view text) -> Status {
    auto value = parse_uint(key, text, min, max);
    if (!value) return value.error();
    config.*field = D(static_cast<typename D::rep>(*value));
    return {};
  };
  s.show = [field](const RelayConfig& config) { return std::to_string((config.*field).count()); };
  return s;
}

// The two numbers of one token bucket: KEY_burst and KEY_per_min.
void rate(std::vector<Setting>& all, std::string_view burst_key, std::string_view burst_flag,
          std::string_view per_min_key, std::string_view per_min_flag, RateLimit RelayConfig::*field,
          std::string_view burst_help) {
  Setting burst = named(burst_key, burst_flag, burst_help);
  burst.parse = [burst_key, field](RelayConfig& config, std::string_view text) -> Status {
    auto value = parse_uint(burst_key, text, 0, 100000000);
    if (!value) return value.error();
    (config.*field).burst = static_cast<std::uint32_t>(*value);
    return {};
  };
  burst.show = [field](const RelayConfig& config) { return std::to_string((config.*field).burst); };
  Setting per_min = named(per_min_key, per_min_flag, "... and tokens added to that bucket per minute");
  per_min.parse = [per_min_key, field](RelayConfig& config, std::string_view text) -> Status {
    auto value = parse_uint(per_min_key, text, 1, 100000000);
    if (!value) return value.error();
    (config.*field).per_min = static_cast<std::uint32_t>(*value);
    return {};
  };
  per_min.show = [field](const RelayConfig& config) { return std::to_string((config.*field).per_min); };
  all.push_back(burst);
  all.push_back(per_min);
}

Setting text(std::string_view key, std::string_view flags, std::string RelayConfig::*field, std::string_view help) {
  Setting s = named(key, flags, help);
  s.parse = [field](RelayConfig& config, std::string_view value) -> Status {
    config.*field = std::string(value);
    return {};
  };
  s.show = [field](const RelayConfig& config) { return config.*field; };
  return s;
}

Setting boolean(std::string_view key, std::string_view flags, bool RelayConfig::*field, std::string_view help) {
  Setting s = named(key, flags, help);
  s.boolean = true;
  s.parse = [key, field](RelayConfig& config, std::string_view value) -> Status {
    auto parsed = parse_bool(key, value);
    if (!parsed) return parsed.error();
    config.*field = *parsed;
    return {};
  };
  s.show = [field](const RelayConfig& config) { return std::string(config.*field ? "true" : "false"); };
  return s;
}

void wipe(void* data, std::size_t size) {
  volatile auto* p = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) p[i] = 0;
}

// The key file holds exactly 32 raw bytes (e.g. `head -c 32 /dev/urandom > key`).
Status read_key_file(RelayConfig& config, std::string_view path_text) {
  const std::string path(path_text);
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::invalid_argument, "cannot read the database key file " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::array<std::uint8_t, 32> key{};
  const bool ok = bytes.size() == key.size();
  if (ok) std::copy(bytes.begin(), bytes.end(), key.begin());
  wipe(bytes.data(), bytes.size());
  if (!ok)
    return make_error(Errc::invalid_argument, "the database key file " + path + " must hold exactly 32 bytes, it holds " +
                                                  std::to_string(bytes.size()));
  config.store_key = StoreKey::raw(key);
  config.db_key_file = path;
  wipe(key.data(), key.size());
  return {};
}

std::vector<Setting> make_settings() {
  using C = RelayConfig;
  std::vector<Setting> all;
  Setting listen = named("listen", "--listen", "HOST:PORT to listen on ([V6]:PORT; port 0: any free port)");
  listen.required = true;
  listen.parse = [](C& config, std::string_view value) -> Status {
    auto endpoint = parse_host_port(value);
    if (!endpoint) return bad("listen", "HOST:PORT", value);
    config.listen_host = endpoint->host;
    config.listen_port = endpoint->port;
    return {};
  };
  listen.show = [](const C& config) {
    const bool v6 = config.listen_host.find(':') != std::string::npos;
    return (v6 ? "[" + config.listen_host + "]" : config.listen_host) + ":" + std::to_string(config.listen_port);
  };
  all.push_back(listen);
  Setting backend = named("storage", "--storage",
                           "sqlite: one embedded database in data_dir; postgres: the database at postgres_url, "
                           "shared by several relays");
  backend.parse = [](C& config, std::string_view value) -> Status {
    if (value != "sqlite" && value != "postgres") return bad("storage", "sqlite or postgres", value);
    config.storage = std::string(value);
    return {};
  };
  backend.show = [](const C& config) { return config.storage; };
  all.push_back(backend);
  all.push_back(text("data_dir", "--data,--data-dir", &C::data_dir,
                     "directory of the relay database (relay.db); required with storage = sqlite"));
  Setting url = text("postgres_url", "--postgres-url", &C::postgres_url,
                     "libpq connection string or URL; required with storage = postgres");
  url.secret = true;  // it may carry a password
  all.push_back(url);
  all.push_back(duration("postgres_poll_ms", "--postgres-poll-ms", &C::postgres_poll, 10, 3600 * 1000,
                         "with postgres: how often a relay looks for mail other relays stored for its devices "
                         "(NOTIFY wakes it sooner), milliseconds"));
  all.push_back(boolean("postgres_notify", "--postgres-notify", &C::postgres_notify,
                        "with postgres: wake the relay holding the recipient with LISTEN/NOTIFY; false for "
                        "databases without it (delivery then waits for the poll)"));
  Setting key_file = named("db_key_file", "--db-key-file", "file of 32 raw bytes: the database is encrypted at rest with it");
  key_file.parse = read_key_file;
  key_file.show = [](const C& config) { return config.db_key_file; };
  all.push_back(key_file);
  Setting key = named("db_key", "--db-key", "the database key as 64 hex digits (instead of db_key_file)");
  key.secret = true;
  key.parse = [](C& config, std::string_view value) -> Status {
    std::array<std::uint8_t, 32> raw{};
    if (value.size() != 64) return make_error(Errc::invalid_argument, "setting db_key must be 64 hex digits");
    for (std::size_t i = 0; i < raw.size(); ++i) {
      unsigned byte = 0;
      const auto [end, ec] = std::from_chars(value.data() + 2 * i, value.data() + 2 * i + 2, byte, 16);
      if (ec != std::errc{} || end != value.data() + 2 * i + 2)
        return make_error(Errc::invalid_argument, "setting db_key must be 64 hex digits");
      raw[i] = static_cast<std::uint8_t>(byte);
    }
    config.store_key = StoreKey::raw(raw);
    wipe(raw.data(), raw.size());
    return {};
  };
  key.show = [](const C& config) {
    return std::string(config.store_key.kind() == StoreKey::Kind::none ? "" : "<redacted>");
  };
  all.push_back(key);
  all.push_back(number("io_threads", "--threads,--io-threads", &C::io_threads, 1, 256, "I/O threads"));
  all.push_back(text("tls_cert_file", "--tls-cert", &C::tls_cert_file,
                     "PEM certificate chain: serve wss:// and https:// (SIGHUP reloads it)"));
  all.push_back(text("tls_key_file", "--tls-key", &C::tls_key_file, "PEM private key of tls_cert_file"));
  all.push_back(boolean("insecure_plain", "--insecure-plain", &C::insecure_plain,
                        "allow plain ws:// on a non-loopback address (only behind a TLS-terminating proxy)"));
  all.push_back(text("static_dir", "--static,--static-dir", &C::static_dir,
                     "serve the files under DIR over HTTP GET (the browser client)"));
  all.push_back(number("max_frame_bytes", "--max-frame,--max-frame-bytes", &C::max_frame_bytes, 4096,
                       std::uint64_t{256} << 20, "largest WebSocket message accepted, in bytes"));
  all.push_back(duration("http_read_timeout_s", "--http-read-timeout-s", &C::http_read_timeout, 1, 3600,
                         "deadline for the TLS handshake and each HTTP request, seconds"));
  all.push_back(duration("close_timeout_s", "--close-timeout-s", &C::close_timeout, 1, 600,
                         "time a closing connection gets to finish the close handshake, seconds"));
  all.push_back(duration("ws_idle_timeout_s", "--ws-idle-timeout-s", &C::ws_idle_timeout, 2, 24 * 3600,
                         "a WebSocket that sends nothing (no pong to the ping sent at half-time) this long is "
                         "closed, seconds"));
  all.push_back(duration("drain_timeout_s", "--drain-timeout-s", &C::drain_timeout, 1, 3600,
                         "on SIGTERM/SIGINT: time for in-flight storage commits, their answers and the close "
                         "handshakes (1001 going away) before the relay exits anyway, seconds"));
  Setting registration = named("registration", "--registration",
                                "invite: registering needs a token from `admin mint-invite`; open: anyone may register");
  registration.parse = [](C& config, std::string_view value) -> Status {
    if (value != "invite" && value != "open") return bad("registration", "invite or open", value);
    config.registration = std::string(value);
    return {};
  };
  registration.show = [](const C& config) { return config.registration; };
  all.push_back(registration);
  all.push_back(duration("auth_timeout_s", "--auth-timeout-s", &C::auth_timeout, 1, 3600,
                         "a WebSocket connection not authenticated this long after the upgrade is closed, seconds"));
  all.push_back(number("max_connections", "--max-connections", &C::max_connections, 1, 1000000,
                       "open connections in total; more are closed at once"));
  all.push_back(number("max_connections_per_ip", "--max-connections-per-ip", &C::max_connections_per_ip, 1, 1000000,
                       "open connections from one IP address; more are closed at once"));
  all.push_back(number("max_recipients", "--max-recipients", &C::max_recipients, 1, 1000000, "recipients per Send"));
  all.push_back(number("max_mailbox", "--max-mailbox", &C::max_mailbox, 1, 100000000, "queued messages per device"));
  all.push_back(number("max_prekeys_per_upload", "--max-prekeys-per-upload", &C::max_prekeys_per_upload, 1, 100000,
                       "one-time prekeys in one upload"));
  all.push_back(number("max_stored_prekeys", "--max-stored-prekeys", &C::max_stored_prekeys, 1, 1000000,
                       "one-time prekeys kept per device"));
  all.push_back(number("prekeys_low_threshold", "--prekeys-low-threshold", &C::prekeys_low_threshold, 0, 1000000,
                       "PreKeysLow is sent below this many one-time prekeys"));
  all.push_back(number("delivery_window", "--delivery-window", &C::delivery_window, 1, 100000,
                       "un-acknowledged Deliver frames per connection"));
  all.push_back(number("delivery_window_bytes", "--delivery-window-bytes", &C::delivery_window_bytes, 1,
                       std::uint64_t{1} << 32, "... and their payload bytes (one frame always fits)"));
  all.push_back(duration("dedup_window_h", "--dedup-window-h", &C::dedup_window, 1, 24 * 365,
                         "how long a Send's message id is remembered for idempotency, hours"));
  all.push_back(duration("message_ttl_s", "--message-ttl-s", &C::message_ttl, 1, std::uint64_t{10} * 365 * 24 * 3600,
                         "queued messages older than this are deleted unread, seconds (30 days)"));
  all.push_back(duration("prune_interval_s", "--prune-interval-s", &C::prune_interval, 1, 24 * 3600,
                         "how often expired messages and old dedup entries are pruned, seconds"));
  rate(all, "rate_send_device_burst", "--rate-send-device-burst", "rate_send_device_per_min",
       "--rate-send-device-per-min", &C::rate_send_device, "Sends per device at once (token bucket size; 0: no limit), error rate_limited");
  rate(all, "rate_send_ip_burst", "--rate-send-ip-burst", "rate_send_ip_per_min", "--rate-send-ip-per-min",
       &C::rate_send_ip, "Sends per peer IP address at once (0: no limit)");
  rate(all, "rate_fetch_pair_burst", "--rate-fetch-pair-burst", "rate_fetch_pair_per_min",
       "--rate-fetch-pair-per-min", &C::rate_fetch_pair,
       "bundle fetches per requester->target pair at once, against one-time-prekey draining (0: no limit)");
  rate(all, "rate_fetch_ip_burst", "--rate-fetch-ip-burst", "rate_fetch_ip_per_min", "--rate-fetch-ip-per-min",
       &C::rate_fetch_ip, "bundle fetches per peer IP address at once (0: no limit)");
  rate(all, "rate_upload_device_burst", "--rate-upload-device-burst", "rate_upload_device_per_min",
       "--rate-upload-device-per-min", &C::rate_upload_device, "prekey uploads per device at once (0: no limit)");
  rate(all, "rate_upload_ip_burst", "--rate-upload-ip-burst", "rate_upload_ip_per_min", "--rate-upload-ip-per-min",
       &C::rate_upload_ip, "prekey uploads per peer IP address at once (0: no limit)");
  rate(all, "rate_control_frames_burst", "--rate-control-frames-burst", "rate_control_frames_per_min",
       "--rate-control-frames-per-min", &C::rate_control_frames,
       "pings and pongs per connection at once (0: no limit); over it the connection is closed "
       "(Failure rate_limited, close code 1008)");
  rate(all, "rate_tiny_fragments_burst", "--rate-tiny-fragments-burst", "rate_tiny_fragments_per_min",
       "--rate-tiny-fragments-per-min", &C::rate_tiny_fragments,
       "fragments per connection at once that leave their message unfinished with under 256 bytes (empty "
       "ones too; 0: no limit); over it the connection is closed (rate_limited, 1008)");
  all.push_back(number("max_storage_bytes", "--max-storage-bytes", &C::max_storage_bytes, 0,
                       std::uint64_t{1} << 50,
                       "quota of live database pages, bytes: over it Sends get storage_full; 0: none (a full disk "
                       "still gives storage_full)"));
  all.push_back(number("write_queue_frames", "--write-queue-frames", &C::write_queue_frames, 16, 1000000,
                       "queued outgoing frames per connection before a non-reading client is closed"));
  all.push_back(number("write_queue_bytes", "--write-queue-bytes", &C::write_queue_bytes, 1 << 16,
                       std::uint64_t{1} << 32, "... and their bytes (raised to fit a delivery window)"));
  all.push_back(number("max_pending_jobs", "--max-pending-jobs", &C::max_pending_jobs, 1, 100000,
                       "storage jobs in flight per connection before its reads pause"));
  return all;
}

// A TOML value as the text a flag would carry.
Result<std::string> toml_text(std::string_view key, const toml::node& node) {
  if (auto v = node.as_string()) return std::string(v->get());
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_boolean()) return std::string(v->get() ? "true" : "false");
  return bad(key, "a string, an integer or a boolean", "another TOML type");
}

const Setting* find(std::string_view key) {
  for (const auto& s : settings())
    if (s.key == key) return &s;
  return nullptr;
}

}  // namespace

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = make_settings();
  return all;
}

std::string env_name(const Setting& setting) {
  std::string name = "PARLEY_RELAY_";
  for (char c : setting.key) name.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  return name;
}

Status apply_toml_file(RelayConfig& config, const std::string& path, std::vector<std::string>& set_keys) {
  toml::table parsed;
  try {
    parsed = toml::parse_file(path);  // Debian's toml++ is built with exceptions
  } catch (const toml::parse_error& error) {
    return make_error(Errc::invalid_argument, "config " + path + " line " + std::to_string(error.source().begin.line) +
                                                  ": " + std::string(error.description()));
  }
  for (const auto& [key, node] : parsed) {
    const Setting* setting = find(key.str());
    if (!setting)
      return make_error(Errc::invalid_argument, "config " + path + ": unknown setting '" + std::string(key.str()) + "'");
    auto value = toml_text(setting->key, node);
    if (!value) return make_error(Errc::invalid_argument, "config " + path + ": " + value.error().message);
    if (auto applied = setting->parse(config, *value); !applied)
      return make_error(Errc::invalid_argument, "config " + path + ": " + applied.error().message);
    set_keys.emplace_back(setting->key);
  }
  return {};
}

Status apply_environment(RelayConfig& config, char** environment, std::vector<std::string>& set_keys) {
  constexpr std::string_view kPrefix = "PARLEY_RELAY_";
  for (char** entry = environment; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (text.compare(0, kPrefix.size(), kPrefix) != 0 || equals == std::string_view::npos) continue;
    const std::string_view name = text.substr(0, equals);
    const Setting* match = nullptr;
    for (const auto& s : settings())
      if (env_name(s) == name) match = &s;
    if (!match) return make_error(Errc::invalid_argument, "unknown environment variable " + std::string(name));
    if (auto applied = match->parse(config, text.substr(equals + 1)); !applied)
      return make_error(Errc::invalid_argument, std::string(name) + ": " + applied.error().message);
    set_keys.emplace_back(match->key);
  }
  return {};
}

Status validate(const RelayConfig& config, const std::vector<std::string>& set_keys) {
  const std::set<std::string> given(set_keys.begin(), set_keys.end());
  for (const auto& s : settings())
    if (s.required && !given.count(std::string(s.key)))
      return make_error(Errc::invalid_argument, "setting " + std::string(s.key) + " is required (" +
                                                    std::string(s.flags.substr(0, s.flags.find(','))) + ", " +
                                                    env_name(s) + " or the config file)");
  if (config.storage == "sqlite" && config.data_dir.empty())
    return make_error(Errc::invalid_argument,
                      "setting data_dir is required (--data, PARLEY_RELAY_DATA_DIR or the config file)");
  if (config.storage == "postgres" && config.postgres_url.empty())
    return make_error(Errc::invalid_argument, "storage = postgres needs postgres_url (--postgres-url, "
                                              "PARLEY_RELAY_POSTGRES_URL or the config file)");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty())
    return make_error(Errc::invalid_argument, "TLS needs both a certificate (tls_cert_file) and a key (tls_key_file)");
  if (given.count("db_key") && given.count("db_key_file"))
    return make_error(Errc::invalid_argument, "give db_key or db_key_file, not both");
  // Host names are checked again once resolved (run_relay).
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(config.listen_host, ec);
  if (config.tls_cert_file.empty() && !config.insecure_plain && !ec && !address.is_loopback())
    return make_error(Errc::invalid_argument, "refusing plain ws:// on " + config.listen_host +
                                                  ": give tls_cert_file and tls_key_file, bind to a loopback "
                                                  "address, or set insecure_plain");
  return {};
}

std::vector<std::string> describe(const RelayConfig& config) {
  std::vector<std::string> lines;
  for (const auto& s : settings()) {
    std::string value = s.show(config);
    if (s.secret && !value.empty()) value = "<redacted>";
    lines.push_back(std::string(s.key) + " = " + value);
  }
  return lines;
}

std::string settings_reference() {
  const RelayConfig defaults;
  std::string out = "| setting | flag | environment | default | meaning |\n|---|---|---|---|---|\n";
  for (const auto& s : settings()) {
    std::string flags(s.flags);
    std::string shown;
    for (std::size_t start = 0; start < flags.size();) {
      const auto comma = flags.find(',', start);
      if (!shown.empty()) shown += " ";
      shown += "`" + flags.substr(start, comma - start) + "`";
      start = comma == std::string::npos ? flags.size() : comma + 1;
    }
    std::string value = s.required ? "(required)" : s.show(defaults);
    if (value.empty()) value = "(none)";
    out += "| `" + std::string(s.key) + "` | " + shown + " | `" + env_name(s) + "` | " + value + " | " +
           std::string(s.help) + " |\n";
  }
  return out;
}

}  // namespace parley::relay
