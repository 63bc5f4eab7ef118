// SPDX-License-Identifier: GPL-3.0-or-later
// parley_benchmarks (Google Benchmark): the costs a device pays per message and per hotline
// operation, each next to a baseline measured in the same run (SHA-256 of the same bytes), so
// numbers are read as ratios, not as absolute speeds of one machine. Not a test: the ctest
// `benchmarks.smoke` only checks they still run.
//
//   parley_benchmarks --benchmark_filter=Incident
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <stdexcept>

#include "crypto/hash.hpp"
#include "hotline/codec.hpp"
#include "hotline/deconfliction.hpp"
#include "hotline/incidents.hpp"
#include "pairwise/sender_keys.hpp"
#include "pairwise/signal_store_adapter.hpp"
#include "store/device_store.hpp"

namespace {

using namespace parley;

void BM_Baseline_Sha256(benchmark::State& state) {
  const Bytes data(static_cast<std::size_t>(state.range(0)), 0x61);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(ByteView(data)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Baseline_Sha256)->Arg(1024);

// A sender and a reader with SQLCipher stores on tmpfs when there is one (the fsync of a disk
// would dominate), the reader holding the sender's channel key.
struct ChannelPair {
  std::filesystem::path dir;
  std::unique_ptr<store::DeviceStore> sender_store, reader_store;
  std::unique_ptr<pairwise::SignalStoreAdapter> sender_adapter, reader_adapter;
  std::unique_ptr<pairwise::SenderKeys> sender, reader;
  const Address self{"bench_sender", 1};
  const Bytes group = Bytes(16, 0x42);

  ChannelPair() {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    dir = base / ("parley-bench-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    auto take = [](auto result) {
      if (!result) throw std::runtime_error(result.error().to_string());
      return std::move(*result);
    };
    sender_store = take(store::DeviceStore::open((dir / "s.db").string(), StoreKey::passphrase("s")));
    reader_store = take(store::DeviceStore::open((dir / "r.db").string(), StoreKey::passphrase("r")));
    sender_adapter = take(pairwise::SignalStoreAdapter::create(*sender_store));
    reader_adapter = take(pairwise::SignalStoreAdapter::create(*reader_store));
    sender = std::make_unique<pairwise::SenderKeys>(*sender_adapter);
    reader = std::make_unique<pairwise::SenderKeys>(*reader_adapter);
    auto distribution = sender->own_distribution(group, self);
    (void)reader->install_distribution({group, self}, *distribution);
  }
  ~ChannelPair() {
    sender.reset();
    reader.reset();
    sender_adapter.reset();
    reader_adapter.reset();
    sender_store.reset();
    reader_store.reset();
    std::filesystem::remove_all(dir);
  }
};

void BM_ChannelEncrypt(benchmark::State& state) {
  ChannelPair pair;
  const Bytes plaintext(static_cast<std::size_t>(state.range(0)), 0x61);
  for (auto _ : state) {
    auto sealed = pair.sender->encrypt(pair.group, pair.self, plaintext);
    if (!sealed) state.SkipWithError(sealed.error().message.c_str());
    benchmark::DoNotOptimize(sealed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ChannelEncrypt)->Arg(1024);

void BM_ChannelDecrypt(benchmark::State& state) {
  ChannelPair pair;
  const Bytes plaintext(static_cast<std::size_t>(state.range(0)), 0x61);
  // Ciphertexts made outside the timed loop, in batches, decrypted in order.
  std::vector<Bytes> batch;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == batch.size()) {
      state.PauseTiming();
      batch.clear();
      next = 0;
      for (int i = 0; i < 256; ++i) batch.push_back(*pair.sender->encrypt(pair.group, pair.self, plaintext));
      state.ResumeTiming();
    }
    auto opened = pair.reader->decrypt({pair.group, pair.self}, batch[next++]);
    if (!opened) state.SkipWithError(opened.error().message.c_str());
    benchmark::DoNotOptimize(opened);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ChannelDecrypt)->Arg(1024);

// --- hotline --------------------------------------------------------------------------------

MessageRef ref_of(int sender, std::uint64_t n) {
  MessageRef ref{Address{"device" + std::to_string(sender), 1}, MessageId{}};
  for (int i = 0; i < 8; ++i) ref.id.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return ref;
}

// `n` operations on n/10 incidents between IL and SY: opens, comments, proposals, agreements.
std::vector<hotline::IncidentEvent> incident_history(std::size_t n) {
  std::mt19937_64 rng(1);
  std::vector<hotline::IncidentEvent> events;
  const std::size_t incidents = std::max<std::size_t>(1, n / 10);
  for (std::size_t i = 0; i < n; ++i) {
    hotline::IncidentId id{};
    id[0] = static_cast<std::uint8_t>(i % incidents);
    id[1] = static_cast<std::uint8_t>((i % incidents) >> 8);
    const bool il = rng() % 2;
    hotline::IncidentEvent e{ref_of(il ? 1 : 2, i), il ? "IL" : "SY", static_cast<TimeMs>(1000 + i),
                             hotline::IncidentOperation{id, IncidentComment{"comment"}}};
    if (i < incidents)
      e.operation.action = IncidentOpen{"title", "details", Severity::high, il ? "SY" : "IL", std::nullopt};
    else if (i % 7 == 0)
      e.operation.action = IncidentPropose{"proposal"};
    events.push_back(std::move(e));
  }
  std::shuffle(events.begin(), events.end(), rng);
  return events;
}

void BM_FoldIncidents(benchmark::State& state) {
  const auto events = incident_history(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(hotline::fold_incidents(events, "US"));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FoldIncidents)->Arg(100)->Arg(1000)->Arg(10000);

std::vector<hotline::NoticeRecord> notices(std::size_t n) {
  std::mt19937_64 rng(2);
  std::vector<hotline::NoticeRecord> out;
  for (std::size_t i = 0; i < n; ++i) {
    const GeoPoint center{static_cast<std::int32_t>(320'000'000 + rng() % 20'000'000),
                          static_cast<std::int32_t>(350'000'000 + rng() % 20'000'000)};
    const TimeMs start = 1'700'000'000'000 + static_cast<TimeMs>(rng() % 1000) * 3'600'000;
    out.push_back({ref_of(static_cast<int>(i % 2), i), i % 2 ? "IL" : "SY",
                   DeconflictionNotice{Circle{center, 5'000}, TimeWindow{start, start + 7'200'000}, "activity"}, 0});
  }
  return out;
}

// What the engine runs per accepted notice: the new one against every notice of the channel.
void BM_NoticeConflictsWith(benchmark::State& state) {
  const auto known = notices(static_cast<std::size_t>(state.range(0)));
  const auto incoming = notices(1).front();
  for (auto _ : state) benchmark::DoNotOptimize(hotline::conflicts_with(incoming, known));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_NoticeConflictsWith)->Arg(100)->Arg(1000)->Arg(10000);

void BM_DecodeHotlineBody(benchmark::State& state) {
  const Bytes bytes = hotline::encode(hotline::Body{hotline::IncidentOperation{
      hotline::IncidentId{}, IncidentOpen{"title", std::string(1024, 'd'), Severity::high, "SY", std::nullopt}}});
  for (auto _ : state) benchmark::DoNotOptimize(hotline::decode_body(bytes));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_DecodeHotlineBody);

}  // namespace

BENCHMARK_MAIN();
