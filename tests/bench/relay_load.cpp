// SPDX-License-Identifier: GPL-3.0-or-later
// parley_relay_load: a load generator for a real parley-relay process, on Boost.Beast, many
// WebSocket connections in one thread, loopback only, bounded in count and time. It starts the
// relay itself (tests/support/relay_process: --registration open, 127.0.0.1, a fresh data
// directory per scenario), registers devices with real identity keys (the relay checks every
// signature), and sends opaque 1 KiB payloads (the relay stores ciphertext only; frames are
// valid) carrying the send time, so the receiving connection measures end-to-end latency.
//
//   parley_relay_load --data DIR throughput D F [SECONDS]   deliveries/s, latency (4 senders, <= 1000 in flight)
//   parley_relay_load --data DIR light D [SECONDS]          one send in flight, F = 1
//   parley_relay_load --data DIR idle N                     relay RSS per idle connected device
//   parley_relay_load --data DIR drain MESSAGES [DEVICES]   backlog, relay restart, time to drain
//
// Prints "L <figure> <variant> <value> <unit> <note>" lines (scripts/lib/bench_report.py).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "support/relay_process.hpp"
#include "wire/frames.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace parley;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string fixed(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", x);
  return b;
}

void result(const std::string& figure, const std::string& variant, double value, const std::string& unit,
            const std::string& note = "") {
  std::printf("L\t%s\t%s\t%.3f\t%s\t%s\n", figure.c_str(), variant.c_str(), value, unit.c_str(), note.c_str());
  std::fflush(stdout);
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// CPU seconds (user + system) used so far by process `pid`.
double process_cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}
double self_cpu_s() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

struct Identity {
  Address address;
  crypto::KeyPair identity, spk;
  Bytes spk_signature;
  bool registered = false;
};

Identity make_identity(const std::string& user) {
  Identity id;
  id.address = {user, 1};
  id.identity = *crypto::generate_key_pair();
  id.spk = *crypto::generate_key_pair();
  id.spk_signature = *crypto::sign(id.identity.private_key, id.spk.public_key);
  return id;
}

struct Stats {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t delivered = 0, sent = 0, acked_sends = 0, failures = 0;
  bool record = false;
};

