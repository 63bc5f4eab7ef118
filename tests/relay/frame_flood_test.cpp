// SPDX-License-Identifier: GPL-3.0-or-later
// Frame floods on loopback against a real relay, from authenticated devices over raw sockets:
// pings as fast as the kernel takes them (one flooder reads the pongs, one never reads), and
// tiny fragments of a message that never ends (1-byte fragments run into max_frame_bytes,
// empty ones never grow). Meanwhile another device connects, authenticates and is served;
// the relay stays up and its resident memory stays within a stated bound of its baseline.
// Then the same floods against the per-connection frame budgets (rate_control_frames,
// rate_tiny_fragments): the flooder is closed with Failure{rate_limited} and 1008, counted in
// /metrics, while a client within the budgets keeps its connection.
#include <gtest/gtest.h>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "raw_ws.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using namespace std::chrono_literals;
using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;

// The relay may grow by this much under a flood: generous, since what is tested is that the
// growth is bounded (an unbounded queue of pongs or fragments would pass it within seconds).
constexpr std::uint64_t kRssHeadroomKib = 64 * 1024;
constexpr std::uint64_t kFramesPerFlooder = 200'000;
constexpr auto kFloodTime = 5s;
constexpr std::size_t kBatch = 256;  // frames per write attempt

// Registers `device` over a raw connection: Challenge in, Register out, AuthOk in.
::testing::AssertionResult register_raw(RawWs& ws, const TestDevice& device) {
  if (!ws.upgraded()) return ::testing::AssertionFailure() << "no WebSocket upgrade";
  auto challenge = ws.read_frame();
  if (!challenge) return ::testing::AssertionFailure() << "no Challenge";
  Bytes bytes(challenge->payload.begin(), challenge->payload.end());
  auto parsed = wire::parse_relay_frame(bytes);
  if (!parsed || (*parsed)->body_type() != wire::RelayBody::Challenge)
    return ::testing::AssertionFailure() << "the first frame is not a Challenge";
  const auto* nonce = (*parsed)->body_as_Challenge()->nonce();
  const Bytes request = register_frame(device, Bytes(nonce->begin(), nonce->end()));
  if (!ws.write_all(RawWs::frame(0x2, std::string(request.begin(), request.end()))))
    return ::testing::AssertionFailure() << "Register not written";
  auto reply = ws.read_frame();
  if (!reply) return ::testing::AssertionFailure() << "no answer to Register";
  Bytes reply_bytes(reply->payload.begin(), reply->payload.end());
  auto answer = wire::parse_relay_frame(reply_bytes);
  if (!answer || (*answer)->body_type() != wire::RelayBody::AuthOk)
    return ::testing::AssertionFailure() << "Register was not answered with AuthOk";
  return ::testing::AssertionSuccess();
}

// One flooding connection: the same batch of frames written again and again.
struct Flooder {
  RawWs& ws;
  std::string batch;       // kBatch frames
  bool read_replies;       // false: never reads what the relay sends
  std::uint64_t written = 0;  // bytes
  std::uint64_t replies = 0;
  std::size_t offset = 0;  // into the batch being written
  bool write_failed = false;

  // Whole frames written (all frames of a batch have one size).
  std::uint64_t frames() const { return written / (batch.size() / kBatch); }

  // Writes what the socket takes now; true if it took anything.
  bool step() {
    bool progress = false;
    if (!write_failed && frames() < kFramesPerFlooder) {
      const long n = ws.write_some(batch.substr(offset));
      if (n < 0) write_failed = true;
      if (n > 0) {
        progress = true;
        written += static_cast<std::uint64_t>(n);
        offset = (offset + static_cast<std::size_t>(n)) % batch.size();
      }
    }
    if (read_replies)
      for (int i = 0; i < 4096 && ws.read_frame(0ms); ++i) {
        ++replies;
        progress = true;
      }
    return progress;
  }
  bool done() const { return write_failed || frames() >= kFramesPerFlooder; }
};

