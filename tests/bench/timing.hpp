// SPDX-License-Identifier: GPL-3.0-or-later
// Thread CPU time and wall time for the bench programs.
#pragma once

#include <chrono>
#include <ctime>

#include "bench/raw_signal.hpp"

namespace parley::bench {

inline double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
inline double wall_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Adds the CPU and wall time of its scope to `cost` (n is counted by the caller).
class Span {
 public:
  explicit Span(Cost& cost) : cost_(cost), cpu_(thread_cpu_s()), wall_(wall_s()) {}
  ~Span() {
    cost_.cpu_s += thread_cpu_s() - cpu_;
    cost_.wall_s += wall_s() - wall_;
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

 private:
  Cost& cost_;
  double cpu_, wall_;
};

}  // namespace parley::bench
