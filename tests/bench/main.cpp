// SPDX-License-Identifier: GPL-3.0-or-later
// parley_channel_bench [MESSAGES] [SIZE] [DIR]: native channel encrypt/decrypt speed (see
// channel_bench.hpp); `node wasm/test/bench.cjs` prints the wasm numbers for comparison.
// Each message is a store write: DIR on tmpfs (/dev/shm) compares with wasm's in-memory
// file system; on a disk the fsync per write dominates.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "bench/channel_bench.hpp"

int main(int argc, char** argv) {
  const std::size_t messages = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 5000;
  const std::size_t size = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1024;
  const std::filesystem::path base = argc > 3 ? argv[3] : std::filesystem::temp_directory_path().string();
  const auto dir = base / "parley-channel-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto speed = parley::bench::channel_speed(dir.string(), messages, size);
  std::filesystem::remove_all(dir);
  if (!speed.error.empty()) {
    std::fprintf(stderr, "bench failed: %s\n", speed.error.c_str());
    return 1;
  }
  std::printf("native: %zu x %zu B: encrypt %.0f/s, decrypt %.0f/s\n", messages, size,
              speed.encrypt_per_second, speed.decrypt_per_second);
}
