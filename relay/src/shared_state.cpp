// SPDX-License-Identifier: GPL-3.0-or-later
#include "shared_state.hpp"

#include <vector>

#include "websocket_session.hpp"

namespace parley::relay {

SharedState::SharedState(RelayConfig config, StorageWorker& storage, std::shared_ptr<TlsContext> tls)
    : config_(std::move(config)),
      storage_(storage),
      tls_(std::move(tls)),
      limits_(config_.max_connections, config_.max_connections_per_ip),
      rate_limits_(RateLimits::from(config_)) {}

void SharedState::join(std::uint64_t id, const std::shared_ptr<WebsocketSession>& session) {
  std::lock_guard lock(mutex_);
  connections_[id] = session;
}

void SharedState::leave(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
}

std::shared_ptr<WebsocketSession> SharedState::go_online(const Address& address,
                                                         const std::shared_ptr<WebsocketSession>& session) {
  std::lock_guard lock(mutex_);
  Entry& entry = online_[address.to_string()];
  std::shared_ptr<WebsocketSession> previous = entry.session.lock();
  entry.raw = session.get();
  entry.session = session;
  if (previous.get() == session.get()) return nullptr;
  return previous;
}

void SharedState::go_offline(const Address& address, const WebsocketSession* session) {
  std::lock_guard lock(mutex_);
  auto it = online_.find(address.to_string());
  if (it != online_.end() && it->second.raw == session) online_.erase(it);
}

std::shared_ptr<WebsocketSession> SharedState::find_online(const Address& address) {
  std::lock_guard lock(mutex_);
  auto it = online_.find(address.to_string());
  if (it == online_.end()) return nullptr;
  return it->second.session.lock();
}

bool SharedState::wake(const std::string& key) {
  std::shared_ptr<WebsocketSession> session;
  {
    std::lock_guard lock(mutex_);
    auto it = online_.find(key);
    if (it == online_.end()) return false;
    session = it->second.session.lock();
  }
  if (!session) return false;
  session->wake();
  return true;
}

std::size_t SharedState::wake_all() {
  std::vector<std::shared_ptr<WebsocketSession>> online;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, entry] : online_)
      if (auto session = entry.session.lock()) online.push_back(std::move(session));
  }
  for (auto& session : online) session->wake();
  return online.size();
}

std::size_t SharedState::close_all() {
  std::vector<std::shared_ptr<WebsocketSession>> open;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, weak] : connections_)
      if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  for (auto& session : open) session->shutdown();
  return open.size();
}

std::size_t SharedState::connection_count() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& [id, weak] : connections_)
    if (!weak.expired()) ++n;
  return n;
}

}  // namespace parley::relay
