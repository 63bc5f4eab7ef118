// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's counters, gauges and histograms, rendered as Prometheus text for GET /metrics.
// Lock-free (relaxed atomics: a scrape may see one counter a moment ahead of another), one
// instance per process. Labels come from fixed sets only (connection states, error code
// names): nothing a client chooses, and nothing about a device, ever becomes a label.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "parley/error.hpp"

namespace parley::relay {

// Cumulative buckets; `scale` turns the stored integer units into the exported unit.
class Histogram {
 public:
  Histogram(std::initializer_list<std::uint64_t> bounds, double scale = 1.0);
  void observe(std::uint64_t value);
  // Replaces the contents (for a histogram recomputed from a full scan).
  void reset_to(const std::vector<std::uint64_t>& values);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  static constexpr std::size_t kMaxBuckets = 16;
  std::vector<std::uint64_t> bounds_;
  double scale_;
  std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> counts_{};  // last: +Inf
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

class Metrics {
 public:
  enum class ConnState { http, websocket_unauthenticated, websocket_authenticated, count };

  void connection_enter(ConnState state) { connections_[index(state)].fetch_add(1, std::memory_order_relaxed); }
  void connection_leave(ConnState state) { connections_[index(state)].fetch_sub(1, std::memory_order_relaxed); }
  void frame_in(std::size_t bytes) {
    add(frames_in_, 1);
    add(bytes_in_, bytes);
  }
  void frame_out(std::size_t bytes) {
    add(frames_out_, 1);
    add(bytes_out_, bytes);
  }
  void send_stored() { add(sends_, 1); }
  void delivered() { add(deliveries_, 1); }
  void acked(std::size_t n) { add(acks_, n); }
  void expired(std::size_t n) { add(expired_, n); }
  // A group-commit batch run again after the database gave it up (a conflict with another relay).
  void storage_retry() { add(storage_retries_, 1); }
  // A request, a frame or one recipient refused with `code`.
  void refused(Errc code);
  void connection_refused(bool per_ip) { add(per_ip ? refused_per_ip_ : refused_total_, 1); }
  // A request refused by rate limit `kind` (RateLimits::Kind as a number; counted also in
  // refusals_total{reason="rate_limited"}).
  void rate_limited(std::size_t kind) {
    if (kind < kRequestLimits) add(rate_limited_[kind], 1);
  }
  // A connection closed for spending a per-connection frame budget (RelayCore::wire_frames);
  // counted in rate_limited_total{limit="control_frames"|"tiny_fragments"} beside the request
  // limits, and in refusals_total{reason="rate_limited"}.
  enum class FrameLimit { control_frames, tiny_fragments, count };
  static const char* name(FrameLimit limit);
  void frame_limited(FrameLimit limit) {
    add(rate_limited_[kRequestLimits + static_cast<std::size_t>(limit)], 1);
  }
  // Bytes of live database pages, as last measured (for the storage quota).
  void storage_bytes(std::uint64_t bytes) { storage_bytes_.store(bytes, std::memory_order_relaxed); }
  void tls_handshake_failed() { add(tls_handshake_failures_, 1); }
  void tls_reload(bool ok) { add(ok ? tls_reloads_ok_ : tls_reloads_failed_, 1); }

  Histogram commit_latency{{100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000}, 1e-6};
  Histogram batch_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  Histogram mailbox_depth{{0, 1, 10, 100, 1000, 10000, 100000}};

  // The exposition text (version 0.0.4).
  std::string render() const;

 private:
  static std::size_t index(ConnState state) { return static_cast<std::size_t>(state); }
  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  std::array<std::atomic<std::int64_t>, static_cast<std::size_t>(ConnState::count)> connections_{};
  std::atomic<std::uint64_t> frames_in_{0}, bytes_in_{0}, frames_out_{0}, bytes_out_{0};
  std::atomic<std::uint64_t> sends_{0}, deliveries_{0}, acks_{0}, expired_{0}, storage_retries_{0};
  std::atomic<std::uint64_t> tls_reloads_ok_{0}, tls_reloads_failed_{0};
  std::atomic<std::uint64_t> refused_total_{0}, refused_per_ip_{0};
  std::atomic<std::uint64_t> tls_handshake_failures_{0};
  std::array<std::atomic<std::uint64_t>, 128> refusals_{};  // by error code number
  static constexpr std::size_t kRequestLimits = 6;  // RateLimits::Kind, then FrameLimit
  std::array<std::atomic<std::uint64_t>, kRequestLimits + static_cast<std::size_t>(FrameLimit::count)> rate_limited_{};
  std::atomic<std::uint64_t> storage_bytes_{0};
};

// The process's metrics (the relay is one process; tests run it as such).
Metrics& metrics();

}  // namespace parley::relay
