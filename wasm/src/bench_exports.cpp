// SPDX-License-Identifier: GPL-3.0-or-later
// Bench module export: the channel speed of tests/bench/channel_bench.hpp, in wasm.
#include <emscripten.h>

#include <cstdio>

#include "bench/channel_bench.hpp"

extern "C" {

// Returns encrypt/s, writes decrypt/s to *decrypt; negative on failure (printed).
EMSCRIPTEN_KEEPALIVE double parley_channel_bench(std::uint32_t messages, std::uint32_t size, double* decrypt) {
  const auto speed = parley::bench::channel_speed("/tmp", messages, size);
  if (!speed.error.empty()) {
    std::fprintf(stderr, "bench failed: %s\n", speed.error.c_str());
    return -1;
  }
  *decrypt = speed.decrypt_per_second;
  return speed.encrypt_per_second;
}
}