// Runs the flooders until each is done or kFloodTime passed; samples the relay's RSS.
// `running_frames` lets another thread see the progress.
std::uint64_t flood(std::vector<Flooder*> flooders, pid_t relay, std::atomic<std::uint64_t>& running_frames) {
  std::uint64_t peak = process_rss_kib(relay);
  const auto end = Clock::now() + kFloodTime;
  auto next_sample = Clock::now();
  while (Clock::now() < end) {
    bool progress = false;
    bool all_done = true;
    std::uint64_t total = 0;
    for (auto* f : flooders) {
      progress = f->step() || progress;
      all_done = all_done && f->done();
      total += f->frames();
    }
    running_frames = total;
    if (Clock::now() >= next_sample) {
      peak = std::max(peak, process_rss_kib(relay));
      next_sample = Clock::now() + 20ms;
    }
    if (all_done) break;
    if (!progress) {
      // Back-pressure: wait until a socket takes more (bounded by the 10 ms poll).
      std::vector<pollfd> fds;
      for (auto* f : flooders) fds.push_back({f->ws.fd(), static_cast<short>(POLLOUT | (f->read_replies ? POLLIN : 0)), 0});
      ::poll(fds.data(), fds.size(), 10);
    }
  }
  return std::max(peak, process_rss_kib(relay));
}

