// SPDX-License-Identifier: GPL-3.0-or-later
// What an operator sees of a real relay: /healthz, /readyz, Prometheus /metrics that move with
// traffic, and JSON-line logs. Neither the log nor the metrics may hold anything a device sent:
// a canary in device names and payloads must appear in neither.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;

constexpr std::string_view kCanary = "CANARY7f3a9c";

// Every sample line of a Prometheus text exposition: "name{labels}" -> value.
std::map<std::string, double> scrape(std::uint16_t port) {
  std::string body;
  EXPECT_EQ(http_get_status(port, "/metrics", &body), 200);
  std::map<std::string, double> samples;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class RelayObservability : public ::testing::Test {
 protected:
  void SetUp() override {
    relay.log_to(dir.file("relay.log"));
    relay.start();
  }
  TempDir dir;
  TempDir data;
  RelayProcess relay{data.path().string(), {"--max-recipients", "2"}};
};

TEST_F(RelayObservability, HealthAndReadiness) {
  std::string body;
  EXPECT_EQ(http_get_status(relay.port(), "/healthz", &body), 200);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ(http_get_status(relay.port(), "/readyz", &body), 200);
  EXPECT_EQ(body, "ready\n");
}

TEST_F(RelayObservability, MetricsFollowTrafficAndNothingLeaksACanary) {
  const auto before = scrape(relay.port());
  EXPECT_EQ(before.at("parley_relay_sends_total"), 0);
  EXPECT_EQ(before.at("parley_relay_connections{state=\"websocket_authenticated\"}"), 0);

  const std::string canary(kCanary);
  auto alice = TestDevice::make("alice" + canary, 1, 3);
  auto bob = TestDevice::make("bob" + canary, 7, 3);
  auto a = connect_registered(relay.port(), alice);
  auto b = connect_registered(relay.port(), bob);
  ASSERT_TRUE(a && b);

  const std::string text = "payload " + canary + " payload";
  const Bytes payload(text.begin(), text.end());
  a->send(send_frame(message_id(1), {bob.address}, payload));
  ASSERT_TRUE(a->read_until(wire::RelayBody::SendAck));
  auto delivered = b->read_until(wire::RelayBody::Deliver);
  ASSERT_TRUE(delivered);
  const auto delivery_id = delivered->frame->body_as_Deliver()->delivery_id();
  b->send(ack_frame({delivery_id}));
  // A fetch for a bundle of an unknown device: refused with unknown_device. Frames of one
  // connection are handled in order, so the answer also means the ack was counted.
  b->send(fetch_frame(9, {"nobody" + canary, 1}));
  ASSERT_TRUE(b->read_until(wire::RelayBody::Failure));
  // Three recipients where two are allowed: refused with limit_exceeded.
  a->send(send_frame(message_id(2), {bob.address, alice.address, {"carol" + canary, 1}}, payload));
  ASSERT_TRUE(a->read_until(wire::RelayBody::Failure));

  auto after = scrape(relay.port());
  EXPECT_EQ(after.at("parley_relay_connections{state=\"websocket_authenticated\"}"), 2);
  EXPECT_EQ(after.at("parley_relay_sends_total"), 1);
  EXPECT_EQ(after.at("parley_relay_deliveries_total"), 1);
  EXPECT_EQ(after.at("parley_relay_acks_total"), 1);
  EXPECT_EQ(after.at("parley_relay_refusals_total{reason=\"limit_exceeded\"}"), 1);
  EXPECT_EQ(after.at("parley_relay_refusals_total{reason=\"unknown_device\"}"), 1);
  EXPECT_GE(after.at("parley_relay_frames_in_total"), 6);
  EXPECT_GT(after.at("parley_relay_bytes_in_total"), before.at("parley_relay_bytes_in_total") + payload.size());
  EXPECT_GT(after.at("parley_relay_frames_out_total"), before.at("parley_relay_frames_out_total"));
  EXPECT_GT(after.at("parley_relay_storage_commit_seconds_count"), 0);
  EXPECT_GT(after.at("parley_relay_storage_batch_requests_count"), 0);
  EXPECT_EQ(after.at("parley_relay_storage_batch_requests_bucket{le=\"+Inf\"}"),
            after.at("parley_relay_storage_batch_requests_count"));

  a.reset();
  b.reset();
  relay.stop();

  std::string metrics_text;
  relay.start();
  ASSERT_EQ(http_get_status(relay.port(), "/metrics", &metrics_text), 200);
  const std::string log = read_file(dir.file("relay.log"));
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.find(canary), std::string::npos) << log;
  EXPECT_EQ(metrics_text.find(canary), std::string::npos);
  EXPECT_EQ(log.find("alice"), std::string::npos) << "device names stay out of the log";
  // One JSON object per line.
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
}

