// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics.hpp"

#include <algorithm>
#include <cstdio>

#include "rate_limits.hpp"
#include "relay_errors.hpp"

namespace parley::relay {

namespace {

std::string number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

void header(std::string& out, const std::string& name, const char* type, const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void counter(std::string& out, const std::string& name, const std::string& help, std::uint64_t value) {
  header(out, name, "counter", help);
  out += name + " " + std::to_string(value) + "\n";
}

}  // namespace

Histogram::Histogram(std::initializer_list<std::uint64_t> bounds, double scale) : bounds_(bounds), scale_(scale) {
  if (bounds_.size() > kMaxBuckets) bounds_.resize(kMaxBuckets);
}

void Histogram::observe(std::uint64_t value) {
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::reset_to(const std::vector<std::uint64_t>& values) {
  std::array<std::uint64_t, kMaxBuckets + 1> counts{};
  std::uint64_t sum = 0;
  for (auto value : values) {
    ++counts[static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin())];
    sum += value;
  }
  for (std::size_t i = 0; i < counts.size(); ++i) counts_[i].store(counts[i], std::memory_order_relaxed);
  sum_.store(sum, std::memory_order_relaxed);
  count_.store(values.size(), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  header(out, name, "histogram", help);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{le=\"" + number(static_cast<double>(bounds_[i]) * scale_) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += counts_[bounds_.size()].load(std::memory_order_relaxed);
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + number(static_cast<double>(sum_.load(std::memory_order_relaxed)) * scale_) + "\n";
  out += name + "_count " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

static_assert(RateLimits::kKinds == 6, "Metrics::kRequestLimits follows RateLimits::Kind");

const char* Metrics::name(FrameLimit limit) {
  switch (limit) {
    case FrameLimit::control_frames: return "control_frames";
    case FrameLimit::tiny_fragments: return "tiny_fragments";
    case FrameLimit::count: break;
  }
  return "unknown";
}

void Metrics::refused(Errc code) {
  const auto n = static_cast<std::size_t>(code);
  if (n < refusals_.size()) add(refusals_[n], 1);
}

std::string Metrics::render() const {
  std::string out;
  header(out, "parley_relay_connections", "gauge", "Open connections by state.");
  static constexpr const char* kStates[] = {"http", "websocket_unauthenticated", "websocket_authenticated"};
  for (std::size_t i = 0; i < connections_.size(); ++i)
    out += std::string("parley_relay_connections{state=\"") + kStates[i] + "\"} " +
           std::to_string(std::max<std::int64_t>(0, connections_[i].load(std::memory_order_relaxed))) + "\n";
  header(out, "parley_relay_connections_refused_total", "counter",
         "TCP connections closed at accept because a cap was full (max_connections, max_connections_per_ip).");
  out += "parley_relay_connections_refused_total{cap=\"total\"} " + std::to_string(refused_total_.load()) + "\n";
  out += "parley_relay_connections_refused_total{cap=\"per_ip\"} " + std::to_string(refused_per_ip_.load()) + "\n";
  counter(out, "parley_relay_frames_in_total", "WebSocket messages received.", frames_in_.load());
  counter(out, "parley_relay_bytes_in_total", "Bytes of WebSocket messages received.", bytes_in_.load());
  counter(out, "parley_relay_frames_out_total", "WebSocket messages sent.", frames_out_.load());
  counter(out, "parley_relay_bytes_out_total", "Bytes of WebSocket messages sent.", bytes_out_.load());
  counter(out, "parley_relay_sends_total", "Send requests stored durably (at least one recipient).", sends_.load());
  counter(out, "parley_relay_deliveries_total", "Deliver frames queued to devices (redeliveries included).",
          deliveries_.load());
  counter(out, "parley_relay_acks_total", "Delivery ids acknowledged by devices.", acks_.load());
  counter(out, "parley_relay_messages_expired_total", "Queued messages deleted unread after message_ttl_s.",
          expired_.load());
  counter(out, "parley_relay_storage_retries_total",
          "Group-commit batches run again after a serialization conflict (PostgreSQL).", storage_retries_.load());
  header(out, "parley_relay_refusals_total", "counter", "Requests, frames and recipients refused, by error code.");
  for (std::size_t i = 0; i < refusals_.size(); ++i) {
    const auto n = refusals_[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    out += std::string("parley_relay_refusals_total{reason=\"") + std::string(relay_errc_name(static_cast<Errc>(i))) +
           "\"} " + std::to_string(n) + "\n";
  }
  header(out, "parley_relay_rate_limited_total", "counter",
         "Requests refused with rate_limited (and connections closed for a frame flood), by the token bucket "
         "that was empty.");
  for (std::size_t i = 0; i < rate_limited_.size(); ++i) {
    const std::string limit = i < kRequestLimits ? std::string(RateLimits::name(static_cast<RateLimits::Kind>(i)))
                                                 : name(static_cast<FrameLimit>(i - kRequestLimits));
    out += "parley_relay_rate_limited_total{limit=\"" + limit + "\"} " +
           std::to_string(rate_limited_[i].load(std::memory_order_relaxed)) + "\n";
  }
  header(out, "parley_relay_storage_bytes", "gauge",
         "Bytes of live database pages at the latest measurement (compared with max_storage_bytes).");
  out += "parley_relay_storage_bytes " + std::to_string(storage_bytes_.load(std::memory_order_relaxed)) + "\n";
  counter(out, "parley_relay_tls_handshake_failures_total",
          "TLS handshakes that failed (not TLS, no common version or cipher, certificate refused by the client, timeout).",
          tls_handshake_failures_.load());
  header(out, "parley_relay_tls_reloads_total", "counter", "Certificate reloads (SIGHUP) by result.");
  out += "parley_relay_tls_reloads_total{result=\"ok\"} " + std::to_string(tls_reloads_ok_.load()) + "\n";
  out += "parley_relay_tls_reloads_total{result=\"failed\"} " + std::to_string(tls_reloads_failed_.load()) + "\n";
  commit_latency.render(out, "parley_relay_storage_commit_seconds", "Time of one group commit (fsync included).");
  batch_size.render(out, "parley_relay_storage_batch_requests", "Storage requests per group commit.");
  mailbox_depth.render(out, "parley_relay_mailbox_depth",
                       "Queued messages per non-empty mailbox, from the latest periodic scan.");
  return out;
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace parley::relay
