// SPDX-License-Identifier: GPL-3.0-or-later
// A parley::Client under test: records every event and lets the test wait for conditions.
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "parley/client.hpp"
#include "support/temp_dir.hpp"

namespace parley::test {

class TestDevice {
 public:
  // `configure` may change the options (TLS, invite token) before the client opens.
  TestDevice(const TempDir& dir, Address address, std::uint16_t relay_port, std::uint32_t initial_prekeys = 20,
             const std::function<void(ClientOptions&)>& configure = nullptr)
      : address_(std::move(address)) {
    ClientOptions options;
    options.address = address_;
    options.store_path = dir.file(address_.to_string() + ".db");
    options.store_key = StoreKey::passphrase("passphrase of " + address_.to_string());
    options.relay_port = relay_port;
    options.reconnect_initial = std::chrono::milliseconds(50);
    options.reconnect_max = std::chrono::milliseconds(500);
    options.initial_prekeys = initial_prekeys;
    if (configure) configure(options);
    auto opened = Client::open(std::move(options));
    if (!opened) ADD_FAILURE() << opened.error().to_string();
    client_ = std::move(*opened);
    client_->set_event_handler([this](const Event& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      changed_.notify_all();
    });
  }
  ~TestDevice() { client_->stop(); }

  void start() { ASSERT_TRUE(client_->start().ok()); }
  void stop() { client_->stop(); }
  Client& client() { return *client_; }
  // This device is told `supervisor`'s join anchor (out of band in real life): Welcomes of the
  // cells it creates join this device.
  void anchor_supervisor(TestDevice& supervisor) {
    auto anchor = supervisor.client().supervisor_anchor();
    ASSERT_TRUE(anchor.ok()) << anchor.error().to_string();
    auto added = client_->add_join_anchor(*anchor);
    ASSERT_TRUE(added.ok()) << added.error().to_string();
  }
  const Address& address() const { return address_; }

  // Waits up to `timeout` for `done(events)` to hold.
  template <class Pred>
  bool wait_for(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(events_); });
  }

  template <class T>
  std::vector<T> events_of() {
    std::lock_guard lock(mutex_);
    std::vector<T> out;
    for (const auto& e : events_)
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }

  template <class T>
  static std::size_t count(const std::vector<Event>& events) {
    std::size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<T>(e);
    return n;
  }

  bool wait_connected(std::size_t times = 1) {
    return wait_for([&](const auto& ev) { return count<Connected>(ev) >= times; });
  }
  bool wait_received(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return wait_for([&](const auto& ev) { return count<MessageReceived>(ev) >= n; }, timeout);
  }
  bool wait_sent(std::size_t n) {
    return wait_for([&](const auto& ev) { return count<MessageSent>(ev) >= n; });
  }

  std::vector<std::string> received_texts() {
    std::vector<std::string> out;
    for (const auto& m : events_of<MessageReceived>()) out.push_back(m.text);
    return out;
  }

 private:
  Address address_;
  std::unique_ptr<Client> client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

}  // namespace parley::test
