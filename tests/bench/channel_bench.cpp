// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench/channel_bench.hpp"

#include <chrono>
#include <vector>

#include "pairwise/sender_keys.hpp"
#include "pairwise/signal_store_adapter.hpp"
#include "store/device_store.hpp"

namespace parley::bench {

ChannelSpeed channel_speed(const std::string& dir, std::size_t messages, std::size_t size) {
  using Clock = std::chrono::steady_clock;
  ChannelSpeed out;
  auto sender_store = store::DeviceStore::open(dir + "/sender.db", StoreKey::passphrase("bench sender"));
  auto reader_store = store::DeviceStore::open(dir + "/reader.db", StoreKey::passphrase("bench reader"));
  if (!sender_store || !reader_store) return {0, 0, "cannot open the bench stores"};
  auto sender_adapter = pairwise::SignalStoreAdapter::create(**sender_store);
  auto reader_adapter = pairwise::SignalStoreAdapter::create(**reader_store);
  if (!sender_adapter || !reader_adapter) return {0, 0, "cannot create the store adapters"};
  pairwise::SenderKeys sender(**sender_adapter), reader(**reader_adapter);
  const Address self{"bench_sender", 1};
  const Bytes group(16, 0x42);
  auto distribution = sender.own_distribution(group, self);
  if (!distribution) return {0, 0, distribution.error().to_string()};
  if (auto installed = reader.install_distribution({group, self}, *distribution); !installed)
    return {0, 0, installed.error().to_string()};

  const Bytes plaintext(size, 0x61);
  std::vector<Bytes> ciphertexts;
  ciphertexts.reserve(messages);
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < messages; ++i) {
    auto sealed = sender.encrypt(group, self, plaintext);
    if (!sealed) return {0, 0, sealed.error().to_string()};
    ciphertexts.push_back(std::move(*sealed));
  }
  const auto t1 = Clock::now();
  for (const auto& ciphertext : ciphertexts) {
    auto opened = reader.decrypt({group, self}, ciphertext);
    if (!opened || opened->size() != size) return {0, 0, opened ? "wrong plaintext size" : opened.error().to_string()};
  }
  const auto t2 = Clock::now();
  const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  out.encrypt_per_second = messages / seconds(t1 - t0);
  out.decrypt_per_second = messages / seconds(t2 - t1);
  return out;
}

}  // namespace parley::bench
