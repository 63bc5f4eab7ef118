// SPDX-License-Identifier: GPL-3.0-or-later
// parley_client_bench [MESSAGES] [STORE_DIR] [VARIANT]: the path an application takes, end to
// end: parley::Client (its network thread, the engine, the SQLCipher store in STORE_DIR) over
// WebSocket to a real parley-relay process (durable, fsync'd). A supervisor and a reader go
// offline; the poster posts MESSAGES of 1 KiB on a channel and waits for every MessageSent
// (the relay holds them); then the reader comes online and drains them. CPU is this process's
// (all client threads; the relay's is not included), wall is the whole phase.
//
// Prints "R client_post|client_receive <size>/<variant> cpu_us wall_us n note" like parley_sdk_bench.
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <tuple>

#include "parley/client.hpp"
#include "support/relay_process.hpp"

using namespace parley;
namespace fs = std::filesystem;

namespace {

double process_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Device {
  std::unique_ptr<Client> client;
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t connected = 0, sent = 0, received = 0, joined = 0, failures = 0;

  Device(const fs::path& dir, const Address& address, std::uint16_t port) {
    ClientOptions options;
    options.address = address;
    options.store_path = (dir / (address.to_string() + ".db")).string();
    std::array<std::uint8_t, 32> key{};
    key[0] = static_cast<std::uint8_t>(address.user.size());
    options.store_key = StoreKey::raw(key);
    options.relay_port = port;
    options.reconnect_initial = std::chrono::milliseconds(50);
    options.initial_prekeys = 20;
    auto opened = Client::open(std::move(options));
    if (!opened) throw std::runtime_error(opened.error().to_string());
    client = std::move(*opened);
    client->set_event_handler([this](const Event& e) {
      std::lock_guard lock(mutex);
      if (std::holds_alternative<Connected>(e)) ++connected;
      else if (std::holds_alternative<MessageSent>(e)) ++sent;
      else if (std::holds_alternative<ChannelMessageReceived>(e)) ++received;
      else if (auto* c = std::get_if<CharterChanged>(&e); c && c->joined) ++joined;
      else if (std::holds_alternative<SendFailed>(e) || std::holds_alternative<DecryptFailed>(e)) ++failures;
      changed.notify_all();
    });
  }
  template <class Pred>
  bool wait(Pred done, double seconds) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done(*this); });
  }
  void start() {
    if (!client->start()) throw std::runtime_error("client start failed");
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000;
  const fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "parley-client-bench";
  const std::string variant = argc > 3 ? argv[3] : "disk";
  try {
    fs::remove_all(dir);
    fs::create_directories(dir);
    test::RelayProcess relay((dir / "relay").string());
    relay.log_to((dir / "relay.log").string());
    relay.start();
    auto us = std::make_unique<Device>(dir, Address{"us_sup", 1}, relay.port());
    auto il = std::make_unique<Device>(dir, Address{"il_officer", 1}, relay.port());
    auto sy = std::make_unique<Device>(dir, Address{"sy_officer", 1}, relay.port());
    for (Device* d : {us.get(), il.get(), sy.get()}) {
      d->start();
      if (!d->wait([](Device& x) { return x.connected >= 1; }, 15)) throw std::runtime_error("not connected");
    }
    CellTemplate tmpl;
    for (auto [device, address, party] : {std::tuple{il.get(), Address{"il_officer", 1}, "IL"},
                                          std::tuple{sy.get(), Address{"sy_officer", 1}, "SY"}}) {
      CellMember m;
      m.device = address;
      m.party = party;
      m.identity_key = *device->client->identity_key();
      tmpl.members.push_back(std::move(m));
      // Out of band, the member is told the supervisor's join anchor (docs/protocol.md "Joining").
      if (!device->client->add_join_anchor(*us->client->supervisor_anchor()))
        throw std::runtime_error("add_join_anchor failed");
    }
    auto cell = us->client->create_cell(tmpl);
    if (!cell) throw std::runtime_error(cell.error().to_string());
    for (Device* d : {il.get(), sy.get()})
      if (!d->wait([](Device& x) { return x.joined >= 1; }, 15)) throw std::runtime_error("member did not join");
    // Warm-up post with everyone online: the key distributions are done before measuring.
    if (!il->client->post(*cell, "intel", "warm-up")) throw std::runtime_error("warm-up post failed");
    if (!sy->wait([](Device& x) { return x.received >= 1; }, 15)) throw std::runtime_error("warm-up not received");
    us->client->stop();
    sy->client->stop();

    const std::string text(1024, 'a');
    const std::size_t sent0 = il->sent;
    double c0 = process_cpu_s(), w0 = now_s();
    for (std::size_t i = 0; i < n; ++i)
      if (auto id = il->client->post(*cell, "intel", text); !id) throw std::runtime_error(id.error().to_string());
    if (!il->wait([&](Device& x) { return x.sent >= sent0 + n; }, 600)) throw std::runtime_error("posts not all sent");
    double cpu = process_cpu_s() - c0, wall = now_s() - w0;
    std::printf("R\tclient_post\t1024/%s\t%.2f\t%.2f\t%zu\tClient::post() until MessageSent from the real relay; %.0f posts/s\n",
                variant.c_str(), cpu * 1e6 / n, wall * 1e6 / n, n, n / wall);
    std::fflush(stdout);

    // The reader's Client reopens its store and drains the backlog.
    c0 = process_cpu_s();
    w0 = now_s();
    sy->start();
    if (!sy->wait([&](Device& x) { return x.received >= n + 1; }, 900)) throw std::runtime_error("backlog not drained");
    cpu = process_cpu_s() - c0;
    wall = now_s() - w0;
    std::printf("R\tclient_receive\t1024/%s\t%.2f\t%.2f\t%zu\tClient start to the last message of a %zu backlog; %.0f msgs/s\n",
                variant.c_str(), cpu * 1e6 / n, wall * 1e6 / n, n, n, n / wall);
    std::fflush(stdout);
    for (Device* d : {us.get(), il.get(), sy.get()}) d->client->stop();
    relay.stop();
    us.reset();
    il.reset();
    sy.reset();
    fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley_client_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