// Waits (bounded) until the flood has written `frames`, then a real device connects,
// registers and fetches a bundle. Returns true if it was served.
bool real_client_served_during(std::uint16_t port, const std::atomic<std::uint64_t>& running_frames,
                               std::uint64_t frames) {
  const auto deadline = Clock::now() + kFloodTime;
  while (running_frames < frames && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  try {
    const auto carol = TestDevice::make("carol", 1, 2);
    auto client = connect_registered(port, carol);
    client->send(fetch_frame(9, carol.address));
    return client->read_until(wire::RelayBody::Bundle, 10s).has_value();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the real client could not get in during the flood: " << e.what();
    return false;
  }
}

// The relay's RSS once it has served one device: the baseline the bound is stated against.
std::uint64_t baseline_rss(RelayProcess& relay) {
  const auto alice = TestDevice::make("alice", 1, 2);
  auto client = connect_registered(relay.port(), alice);
  client->send(fetch_frame(1, alice.address));
  EXPECT_TRUE(client->read_until(wire::RelayBody::Bundle));
  return process_rss_kib(relay.pid());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The two floods below run with the per-connection frame budgets off, to show what the relay
// does without them (bounded memory, CPU spent); the tests after them turn the budgets on.
TEST(RelayFloods, PingFloodLeavesTheRelayUpServingAndItsMemoryBounded) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"), {"--rate-control-frames-burst", "0"});
  relay.start();
  const std::uint64_t baseline = baseline_rss(relay);
  ASSERT_GT(baseline, 0u) << "cannot read /proc/" << relay.pid() << "/status";

  RawWs reading(relay.port()), silent(relay.port());
  ASSERT_TRUE(register_raw(reading, TestDevice::make("flood-reader", 1, 2)));
  ASSERT_TRUE(register_raw(silent, TestDevice::make("flood-silent", 1, 2)));
  std::string pings;
  for (std::size_t i = 0; i < kBatch; ++i) pings += RawWs::frame(0x9, std::string(125, 'p'));  // largest control frame
  Flooder a{reading, pings, true}, b{silent, pings, false};

  std::atomic<std::uint64_t> running{0};
  std::uint64_t peak = 0;
  std::thread flooding([&] { peak = flood({&a, &b}, relay.pid(), running); });
  const bool served = real_client_served_during(relay.port(), running, 20'000);
  flooding.join();

  std::printf("[ping flood] baseline RSS %llu KiB, peak %llu KiB (+%lld KiB); reader sent %llu pings, got %llu "
              "frames back; silent sent %llu pings; flooders %s/%s\n",
              static_cast<unsigned long long>(baseline), static_cast<unsigned long long>(peak),
              static_cast<long long>(peak) - static_cast<long long>(baseline), static_cast<unsigned long long>(a.frames()),
              static_cast<unsigned long long>(a.replies), static_cast<unsigned long long>(b.frames()),
              a.write_failed ? "closed" : "open", b.write_failed ? "closed" : "open");
  RecordProperty("baseline_rss_kib", static_cast<int>(baseline));
  RecordProperty("peak_rss_kib", static_cast<int>(peak));
  EXPECT_TRUE(served) << "a real device was not served during the ping flood";
  EXPECT_GT(a.replies, 0u) << "the relay answered none of the pings";
  EXPECT_LE(peak, baseline + kRssHeadroomKib)
      << "relay RSS grew from " << baseline << " KiB to " << peak << " KiB under a ping flood";
  ASSERT_TRUE(relay.alive()) << "the relay died under the ping flood";
  EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 200);
}

TEST(RelayFloods, TinyFragmentFloodIsBoundedByTheMessageLimitAndLeavesTheRelayServing) {
  constexpr std::size_t kMaxFrame = 65536;
  TempDir dir;
  RelayProcess relay(dir.file("relay"),
                     {"--max-frame-bytes", std::to_string(kMaxFrame), "--rate-tiny-fragments-burst", "0"});
  relay.log_to(dir.file("relay.log"));
  relay.start();
  const std::uint64_t baseline = baseline_rss(relay);
  ASSERT_GT(baseline, 0u);

  RawWs growing(relay.port()), empty(relay.port());
  ASSERT_TRUE(register_raw(growing, TestDevice::make("flood-growing", 1, 2)));
  ASSERT_TRUE(register_raw(empty, TestDevice::make("flood-empty", 1, 2)));
  // Each opens a binary message that never ends: FIN is never set.
  ASSERT_TRUE(growing.write_all(RawWs::frame(0x2, "x", false)));
  ASSERT_TRUE(empty.write_all(RawWs::frame(0x2, "x", false)));
  std::string one_byte, zero_bytes;
  for (std::size_t i = 0; i < kBatch; ++i) {
    one_byte += RawWs::frame(0x0, "x", false);
    zero_bytes += RawWs::frame(0x0, "", false);
  }
  Flooder a{growing, one_byte, true}, b{empty, zero_bytes, true};

  std::atomic<std::uint64_t> running{0};
  std::uint64_t peak = 0;
  std::thread flooding([&] { peak = flood({&a, &b}, relay.pid(), running); });
  const bool served = real_client_served_during(relay.port(), running, 20'000);
  flooding.join();
  const bool growing_closed = growing.wait_closed(5s);

  std::printf("[fragment flood] baseline RSS %llu KiB, peak %llu KiB (+%lld KiB); 1-byte fragments sent %llu "
              "(connection %s, close code %u); empty fragments sent %llu (connection %s)\n",
              static_cast<unsigned long long>(baseline), static_cast<unsigned long long>(peak),
              static_cast<long long>(peak) - static_cast<long long>(baseline), static_cast<unsigned long long>(a.frames()),
              growing_closed ? "closed" : "open", growing.close_code(), static_cast<unsigned long long>(b.frames()),
              b.write_failed || empty.ended() ? "closed" : "open");
  RecordProperty("baseline_rss_kib", static_cast<int>(baseline));
  RecordProperty("peak_rss_kib", static_cast<int>(peak));
  EXPECT_TRUE(served) << "a real device was not served during the fragment flood";
  EXPECT_LE(peak, baseline + kRssHeadroomKib)
      << "relay RSS grew from " << baseline << " KiB to " << peak << " KiB under a fragment flood";
  ASSERT_TRUE(relay.alive()) << "the relay died under the fragment flood";
  EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 200);
  // The 1-byte fragments add up to more than max_frame_bytes: that message is refused.
  ASSERT_GT(a.frames(), kMaxFrame) << "the flood did not reach the message limit";
  EXPECT_TRUE(growing_closed) << "a message of " << a.frames() + 1 << " bytes (limit " << kMaxFrame << ") was not refused";
  relay.stop();
  const std::string log = read_file(dir.file("relay.log"));
  EXPECT_NE(log.find("frame larger than " + std::to_string(kMaxFrame) + " bytes"), std::string::npos) << log;
}

// --- the per-connection frame budgets ---

std::string metrics_text(std::uint16_t port) {
  std::string body;
  EXPECT_EQ(http_get_status(port, "/metrics", &body), 200);
  return body;
}

// What a flooding connection got back before the relay ended it.
struct Cutoff {
  std::uint64_t sent = 0;     // frames written
  std::uint64_t pongs = 0;
  bool rate_limited = false;  // a fatal Failure{rate_limited} came
  std::string failure_message;
  bool closed = false;        // a close frame came
  std::uint16_t close_code = 0;
};

// Writes `frame` up to `max_frames` times, in batches, reading what comes back, until the relay
// sends its close frame or `limit` passes.
Cutoff flood_until_closed(RawWs& ws, const std::string& frame, std::uint64_t max_frames,
                          std::chrono::milliseconds limit = 10s) {
  Cutoff out;
  std::string batch;
  for (int i = 0; i < 64; ++i) batch += frame;
  const auto end = Clock::now() + limit;
  bool writing = true;
  while (!out.closed && Clock::now() < end) {
    if (writing && out.sent < max_frames) {
      if (ws.write_all(batch, 1s))
        out.sent += 64;
      else
        writing = false;  // the relay stopped taking them
    }
    const auto wait = writing && out.sent < max_frames ? 0ms : 100ms;
    while (auto reply = ws.read_frame(wait)) {
      if (reply->opcode == 0xA) ++out.pongs;
      if (reply->opcode == 0x2) {
        Bytes bytes(reply->payload.begin(), reply->payload.end());
        auto parsed = wire::parse_relay_frame(bytes);
        if (parsed && (*parsed)->body_type() == wire::RelayBody::Failure) {
          const auto* failure = (*parsed)->body_as_Failure();
          out.rate_limited = failure->code() == static_cast<std::uint16_t>(Errc::rate_limited) && failure->fatal();
          if (failure->message()) out.failure_message = failure->message()->str();
        }
      }
      if (reply->opcode == 0x8) {
        out.closed = true;
        out.close_code = ws.close_code();
        break;
      }
    }
    if (ws.ended()) break;
  }
  return out;
}

bool real_client_served(std::uint16_t port, const std::string& user) {
  try {
    const auto device = TestDevice::make(user, 1, 2);
    auto client = connect_registered(port, device);
    client->send(fetch_frame(3, device.address));
    return client->read_until(wire::RelayBody::Bundle, 10s).has_value();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "a real client could not get in: " << e.what();
    return false;
  }
}

TEST(RelayFrameBudgets, APingFloodIsClosedAtTheControlFrameBudgetBeforeAndAfterAuthentication) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"), {"--rate-control-frames-burst", "100", "--rate-control-frames-per-min", "60"});
  relay.start();
  const std::string ping = RawWs::frame(0x9, std::string(125, 'p'));

  RawWs device(relay.port());
  ASSERT_TRUE(register_raw(device, TestDevice::make("pinger", 1, 2)));
  const Cutoff after_auth = flood_until_closed(device, ping, 200'000);
  std::printf("[ping budget] authenticated: %llu pings sent, %llu pongs, close code %u: %s\n",
              static_cast<unsigned long long>(after_auth.sent), static_cast<unsigned long long>(after_auth.pongs),
              after_auth.close_code, after_auth.failure_message.c_str());
  EXPECT_TRUE(after_auth.rate_limited) << "no fatal Failure{rate_limited} before the close";
  EXPECT_NE(after_auth.failure_message.find("limit control_frames"), std::string::npos) << after_auth.failure_message;
  EXPECT_TRUE(after_auth.closed) << "the relay did not close a ping flood";
  EXPECT_EQ(after_auth.close_code, 1008);
  // At most the burst (plus the refill of these few seconds) is answered.
  EXPECT_LE(after_auth.pongs, 120u);

  // Before authentication: the Challenge is waiting, the budget applies all the same.
  RawWs stranger(relay.port());
  ASSERT_TRUE(stranger.upgraded());
  const Cutoff before_auth = flood_until_closed(stranger, ping, 200'000);
  EXPECT_TRUE(before_auth.rate_limited);
  EXPECT_TRUE(before_auth.closed);
  EXPECT_EQ(before_auth.close_code, 1008);

  const std::string metrics = metrics_text(relay.port());
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"control_frames\"} 2\n"), std::string::npos) << metrics;
  EXPECT_TRUE(real_client_served(relay.port(), "after-pings"));
  ASSERT_TRUE(relay.alive());
  EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 200);
}