TEST_F(RelayObservability, MailboxDepthHistogramCountsQueuedMail) {
  auto alice = TestDevice::make("alice", 1, 3);
  auto bob = TestDevice::make("bob", 1, 3);
  ASSERT_TRUE(queue_for_offline(relay.port(), alice, bob, 3));
  // The scan runs at start and then periodically; a restart scans at once.
  relay.restart();
  std::map<std::string, double> samples;
  for (int i = 0; i < 200; ++i) {
    samples = scrape(relay.port());
    if (samples["parley_relay_mailbox_depth_count"] >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(samples["parley_relay_mailbox_depth_count"], 1);
  EXPECT_EQ(samples["parley_relay_mailbox_depth_sum"], 3);
  EXPECT_EQ(samples["parley_relay_mailbox_depth_bucket{le=\"1\"}"], 0);
  EXPECT_EQ(samples["parley_relay_mailbox_depth_bucket{le=\"10\"}"], 1);
}

TEST(RelayRetention, QueuedMessagesExpireAndFreeTheirMailboxPlaces) {
  TempDir data;
  RelayProcess relay(data.path().string(),
                     {"--message-ttl-s", "1", "--prune-interval-s", "1", "--max-mailbox", "2"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 3);
  auto bob = TestDevice::make("bob", 1, 3);
  auto a = queue_for_offline(relay.port(), alice, bob, 2);
  ASSERT_TRUE(a);
  // Full: a third is refused.
  a->send(send_frame(message_id(3), {bob.address}, Bytes{3}));
  ASSERT_TRUE(a->read_until(wire::RelayBody::Failure));

  double expired = 0;
  for (int i = 0; i < 750 && expired < 2; ++i) {
    const auto samples = scrape(relay.port());
    expired = samples.count("parley_relay_messages_expired_total") ? samples.at("parley_relay_messages_expired_total") : 0;
    if (expired < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(expired, 2);
  // The places are free again: two new messages fit, and only they are delivered (bob is
  // online first, so the new ones cannot expire before he has them).
  auto b = connect_registered(relay.port(), bob);
  for (std::uint8_t i = 4; i <= 5; ++i) {
    a->send(send_frame(message_id(i), {bob.address}, Bytes{i}));
    auto ack = a->read_until(wire::RelayBody::SendAck);
    ASSERT_TRUE(ack);
    const auto* refused = ack->frame->body_as_SendAck()->refused();
    EXPECT_TRUE(refused == nullptr || refused->size() == 0);
  }
  auto first = b->read_until(wire::RelayBody::Deliver);
  ASSERT_TRUE(first);
  const auto* deliver = first->frame->body_as_Deliver();
  EXPECT_EQ(Bytes(deliver->payload()->begin(), deliver->payload()->end()), Bytes{4});
}

TEST_F(RelayObservability, SigtermClosesConnectionsGoingAwayAndExitsZeroLosingNothing) {
  auto alice = TestDevice::make("alice", 1, 3);
  auto bob = TestDevice::make("bob", 1, 3);
  auto a = queue_for_offline(relay.port(), alice, bob, 1);
  ASSERT_TRUE(a);

  const int status = relay.stop();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(a->wait_closed());
  EXPECT_EQ(a->close_reason().code, static_cast<std::uint16_t>(boost::beast::websocket::close_code::going_away));

  relay.start();
  auto b = connect_registered(relay.port(), bob);
  auto delivered = b->read_until(wire::RelayBody::Deliver);
  ASSERT_TRUE(delivered);
  const auto* deliver = delivered->frame->body_as_Deliver();
  EXPECT_EQ(Bytes(deliver->payload()->begin(), deliver->payload()->end()), Bytes{1});
}

}  // namespace
}  // namespace parley::relay::test
