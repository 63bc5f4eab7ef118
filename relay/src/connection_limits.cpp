// SPDX-License-Identifier: GPL-3.0-or-later
#include "connection_limits.hpp"

namespace parley::relay {

ConnectionLimits::ConnectionLimits(std::uint32_t max_total, std::uint32_t max_per_ip)
    : max_total_(max_total), max_per_ip_(max_per_ip), counts_(std::make_shared<Counts>()) {}

ConnectionSlot ConnectionLimits::admit(const boost::asio::ip::address& ip, Refusal& refused) {
  std::lock_guard lock(counts_->mutex);
  refused = Refusal::none;
  if (counts_->total >= max_total_) {
    refused = Refusal::total;
    return nullptr;
  }
  std::uint32_t& from_ip = counts_->per_ip[ip];
  if (from_ip >= max_per_ip_) {
    if (from_ip == 0) counts_->per_ip.erase(ip);
    refused = Refusal::per_ip;
    return nullptr;
  }
  ++from_ip;
  ++counts_->total;
  // The slot points at the counts only to be non-null; its deleter gives the place back.
  return ConnectionSlot(static_cast<void*>(counts_.get()), [counts = counts_, ip](void*) {
    std::lock_guard lock(counts->mutex);
    --counts->total;
    auto it = counts->per_ip.find(ip);
    if (it != counts->per_ip.end() && --it->second == 0) counts->per_ip.erase(it);
  });
}

}  // namespace parley::relay