TEST(RelayFrameBudgets, AnEmptyFragmentFloodIsClosedAtTheTinyFragmentBudget) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"));  // the default budget: 100 at once, 600 a minute
  relay.start();
  RawWs device(relay.port());
  ASSERT_TRUE(register_raw(device, TestDevice::make("fragmenter", 1, 2)));
  // A binary message that never ends, continued by empty fragments: before the budget, Beast
  // swallowed these in its read loop without a trace.
  ASSERT_TRUE(device.write_all(RawWs::frame(0x2, std::string(1000, 'x'), false)));
  const Cutoff cutoff = flood_until_closed(device, RawWs::frame(0x0, "", false), 200'000);
  std::printf("[fragment budget] %llu empty fragments sent, close code %u: %s\n",
              static_cast<unsigned long long>(cutoff.sent), cutoff.close_code, cutoff.failure_message.c_str());
  EXPECT_TRUE(cutoff.rate_limited);
  EXPECT_NE(cutoff.failure_message.find("limit tiny_fragments"), std::string::npos) << cutoff.failure_message;
  EXPECT_TRUE(cutoff.closed) << "the relay did not close an empty-fragment flood";
  EXPECT_EQ(cutoff.close_code, 1008);
  const std::string metrics = metrics_text(relay.port());
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"tiny_fragments\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"control_frames\"} 0\n"), std::string::npos) << metrics;
  EXPECT_TRUE(real_client_served(relay.port(), "after-fragments"));
  ASSERT_TRUE(relay.alive());
}

