// SPDX-License-Identifier: GPL-3.0-or-later
// parley-relay: the thin Parley server. It stores device public keys and opaque payloads
// and forwards them; it never sees plaintext.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "config.hpp"
#include "server.hpp"

namespace {

// The key file holds exactly 32 raw bytes (e.g. `head -c 32 /dev/urandom > key`).
bool read_key_file(const std::string& path, std::array<std::uint8_t, 32>& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "parley-relay: cannot read key file %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool ok = bytes.size() == key.size();
  if (ok) std::copy(bytes.begin(), bytes.end(), key.begin());
  volatile char* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
  if (!ok)
    std::fprintf(stderr, "parley-relay: key file %s must hold exactly 32 bytes, it holds %zu\n", path.c_str(),
                 bytes.size());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  parley::relay::RelayConfig config;
  std::string listen;
  std::string key_file;

  CLI::App app{"parley-relay: device registration, prekey directory and mailboxes of opaque payloads"};
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")->required();
  app.add_option("--data", config.data_dir, "directory of the relay database (relay.db)")->required();
  app.add_option("--max-frame", config.max_frame_bytes, "largest WebSocket message accepted, in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{4096}, std::size_t{256} << 20));
  app.add_option("--max-recipients", config.max_recipients, "recipients per Send")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--max-mailbox", config.max_mailbox, "queued messages per device")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000000u));
  app.add_option("--threads", config.io_threads, "I/O threads")->capture_default_str()->check(CLI::Range(1u, 256u));
  app.add_option("--db-key-file", key_file, "file with a 32-byte raw key: encrypt the database at rest")
      ->check(CLI::ExistingFile);
  app.add_option("--static", config.static_dir, "serve the files under DIR over HTTP GET (the browser client)")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);

  auto endpoint = parley::relay::parse_host_port(listen);
  if (!endpoint) {
    std::fprintf(stderr, "parley-relay: %s\n", endpoint.error().message.c_str());
    return 2;
  }
  config.listen_host = endpoint->host;
  config.listen_port = endpoint->port;
  if (!key_file.empty()) {
    std::array<std::uint8_t, 32> key{};
    if (!read_key_file(key_file, key)) return 2;
    config.store_key = parley::StoreKey::raw(key);
    volatile std::uint8_t* p = key.data();
    for (std::size_t i = 0; i < key.size(); ++i) p[i] = 0;
  }
  return parley::relay::run_relay(std::move(config));
}
