// SPDX-License-Identifier: GPL-3.0-or-later
// Graceful drain of a real relay on SIGTERM: Sends in flight when the signal arrives are
// committed and acknowledged before the connection closes with 1001, nothing acknowledged is
// lost across the restart, /readyz says 503 while draining, and a connection that never
// finishes its close handshake is cut at drain_timeout_s so the relay still exits 0.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "raw_ws.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using namespace std::chrono_literals;
using parley::test::describe_exit;
using parley::test::RelayProcess;
using parley::test::TempDir;
using Clock = std::chrono::steady_clock;
namespace websocket = boost::beast::websocket;

constexpr int kSenders = 4;
constexpr int kSendsEach = 250;

// Message `seq` of sender `sender`: unique ids, and the payload names both.
MessageId drain_message_id(int sender, int seq) {
  MessageId id;
  id.bytes.fill(0x5a);
  id.bytes[0] = static_cast<std::uint8_t>(sender);
  id.bytes[1] = static_cast<std::uint8_t>(seq >> 8);
  id.bytes[2] = static_cast<std::uint8_t>(seq & 0xff);
  return id;
}

std::string key_of(const flatbuffers::Vector<std::uint8_t>* bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// An HTTP/1.1 keep-alive connection: the only way to reach /readyz once the listener closed.
class KeepAliveHttp {
 public:
  explicit KeepAliveHttp(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~KeepAliveHttp() {
    if (fd_ >= 0) ::close(fd_);
  }
  // GET `target`; the status code (0 if no complete answer) and the body.
  int get(const std::string& target, std::string& body) {
    if (fd_ < 0) return 0;
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return 0;
    std::string in;
    char buf[4096];
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return 0;
      in.append(buf, static_cast<std::size_t>(n));
    }
    const auto length_at = in.find("Content-Length: ");
    const std::size_t length = length_at < head_end ? std::stoul(in.substr(length_at + 16)) : 0;
    while (in.size() < head_end + 4 + length) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return 0;
      in.append(buf, static_cast<std::size_t>(n));
    }
    body = in.substr(head_end + 4, length);
    return in.compare(0, 5, "HTTP/") == 0 ? std::atoi(in.c_str() + 9) : 0;
  }

 private:
  int fd_ = -1;
};

// What one sender saw until the relay closed its connection.
struct SenderOutcome {
  std::set<std::string> acked;  // message ids answered by SendAck
  std::vector<std::string> other;  // anything but SendAck (described)
  bool closed = false;
  std::uint16_t close_code = 0;
};

SenderOutcome read_until_closed(WsClient& client, std::chrono::milliseconds timeout) {
  SenderOutcome out;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto frame = client.read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!frame) break;
    if (frame->type() == wire::RelayBody::SendAck)
      out.acked.insert(key_of(frame->frame->body_as_SendAck()->message_id()));
    else
      out.other.push_back(describe(frame));
  }
  out.closed = client.closed();
  out.close_code = client.close_reason().code;
  return out;
}

