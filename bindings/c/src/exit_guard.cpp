// SPDX-License-Identifier: GPL-3.0-or-later
// Programs that exit with clients still open. exit() runs static destructors (and OpenSSL's
// cleanup) while each open client's network thread is still running and calling back into
// the application: a crash or an abort at exit. So the library remembers its open clients and,
// from an atexit handler registered after the registry exists (so it runs before the registry
// is destroyed), stops their network threads first. It only stops them: memory is the
// process's to reclaim, and the application may still hold the handles.
#include <cstdlib>
#include <mutex>
#include <set>

#include "abi.hpp"

namespace parley::cabi {
namespace {

struct OpenClients {
  std::mutex mutex;
  std::set<parley_client*> clients;
  bool exiting = false;
};

OpenClients& open_clients() {
  static OpenClients registry;
  return registry;
}

void stop_open_clients() {
  auto& registry = open_clients();
  std::set<parley_client*> clients;
  {
    std::lock_guard lock(registry.mutex);
    registry.exiting = true;
    clients.swap(registry.clients);
  }
  for (parley_client* client : clients) {
    // exit() called from an event callback runs on that client's thread: it cannot join itself.
    if (in_callback_of(client)) continue;
    try {
      client->client->stop();
    } catch (...) {
      // Nothing may escape an atexit handler.
    }
  }
}

}  // namespace

void track_client(parley_client* client) noexcept {
  auto& registry = open_clients();
  static const bool registered = std::atexit(stop_open_clients) == 0;
  (void)registered;
  std::lock_guard lock(registry.mutex);
  if (!registry.exiting) registry.clients.insert(client);
}

void untrack_client(parley_client* client) noexcept {
  auto& registry = open_clients();
  std::lock_guard lock(registry.mutex);
  registry.clients.erase(client);
}

}  // namespace parley::cabi