// One device's WebSocket connection.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(asio::io_context& io, Identity& id, Stats& stats) : ws_(io), id_(id), stats_(stats) {}

  std::function<void()> on_ready;                       // authenticated
  std::function<void(std::uint64_t delivered)> on_deliver;  // after each Deliver
  std::function<void()> on_send_ack;
  std::function<void(const std::string&)> on_error;

  void start(std::uint16_t port) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [self](beast::error_code ec) {
          if (ec) return self->fail("connect: " + ec.message());
          beast::get_lowest_layer(self->ws_).expires_never();
          self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
          self->ws_.binary(true);
          self->ws_.read_message_max(2 << 20);
          self->ws_.async_handshake("127.0.0.1", "/", [self](beast::error_code ec2) {
            if (ec2) return self->fail("handshake: " + ec2.message());
            self->do_read();
          });
        });
  }

  void send(Bytes frame) {
    if (closed_) return;
    queue_.push_back(std::move(frame));
    if (!writing_) do_write();
  }

  // A Send of `payload` to `to`.
  void send_message(const std::vector<const Address*>& to, std::size_t size) {
    flatbuffers::FlatBufferBuilder fbb(size + 256);
    Bytes payload(size, 0x5a);
    const std::int64_t t = now_ns();
    std::memcpy(payload.data(), &t, sizeof t);
    std::uint8_t mid[16];
    std::uint64_t seq = ++next_message_;
    std::memcpy(mid, &seq, 8);
    std::memcpy(mid + 8, &t, 8);
    std::vector<flatbuffers::Offset<wire::Address>> recipients;
    for (const Address* a : to) recipients.push_back(wire::make_address(fbb, *a));
    auto body = wire::CreateSend(fbb, fbb.CreateVector(mid, 16), fbb.CreateVector(recipients), fbb.CreateVector(payload));
    send(wire::finish_client_frame(fbb, wire::ClientBody::Send, body.Union()));
    ++stats_.sent;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
  }
  bool ready() const { return ready_; }

 private:
  void fail(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    if (on_error) on_error(id_.address.to_string() + ": " + why);
  }

  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("read: " + ec.message());
      self->on_frame();
      self->buffer_.consume(self->buffer_.size());
      self->do_read();
    });
  }

  void do_write() {
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.async_write(asio::buffer(current_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return self->fail("write: " + ec.message());
      if (!self->pending_acks_.empty()) self->queue_ack();
      if (!self->queue_.empty()) self->do_write();
    });
  }

  void queue_ack() {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = wire::CreateAck(fbb, fbb.CreateVector(pending_acks_));
    pending_acks_.clear();
    queue_.push_back(wire::finish_client_frame(fbb, wire::ClientBody::Ack, body.Union()));
  }

  void on_frame() {
    const auto data = buffer_.data();
    auto parsed = wire::parse_relay_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
    if (!parsed) return fail("bad relay frame: " + parsed.error().to_string());
    const wire::RelayFrame* f = *parsed;
    flatbuffers::FlatBufferBuilder fbb;
    switch (f->body_type()) {
      case wire::RelayBody::Challenge: {
        auto sig = *crypto::sign(id_.identity.private_key, wire::auth_transcript(wire::view(f->body_as_Challenge()->nonce()), id_.address));
        if (!id_.registered) {
          auto spk = wire::CreateSignedPreKey(fbb, 1, fbb.CreateVector(id_.spk.public_key), fbb.CreateVector(id_.spk_signature));
          auto body = wire::CreateRegister(fbb, wire::make_address(fbb, id_.address), 1, fbb.CreateVector(id_.identity.public_key),
                                           spk, 0, fbb.CreateVector(sig));
          send(wire::finish_client_frame(fbb, wire::ClientBody::Register, body.Union()));
        } else {
          auto body = wire::CreateAuthenticate(fbb, wire::make_address(fbb, id_.address), fbb.CreateVector(sig));
          send(wire::finish_client_frame(fbb, wire::ClientBody::Authenticate, body.Union()));
        }
        return;
      }
      case wire::RelayBody::AuthOk:
        id_.registered = true;
        ready_ = true;
        if (on_ready) on_ready();
        return;
      case wire::RelayBody::Deliver: {
        auto* d = f->body_as_Deliver();
        const ByteView p = wire::view(d->payload());
        if (stats_.record && p.size() >= 8) {
          std::int64_t t;
          std::memcpy(&t, p.data(), 8);
          stats_.latencies_ns.push_back(now_ns() - t);
        }
        ++stats_.delivered;
        pending_acks_.push_back(d->delivery_id());
        if (!writing_) {
          queue_ack();
          do_write();
        }
        if (on_deliver) on_deliver(stats_.delivered);
        return;
      }
      case wire::RelayBody::SendAck:
        ++stats_.acked_sends;
        if (on_send_ack) on_send_ack();
        return;
      case wire::RelayBody::Failure:
        ++stats_.failures;
        if (f->body_as_Failure()->fatal()) return fail("fatal Failure from the relay");
        return;
      default:
        return;
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  Identity& id_;
  Stats& stats_;
  beast::flat_buffer buffer_;
  std::deque<Bytes> queue_;
  Bytes current_;
  std::vector<std::uint64_t> pending_acks_;
  bool writing_ = false, ready_ = false, closed_ = false;
  std::uint64_t next_message_ = 0;
};

// Runs `io` until `done()` or the deadline; returns false on timeout.
bool run_until(asio::io_context& io, const std::function<bool()>& done, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io.run_for(std::chrono::milliseconds(5));
    if (io.stopped()) io.restart();
  }
  return true;
}

// Connects (and registers, the first time) every identity; at most 64 handshakes at once.
std::vector<std::shared_ptr<Conn>> connect_all(asio::io_context& io, std::uint16_t port, std::vector<Identity>& ids,
                                               Stats& stats, std::string& error) {
  std::vector<std::shared_ptr<Conn>> conns;
  std::size_t ready = 0, started = 0;
  auto on_error = [&error](const std::string& e) {
    if (error.empty()) error = e;
  };
  auto start_next = [&] {
    while (started < ids.size() && started - ready < 64) {
      auto c = std::make_shared<Conn>(io, ids[started], stats);
      c->on_ready = [&ready] { ++ready; };
      c->on_error = on_error;
      c->start(port);
      conns.push_back(c);
      ++started;
    }
  };
  const bool ok = run_until(io, [&] {
    start_next();
    return ready == ids.size() || !error.empty();
  }, 120);
  if (!ok && error.empty()) error = "timed out connecting " + std::to_string(ids.size()) + " devices";
  for (auto& c : conns) c->on_ready = nullptr;
  return conns;
}

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;  // ms
}

std::vector<std::string> relay_args() {
  // Loopback load from one IP: lift the per-IP cap (64), the mailbox cap for backlogs and the
  // rate limits (burst 0 turns one off), which exist against abuse, not against this load.
  return {"--max-connections-per-ip", "5000", "--max-mailbox", "1000000", "--rate-send-device-burst", "0",
          "--rate-send-ip-burst", "0", "--rate-fetch-ip-burst", "0", "--rate-fetch-pair-burst", "0",
          "--rate-upload-device-burst", "0", "--rate-upload-ip-burst", "0"};
}