TEST(RelayFrameBudgets, PingsAndFragmentsWithinTheBudgetsKeepTheConnectionServed) {
  TempDir dir;
  RelayProcess relay(dir.file("relay"));
  relay.start();
  const auto device = TestDevice::make("polite", 1, 2);
  RawWs ws(relay.port());
  ASSERT_TRUE(register_raw(ws, device));
  // 60 pings, each answered.
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(ws.write_all(RawWs::frame(0x9, "hi")));
    auto pong = ws.read_frame();
    ASSERT_TRUE(pong) << "no pong for ping " << i;
    ASSERT_EQ(pong->opcode, 0xA);
  }
  // A request in tiny fragments, 8 bytes each: well within the fragment budget.
  const Bytes fetch = fetch_frame(5, device.address);
  const std::string whole(fetch.begin(), fetch.end());
  std::string pieces;
  for (std::size_t at = 0; at < whole.size(); at += 8) {
    const bool first = at == 0, last = at + 8 >= whole.size();
    pieces += RawWs::frame(first ? 0x2 : 0x0, whole.substr(at, 8), last);
  }
  ASSERT_TRUE(ws.write_all(pieces));
  bool bundle = false;
  while (auto reply = ws.read_frame()) {
    ASSERT_NE(reply->opcode, 0x8) << "closed with " << ws.close_code();
    Bytes bytes(reply->payload.begin(), reply->payload.end());
    auto parsed = wire::parse_relay_frame(bytes);
    if (parsed && (*parsed)->body_type() == wire::RelayBody::Bundle) {
      bundle = true;
      break;
    }
  }
  EXPECT_TRUE(bundle) << "the fragmented FetchBundle was not answered";
  const std::string metrics = metrics_text(relay.port());
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"control_frames\"} 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"tiny_fragments\"} 0\n"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace parley::relay::test
