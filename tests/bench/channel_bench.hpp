// SPDX-License-Identifier: GPL-3.0-or-later
// Channel (sender-key) encrypt/decrypt throughput through the SDK's own path (SenderKeys over
// the SQLCipher store), compiled natively (parley_channel_bench) and into the wasm bench
// module (wasm/src/bench_exports.cpp), so the two numbers compare the same code.
#pragma once

#include <cstddef>
#include <string>

namespace parley::bench {

struct ChannelSpeed {
  double encrypt_per_second = 0;
  double decrypt_per_second = 0;
  std::string error;  // empty on success
};

// `messages` messages of `size` bytes, sent by one device and read by another, with both
// stores in `dir` (files are created there; the caller removes them).
ChannelSpeed channel_speed(const std::string& dir, std::size_t messages, std::size_t size);

}  // namespace parley::bench
