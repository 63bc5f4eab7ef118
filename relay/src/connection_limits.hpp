// SPDX-License-Identifier: GPL-3.0-or-later
// Caps on open connections, in total and per peer IP address. The listener asks for a slot
// before it reads a byte; the slot travels with the connection (HTTP, then WebSocket) and is
// given back when the connection ends, whatever path it takes.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace parley::relay {

using ConnectionSlot = std::shared_ptr<void>;

class ConnectionLimits {
 public:
  enum class Refusal { none, total, per_ip };

  ConnectionLimits(std::uint32_t max_total, std::uint32_t max_per_ip);

  // A slot for a new connection from `ip`, or null with `refused` saying which cap is full.
  ConnectionSlot admit(const boost::asio::ip::address& ip, Refusal& refused);

 private:
  struct Counts {
    std::mutex mutex;
    std::uint32_t total = 0;
    std::map<boost::asio::ip::address, std::uint32_t> per_ip;
  };
  const std::uint32_t max_total_;
  const std::uint32_t max_per_ip_;
  std::shared_ptr<Counts> counts_;  // shared with the slots, which may outlive this object
};

}  // namespace parley::relay
