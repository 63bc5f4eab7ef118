// SPDX-License-Identifier: GPL-3.0-or-later
// What every connection of one relay shares: the configuration, the storage worker, and the
// registry of connections (all of them, and the authenticated one per device address).
// Thread-safe; sessions call it from their own strands.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config.hpp"
#include "connection_limits.hpp"
#include "parley/types.hpp"
#include "rate_limits.hpp"
#include "storage_worker.hpp"
#include "tls_context.hpp"

namespace parley::relay {

class WebsocketSession;

class SharedState {
 public:
  // `tls` null: plain connections.
  SharedState(RelayConfig config, StorageWorker& storage, std::shared_ptr<TlsContext> tls = nullptr);

  const RelayConfig& config() const { return config_; }
  // The TLS context for a new connection, or null when the relay speaks plain HTTP/WebSocket.
  std::shared_ptr<boost::asio::ssl::context> tls_context() const { return tls_ ? tls_->current() : nullptr; }
  StorageWorker& storage() { return storage_; }
  ConnectionLimits& connection_limits() { return limits_; }
  RateLimits& rate_limits() { return rate_limits_; }
  std::uint64_t next_connection_id() { return ++connection_ids_; }

  // Every open WebSocket connection, for shutdown.
  void join(std::uint64_t id, const std::shared_ptr<WebsocketSession>& session);
  void leave(std::uint64_t id);

  // Marks `session` as the online connection of `address` and returns the one it replaces.
  std::shared_ptr<WebsocketSession> go_online(const Address& address, const std::shared_ptr<WebsocketSession>& session);
  // Removes the entry of `address` only if it is still `session`'s.
  void go_offline(const Address& address, const WebsocketSession* session);
  std::shared_ptr<WebsocketSession> find_online(const Address& address);
  // Wakes the online connection whose Address::to_string() is `key`, if this relay holds it
  // (a NOTIFY from another relay). False if it does not.
  bool wake(const std::string& key);
  // Wakes every authenticated connection: each looks at its mailbox once (the poll that
  // catches whatever a lost NOTIFY did not announce). Returns how many.
  std::size_t wake_all();

  // Set once shutdown begins: GET /readyz answers 503 from then on.
  void set_draining() { draining_ = true; }
  bool draining() const { return draining_; }

  // Asks every connection to drain and close (going away); returns how many were open.
  std::size_t close_all();
  std::size_t connection_count();

 private:
  struct Entry {
    const WebsocketSession* raw = nullptr;
    std::weak_ptr<WebsocketSession> session;
  };

  const RelayConfig config_;
  StorageWorker& storage_;
  const std::shared_ptr<TlsContext> tls_;
  ConnectionLimits limits_;
  RateLimits rate_limits_;
  std::atomic<std::uint64_t> connection_ids_{0};
  std::atomic<bool> draining_{false};
  std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<WebsocketSession>> connections_;
  std::unordered_map<std::string, Entry> online_;  // key: Address::to_string()
};

}  // namespace parley::relay