// D receiving devices, 4 senders, fan-out F, at most `window` deliveries in flight.
int throughput(const std::string& data, std::size_t devices, std::size_t fanout, double seconds, std::size_t window,
               const std::string& figure) {
  std::filesystem::remove_all(data);
  test::RelayProcess relay(data, relay_args());
  relay.log_to(data + ".log");
  relay.start();
  asio::io_context io;
  Stats stats;
  std::vector<Identity> receivers, senders;
  for (std::size_t i = 0; i < devices; ++i) receivers.push_back(make_identity("rx" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) senders.push_back(make_identity("tx" + std::to_string(i)));
  std::string error;
  auto rx = connect_all(io, relay.port(), receivers, stats, error);
  auto tx = error.empty() ? connect_all(io, relay.port(), senders, stats, error) : decltype(rx){};
  if (!error.empty()) {
    std::fprintf(stderr, "parley_relay_load: %s\n", error.c_str());
    return 1;
  }
  for (auto& c : rx) c->on_error = [&error](const std::string& e) { if (error.empty()) error = e; };
  for (auto& c : tx) c->on_error = rx.front()->on_error;

  const std::size_t per_send = std::min(fanout, devices);
  std::size_t next_rx = 0, sender_turn = 0;
  bool sending = true;
  auto in_flight = [&] { return stats.sent * per_send - stats.delivered; };
  // At most `window` deliveries in flight (one Send when window == 1).
  auto fill = [&] {
    while (sending && in_flight() + per_send <= std::max(window, per_send)) {
      std::vector<const Address*> to;
      for (std::size_t k = 0; k < per_send; ++k) to.push_back(&receivers[(next_rx + k) % devices].address);
      next_rx = (next_rx + per_send) % devices;
      tx[sender_turn++ % tx.size()]->send_message(to, 1024);
    }
  };
  for (auto& c : rx) c->on_deliver = [&](std::uint64_t) { fill(); };
  // Warm-up (0.5 s), then the measured interval.
  stats.record = false;
  fill();
  run_until(io, [&] { return !error.empty(); }, 0.5);
  const std::uint64_t d0 = stats.delivered;
  const auto t0 = Clock::now();
  const double relay_cpu0 = process_cpu_s(relay.pid()), self_cpu0 = self_cpu_s();
  stats.record = true;
  run_until(io, [&] { return !error.empty(); }, seconds);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const double relay_cpu = process_cpu_s(relay.pid()) - relay_cpu0, self_cpu = self_cpu_s() - self_cpu0;
  const std::uint64_t delivered = stats.delivered - d0;
  sending = false;
  stats.record = false;
  run_until(io, [&] { return in_flight() == 0 || !error.empty(); }, 20);
  const long rss = rss_kib(relay.pid());
  for (auto& c : rx) c->close();
  for (auto& c : tx) c->close();
  io.run_for(std::chrono::milliseconds(50));
  if (!error.empty()) {
    std::fprintf(stderr, "parley_relay_load: %s\n", error.c_str());
    return 1;
  }
  const std::string v = "D=" + std::to_string(devices) + ",F=" + std::to_string(fanout);
  result(figure + "_deliveries_per_s", v, static_cast<double>(delivered) / elapsed, "1/s",
         std::to_string(delivered) + " deliveries in " + fixed(elapsed) + " s, " + std::to_string(stats.failures) +
             " failures; relay CPU " + fixed(100 * relay_cpu / elapsed) + "%, load tool CPU " + fixed(100 * self_cpu / elapsed) + "%");
  result(figure + "_relay_cpu_us_per_delivery", v, delivered ? relay_cpu * 1e6 / static_cast<double>(delivered) : 0, "us");
  result(figure + "_p50_ms", v, percentile(stats.latencies_ns, 0.50), "ms");
  result(figure + "_p99_ms", v, percentile(stats.latencies_ns, 0.99), "ms");
  result(figure + "_p999_ms", v, percentile(stats.latencies_ns, 0.999), "ms");
  result(figure + "_relay_rss_kib", v, static_cast<double>(rss), "KiB");
  return 0;
}

int idle(const std::string& data, std::size_t devices) {
  std::filesystem::remove_all(data);
  test::RelayProcess relay(data, relay_args());
  relay.log_to(data + ".log");
  relay.start();
  asio::io_context io;
  Stats stats;
  std::vector<Identity> ids;
  for (std::size_t i = 0; i < devices; ++i) ids.push_back(make_identity("idle" + std::to_string(i)));
  // Register everyone once, disconnect, restart the relay: the idle figure then holds only
  // connections (not the registration work's allocations).
  std::string error;
  auto first = connect_all(io, relay.port(), ids, stats, error);
  for (auto& c : first) c->close();
  io.run_for(std::chrono::milliseconds(200));
  first.clear();
  relay.restart();
  run_until(io, [] { return false; }, 0.5);
  const long before = rss_kib(relay.pid());
  auto conns = connect_all(io, relay.port(), ids, stats, error);
  run_until(io, [] { return false; }, 1.0);
  const long after = rss_kib(relay.pid());
  for (auto& c : conns) c->close();
  io.run_for(std::chrono::milliseconds(50));
  if (!error.empty()) {
    std::fprintf(stderr, "parley_relay_load: %s\n", error.c_str());
    return 1;
  }
  result("relay_idle_kib_per_device", "N=" + std::to_string(devices), static_cast<double>(after - before) / static_cast<double>(devices),
         "KiB", "relay VmRSS " + std::to_string(before) + " -> " + std::to_string(after) + " KiB");
  return 0;
}

int drain(const std::string& data, std::size_t messages, std::size_t devices) {
  std::filesystem::remove_all(data);
  test::RelayProcess relay(data, relay_args());
  relay.log_to(data + ".log");
  relay.start();
  asio::io_context io;
  Stats stats;
  std::vector<Identity> receivers, senders;
  for (std::size_t i = 0; i < devices; ++i) receivers.push_back(make_identity("bx" + std::to_string(i)));
  for (int i = 0; i < 4; ++i) senders.push_back(make_identity("tx" + std::to_string(i)));
  std::string error;
  auto rx = connect_all(io, relay.port(), receivers, stats, error);
  for (auto& c : rx) c->close();  // registered, now offline
  io.run_for(std::chrono::milliseconds(100));
  rx.clear();
  auto tx = connect_all(io, relay.port(), senders, stats, error);
  // Fill: 4 senders, at most 1000 sends awaiting their SendAck.
  std::size_t issued = 0, turn = 0;
  auto fill = [&] {
    while (issued < messages && issued - stats.acked_sends < 1000) {
      tx[turn++ % tx.size()]->send_message({&receivers[issued % devices].address}, 1024);
      ++issued;
    }
  };
  for (auto& c : tx) c->on_send_ack = fill;
  const auto f0 = Clock::now();
  fill();
  if (!run_until(io, [&] { return stats.acked_sends == messages || !error.empty(); }, 600)) error = "fill timed out";
  const double fill_s = std::chrono::duration<double>(Clock::now() - f0).count();
  for (auto& c : tx) c->close();
  io.run_for(std::chrono::milliseconds(100));
  if (error.empty()) {
    relay.restart();
    const auto t0 = Clock::now();
    stats.delivered = 0;
    auto again = connect_all(io, relay.port(), receivers, stats, error);
    if (!run_until(io, [&] { return stats.delivered >= messages || !error.empty(); }, 900)) error = "drain timed out";
    const double drain_s = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& c : again) c->close();
    io.run_for(std::chrono::milliseconds(50));
    if (error.empty()) {
      const std::string v = std::to_string(messages) + " msgs/" + std::to_string(devices) + " devices";
      result("relay_backlog_fill_s", v, fill_s, "s", std::to_string(static_cast<long>(messages / fill_s)) + " durable sends/s");
      result("relay_backlog_drain_s", v, drain_s, "s",
             "restart to last delivery, " + std::to_string(static_cast<long>(messages / drain_s)) + " deliveries/s");
    }
  }
  if (!error.empty()) {
    std::fprintf(stderr, "parley_relay_load: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string data = (std::filesystem::temp_directory_path() / "parley-relay-load").string();
  if (args.size() >= 2 && args[0] == "--data") {
    data = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  auto num = [&](std::size_t i, double dflt) { return args.size() > i ? std::stod(args[i]) : dflt; };
  try {
    if (args.size() >= 3 && args[0] == "throughput")
      return throughput(data, static_cast<std::size_t>(num(1, 0)), static_cast<std::size_t>(num(2, 0)), num(3, 5), 1000, "relay");
    if (args.size() >= 2 && args[0] == "light")
      return throughput(data, static_cast<std::size_t>(num(1, 0)), 1, num(2, 5), 1, "relay_light");
    if (args.size() >= 2 && args[0] == "idle") return idle(data, static_cast<std::size_t>(num(1, 0)));
    if (args.size() >= 2 && args[0] == "drain")
      return drain(data, static_cast<std::size_t>(num(1, 0)), static_cast<std::size_t>(num(2, 10)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley_relay_load: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: parley_relay_load [--data DIR] throughput D F [S] | light D [S] | idle N | drain MESSAGES [DEVICES]\n");
  return 2;
}