TEST(RelayDrain, SendsInFlightAtSigtermAreAcknowledgedStoredAndDeliveredAfterRestart) {
  constexpr int kDrainTimeoutS = 10;
  TempDir dir;
  RelayProcess relay(dir.file("relay"), {"--drain-timeout-s", std::to_string(kDrainTimeoutS)});
  relay.log_to(dir.file("relay.log"));
  relay.start();

  const auto bob = TestDevice::make("bob", 1, 2);
  connect_registered(relay.port(), bob).reset();  // offline: everything is queued for him
  std::vector<TestDevice> devices;
  std::vector<std::unique_ptr<WsClient>> senders;
  for (int s = 0; s < kSenders; ++s) {
    devices.push_back(TestDevice::make("sender" + std::to_string(s), 1, 2));
    senders.push_back(connect_registered(relay.port(), devices.back()));
  }
  // Open but not authenticated: it too must get the going-away close.
  WsClient unauthenticated(relay.port());

  // Every sender pipelines its Sends without waiting for answers; the relay reads them at its
  // own pace (at most max_pending_jobs storage jobs per connection), so when the first answer
  // is back most are still unread, queued for storage, or committing.
  for (int seq = 0; seq < kSendsEach; ++seq)
    for (int s = 0; s < kSenders; ++s)
      senders[s]->send(send_frame(drain_message_id(s, seq), {bob.address}, Bytes{static_cast<std::uint8_t>(s)}));
  auto first = senders[0]->read_until(wire::RelayBody::SendAck, 10s);
  ASSERT_TRUE(first) << "no SendAck before the signal: " << describe(first);
  const auto signalled = Clock::now();
  relay.send_signal(SIGTERM);

  std::vector<SenderOutcome> outcomes;
  for (auto& sender : senders) outcomes.push_back(read_until_closed(*sender, 20s));
  outcomes[0].acked.insert(key_of(first->frame->body_as_SendAck()->message_id()));
  const bool unauthenticated_closed = unauthenticated.wait_closed(20s);

  const int status = relay.wait_exit(std::chrono::seconds(kDrainTimeoutS + 10));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled);
  const std::string log = read_file(dir.file("relay.log"));
  ASSERT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "after SIGTERM the relay " << describe_exit(status) << "; log:\n" << log;
  EXPECT_LE(took, std::chrono::seconds(kDrainTimeoutS + 2)) << "the relay exited only after " << took.count() << " ms";
  // Every connection finished on its own: none was cut at the deadline.
  EXPECT_EQ(log.find("drain deadline"), std::string::npos) << log;

  std::set<std::string> acked;
  std::size_t sent = static_cast<std::size_t>(kSenders) * kSendsEach;
  for (int s = 0; s < kSenders; ++s) {
    const auto& o = outcomes[s];
    EXPECT_TRUE(o.closed) << "sender " << s << ": the relay did not close the connection";
    EXPECT_EQ(o.close_code, static_cast<std::uint16_t>(websocket::close_code::going_away))
        << "sender " << s << ": close code " << o.close_code << ", expected 1001 going away";
    for (const auto& what : o.other) ADD_FAILURE() << "sender " << s << " got " << what;
    acked.insert(o.acked.begin(), o.acked.end());
  }
  EXPECT_TRUE(unauthenticated_closed) << "the unauthenticated connection was not closed";
  EXPECT_EQ(unauthenticated.close_reason().code, static_cast<std::uint16_t>(websocket::close_code::going_away));
  std::printf("[drain] %zu of %zu sends acknowledged before the close; relay exited %lld ms after SIGTERM\n",
              acked.size(), sent, static_cast<long long>(took.count()));
  RecordProperty("acknowledged", static_cast<int>(acked.size()));

  // Restart on the same data: bob receives every acknowledged Send, and nothing that was not
  // acknowledged (a commit whose answer never went out would mean the drain cut it short).
  relay.start();
  auto receiver = connect_authenticated(relay.port(), bob);
  std::set<std::string> delivered;
  std::size_t deliveries = 0;
  // Bounded: at most every Send once plus a few; a quiet second after the last one ends it.
  while (deliveries < sent + 16) {
    auto frame = receiver->read_until(wire::RelayBody::Deliver, delivered.size() < acked.size() ? 10s : 1s);
    if (!frame) break;
    const auto* deliver = frame->frame->body_as_Deliver();
    delivered.insert(key_of(deliver->message_id()));
    ++deliveries;
    receiver->send(ack_frame({deliver->delivery_id()}));
  }
  std::size_t lost = 0;
  for (const auto& id : acked) lost += delivered.count(id) == 0;
  EXPECT_EQ(lost, 0u) << lost << " of " << acked.size() << " acknowledged Sends were not delivered after the restart";
  std::size_t unanswered = 0;
  for (const auto& id : delivered) unanswered += acked.count(id) == 0;
  EXPECT_EQ(unanswered, 0u) << unanswered << " Sends were stored but their SendAck never reached the sender";
  EXPECT_EQ(deliveries, delivered.size()) << "some messages were delivered twice";
}

TEST(RelayDrain, AConnectionThatNeverFinishesIsCutAtTheDrainTimeoutAndReadyzSays503) {
  // The close handshake would wait 60 s for the peer: only drain_timeout_s can end it sooner.
  constexpr int kDrainTimeoutS = 2;
  TempDir dir;
  RelayProcess relay(dir.file("relay"), {"--drain-timeout-s", std::to_string(kDrainTimeoutS), "--close-timeout-s", "60"});
  relay.log_to(dir.file("relay.log"));
  relay.start();

  KeepAliveHttp probe(relay.port());
  std::string body;
  ASSERT_EQ(probe.get("/readyz", body), 200) << body;
  // Upgraded, then silent: it never reads and never answers the relay's close frame.
  RawWs stuck(relay.port());
  ASSERT_TRUE(stuck.upgraded());
  ASSERT_TRUE(stuck.read_frame()) << "no Challenge";  // the session is open on the relay's side

  const auto signalled = Clock::now();
  relay.send_signal(SIGTERM);
  // The relay is held open by the stuck connection, so the probe sees the drain (bounded poll).
  int ready = 0;
  for (int i = 0; i < 100 && (ready = probe.get("/readyz", body)) == 200; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ready, 503) << "GET /readyz while draining answered " << ready << ": " << body;
  EXPECT_EQ(body, "draining\n");

  const int status = relay.wait_exit(std::chrono::seconds(kDrainTimeoutS + 10));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled);
  const std::string log = read_file(dir.file("relay.log"));
  ASSERT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the relay " << describe_exit(status) << " (" << took.count() << " ms after SIGTERM); log:\n" << log;
  EXPECT_NE(log.find("drain deadline: cutting 1 connections"), std::string::npos) << log;
  // Well before the 60 s close timeout: the drain deadline is what ended it.
  EXPECT_LT(took, 30s) << took.count() << " ms";
  std::printf("[drain] stuck connection cut; relay exited %lld ms after SIGTERM (drain_timeout_s %d)\n",
              static_cast<long long>(took.count()), kDrainTimeoutS);

  // The relay did send its close frame (1001) before it gave up waiting for the answer.
  EXPECT_TRUE(stuck.wait_closed(5s));
  EXPECT_EQ(stuck.close_code(), static_cast<std::uint16_t>(websocket::close_code::going_away));
}

}  // namespace
}  // namespace parley::relay::test
