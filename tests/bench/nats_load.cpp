// SPDX-License-Identifier: GPL-3.0-or-later
// parley_nats_load: the relay load figures' peer, the same work on NATS JetStream (Debian's
// nats-server, client on Debian's libnats-dev). A stream with file storage holds subjects
// dev.<i>; each device has one durable push consumer with explicit acks; 4 sender
// connections publish 1 KiB (with its send time) asynchronously, one publish per recipient
// (JetStream has no multi-recipient send), at most WINDOW deliveries in flight.
//
//   parley_nats_load URL D F SECONDS WINDOW      (WINDOW = 1: the light-load run)
//
// Prints "L <figure> <variant> <value> <unit> <note>" lines like parley_relay_load.
// Consumers share 16 connections (one libnats connection per device would mean 2 threads per
// device in this client); nats-server is started and stopped by scripts/bench.
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Shared {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<bool> record{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::int64_t> latencies;
};
Shared g;

void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void*) {
  const char* data = natsMsg_GetData(msg);
  if (g.record.load() && natsMsg_GetDataLength(msg) >= 8) {
    std::int64_t t;
    std::memcpy(&t, data, 8);
    const std::int64_t l = now_ns() - t;
    std::lock_guard lock(g.mutex);
    g.latencies.push_back(l);
  }
  natsMsg_Ack(msg, nullptr);
  natsMsg_Destroy(msg);
  g.delivered.fetch_add(1);
  g.changed.notify_one();
}

void result(const std::string& figure, const std::string& variant, double value, const std::string& unit,
            const std::string& note = "") {
  std::printf("L\t%s\t%s\t%.3f\t%s\t%s\n", figure.c_str(), variant.c_str(), value, unit.c_str(), note.c_str());
  std::fflush(stdout);
}

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;
}

#define CHECK(call)                                                                          \
  do {                                                                                       \
    natsStatus s_ = (call);                                                                  \
    if (s_ != NATS_OK) {                                                                     \
      std::fprintf(stderr, "parley_nats_load: %s: %s\n", #call, natsStatus_GetText(s_));    \
      return 1;                                                                              \
    }                                                                                        \
  } while (0)

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: parley_nats_load URL D F SECONDS WINDOW\n");
    return 2;
  }
  const std::string url = argv[1];
  const std::size_t devices = std::stoul(argv[2]), fanout = std::min<std::size_t>(std::stoul(argv[3]), devices);
  const double seconds = std::stod(argv[4]);
  const std::size_t window = std::stoul(argv[5]);

  CHECK(nats_Open(-1));
  CHECK(nats_SetMessageDeliveryPoolSize(2));
  auto connect = [&](natsConnection** nc) {
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_UseGlobalMessageDelivery(opts, true);
    natsOptions_SetMaxPendingMsgs(opts, 1 << 20);
    const natsStatus s = natsConnection_Connect(nc, opts);
    natsOptions_Destroy(opts);
    return s;
  };

  // Consumers: 16 connections, one durable consumer per device.
  const std::size_t consumer_conns = std::min<std::size_t>(16, devices);
  std::vector<natsConnection*> cc(consumer_conns);
  std::vector<jsCtx*> cjs(consumer_conns);
  for (std::size_t i = 0; i < consumer_conns; ++i) {
    CHECK(connect(&cc[i]));
    CHECK(natsConnection_JetStream(&cjs[i], cc[i], nullptr));
  }
  jsErrCode jerr{};
  {
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = "BENCH";
    const char* subjects[] = {"dev.>"};
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    CHECK(js_AddStream(nullptr, cjs[0], &sc, nullptr, &jerr));
  }
  std::vector<natsSubscription*> subs(devices);
  std::vector<std::string> subject(devices);
  for (std::size_t i = 0; i < devices; ++i) {
    subject[i] = "dev." + std::to_string(i);
    const std::string durable = "d" + std::to_string(i);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "BENCH";
    so.Config.Durable = durable.c_str();
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = 1000;
    so.ManualAck = true;
    CHECK(js_Subscribe(&subs[i], cjs[i % consumer_conns], subject[i].c_str(), on_msg, nullptr, nullptr, &so, &jerr));
  }

  // Senders.
  std::vector<natsConnection*> sc(4);
  std::vector<jsCtx*> sjs(4);
  for (int i = 0; i < 4; ++i) {
    CHECK(connect(&sc[i]));
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 2000;
    CHECK(natsConnection_JetStream(&sjs[i], sc[i], &jo));
  }

  std::atomic<std::uint64_t> published{0};
  std::atomic<bool> sending{true};
  std::thread sender([&] {
    std::vector<char> payload(1024, 0x5a);
    std::size_t next = 0, turn = 0;
    while (sending.load()) {
      {
        std::unique_lock lock(g.mutex);
        g.changed.wait_for(lock, std::chrono::milliseconds(5), [&] {
          return published.load() - g.delivered.load() + fanout <= std::max(window, fanout);
        });
      }
      if (!sending.load()) break;
      if (published.load() - g.delivered.load() + fanout > std::max(window, fanout)) continue;
      const std::int64_t t = now_ns();
      std::memcpy(payload.data(), &t, 8);
      jsCtx* js = sjs[turn++ % 4];
      for (std::size_t k = 0; k < fanout; ++k) {
        js_PublishAsync(js, subject[(next + k) % devices].c_str(), payload.data(), static_cast<int>(payload.size()), nullptr);
      }
      if (window == 1) natsConnection_Flush(sc[(turn - 1) % 4]);  // light load: out at once
      published.fetch_add(fanout);
      next = (next + fanout) % devices;
    }
  });

  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
  const std::uint64_t d0 = g.delivered.load();
  const auto t0 = Clock::now();
  g.record = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t delivered = g.delivered.load() - d0;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  g.record = false;
  sending = false;
  g.changed.notify_all();
  sender.join();
  for (int i = 0; i < 4; ++i) js_PublishAsyncComplete(sjs[i], nullptr);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (g.delivered.load() < published.load() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  std::vector<std::int64_t> lat;
  {
    std::lock_guard lock(g.mutex);
    lat = g.latencies;
  }
  const std::string figure = window == 1 ? "nats_light" : "nats";
  const std::string v = "D=" + std::to_string(devices) + ",F=" + std::to_string(fanout);
  result(figure + "_deliveries_per_s", v, static_cast<double>(delivered) / elapsed, "1/s",
         std::to_string(delivered) + " deliveries in " + std::to_string(elapsed) + " s");
  result(figure + "_p50_ms", v, percentile(lat, 0.5), "ms");
  result(figure + "_p99_ms", v, percentile(lat, 0.99), "ms");
  result(figure + "_p999_ms", v, percentile(lat, 0.999), "ms");

  for (auto* s : subs) natsSubscription_Destroy(s);
  for (auto* j : sjs) jsCtx_Destroy(j);
  for (auto* j : cjs) jsCtx_Destroy(j);
  for (auto* c : sc) natsConnection_Destroy(c);
  for (auto* c : cc) natsConnection_Destroy(c);
  nats_Close();
  return 0;
}
