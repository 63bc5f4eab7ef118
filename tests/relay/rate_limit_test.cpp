// SPDX-License-Identifier: GPL-3.0-or-later
// Token-bucket rate limits on a real relay: sends per device and per IP, bundle fetches per
// requester->target pair (one-time-prekey draining), prekey uploads. Each refused request gets
// a non-fatal Failure{rate_limited}, the connection stays up, and other devices (or the same
// device on another pair, or another IP) are unaffected.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "relay_errors.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;

// A Failure{rate_limited} naming `limit`, non-fatal, for the request it answers.
void expect_rate_limited(const std::optional<Frame>& frame, const std::string& limit) {
  const auto* failure = as_failure(frame);
  ASSERT_NE(failure, nullptr) << describe(frame);
  EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(kRateLimited)) << describe(frame);
  EXPECT_FALSE(failure->fatal());
  EXPECT_NE(describe(frame).find("limit " + limit), std::string::npos) << describe(frame);
  EXPECT_NE(describe(frame).find("retry in"), std::string::npos) << describe(frame);
}

std::string metrics_text(std::uint16_t port) {
  std::string body;
  EXPECT_EQ(http_get_status(port, "/metrics", &body), 200);
  return body;
}

std::unique_ptr<WsClient> register_from(std::uint16_t port, const TestDevice& device, const std::string& source) {
  auto client = std::make_unique<WsClient>(port, "/", source);
  client->send(register_frame(device, client->nonce()));
  auto frame = client->read();
  EXPECT_TRUE(frame && frame->type() == wire::RelayBody::AuthOk) << describe(frame);
  return client;
}

std::optional<Frame> send_one(WsClient& client, std::uint8_t seed, const Address& to) {
  client.send(send_frame(message_id(seed), {to}, Bytes{seed}));
  return client.read();
}

bool is_send_ack(const std::optional<Frame>& frame) { return frame && frame->type() == wire::RelayBody::SendAck; }

TEST(RelayRateLimits, SendsPerDeviceAreLimitedAndRefill) {
  TempDir data;
  // 3 at once, then one a second.
  RelayProcess relay(data.path().string(), {"--rate-send-device-burst", "3", "--rate-send-device-per-min", "60"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  auto carol = TestDevice::make("carol", 1, 2);
  connect_registered(relay.port(), bob).reset();
  auto a = connect_registered(relay.port(), alice);
  auto c = connect_registered(relay.port(), carol);

  for (std::uint8_t i = 1; i <= 3; ++i) EXPECT_TRUE(is_send_ack(send_one(*a, i, bob.address))) << int(i);
  auto refused = send_one(*a, 4, bob.address);
  expect_rate_limited(refused, "send_device");
  ASSERT_NE(as_failure(refused), nullptr);
  ASSERT_NE(as_failure(refused)->message_id(), nullptr);
  EXPECT_EQ(wire::to_message_id(as_failure(refused)->message_id())->bytes, message_id(4).bytes);

  // Another device is not affected, and alice's connection still works for other requests.
  EXPECT_TRUE(is_send_ack(send_one(*c, 50, bob.address)));
  a->send(fetch_frame(9, carol.address));
  auto bundle = a->read();
  EXPECT_TRUE(bundle && bundle->type() == wire::RelayBody::Bundle) << describe(bundle);

  // The bucket refills (one token a second): a later retry of the same message is stored.
  bool stored = false;
  for (int attempt = 0; attempt < 30 && !stored; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto retry = send_one(*a, 4, bob.address);
    stored = is_send_ack(retry);
    if (!stored) expect_rate_limited(retry, "send_device");
  }
  EXPECT_TRUE(stored);

  const std::string metrics = metrics_text(relay.port());
  EXPECT_NE(metrics.find("parley_relay_refusals_total{reason=\"rate_limited\"}"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("parley_relay_rate_limited_total{limit=\"send_device\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("parley_relay_rate_limited_total{limit=\"send_ip\"} 0"), std::string::npos) << metrics;

  // Bob gets what was stored: alice's 1..4 and carol's one, nothing refused twice.
  auto b = connect_authenticated(relay.port(), bob);
  int delivered = 0;
  while (auto frame = b->read(std::chrono::milliseconds(500))) {
    if (frame->type() == wire::RelayBody::Deliver) ++delivered;
  }
  EXPECT_EQ(delivered, 5);
}

TEST(RelayRateLimits, SendsPerIpAreLimitedAndAnotherIpIsNot) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--rate-send-ip-burst", "4", "--rate-send-ip-per-min", "1"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto carol = TestDevice::make("carol", 1, 2);
  auto dave = TestDevice::make("dave", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  auto b = connect_registered(relay.port(), bob);  // registering is not a send
  auto a = connect_registered(relay.port(), alice);
  auto c = connect_registered(relay.port(), carol);
  // Two devices on one IP share its bucket.
  EXPECT_TRUE(is_send_ack(send_one(*a, 1, bob.address)));
  EXPECT_TRUE(is_send_ack(send_one(*c, 2, bob.address)));
  EXPECT_TRUE(is_send_ack(send_one(*a, 3, bob.address)));
  EXPECT_TRUE(is_send_ack(send_one(*c, 4, bob.address)));
  auto refused = send_one(*a, 5, bob.address);
  expect_rate_limited(refused, "send_ip");
  EXPECT_NE(describe(refused).find("from this IP address"), std::string::npos);
  expect_rate_limited(send_one(*c, 6, bob.address), "send_ip");

  // A device on another IP address sends as usual.
  auto d = register_from(relay.port(), dave, "127.0.0.2");
  EXPECT_TRUE(is_send_ack(send_one(*d, 7, bob.address)));
  EXPECT_NE(metrics_text(relay.port()).find("parley_relay_rate_limited_total{limit=\"send_ip\"} 2"), std::string::npos);
}

TEST(RelayRateLimits, BundleFetchesPerPairStopPreKeyDraining) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--rate-fetch-pair-burst", "2", "--rate-fetch-pair-per-min", "1"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  auto carol = TestDevice::make("carol", 1, 5);
  connect_registered(relay.port(), bob).reset();
  auto c = connect_registered(relay.port(), carol);
  auto a = connect_registered(relay.port(), alice);

  for (std::uint32_t i = 1; i <= 2; ++i) {
    a->send(fetch_frame(i, bob.address));
    auto bundle = a->read();
    ASSERT_TRUE(bundle && bundle->type() == wire::RelayBody::Bundle) << describe(bundle);
    EXPECT_NE(bundle->frame->body_as_Bundle()->one_time_prekey(), nullptr);
  }
  a->send(fetch_frame(3, bob.address));
  auto refused = a->read();
  expect_rate_limited(refused, "fetch_pair");
  ASSERT_NE(as_failure(refused), nullptr);
  EXPECT_EQ(as_failure(refused)->request_id(), 3u);

  // alice -> carol is another pair, carol -> bob another requester: both served.
  a->send(fetch_frame(4, carol.address));
  auto other_target = a->read();
  EXPECT_TRUE(other_target && other_target->type() == wire::RelayBody::Bundle) << describe(other_target);
  c->send(fetch_frame(5, bob.address));
  auto other_requester = c->read_until(wire::RelayBody::Bundle);  // after PreKeysLow (alice took one)
  ASSERT_TRUE(other_requester && other_requester->type() == wire::RelayBody::Bundle) << describe(other_requester);
  // The refused fetch took no prekey: carol gets bob's third (ids are handed out lowest first).
  EXPECT_EQ(other_requester->frame->body_as_Bundle()->one_time_prekey()->id(), 3u);
}

TEST(RelayRateLimits, PreKeyUploadsPerDevice) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--rate-upload-device-burst", "1", "--rate-upload-device-per-min", "1"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 20);
  auto bob = TestDevice::make("bob", 1, 20);
  auto a = connect_registered(relay.port(), alice);
  auto b = connect_registered(relay.port(), bob);
  const std::vector<std::pair<std::uint32_t, Bytes>> fresh = {{100, alice.prekeys[0].public_key}};

  // The first upload is served (no answer; the fetch after it proves the order), the second refused.
  a->send(upload_frame(alice, fresh));
  a->send(fetch_frame(1, alice.address));
  auto first = a->read();
  EXPECT_TRUE(first && first->type() == wire::RelayBody::Bundle) << describe(first);
  a->send(upload_frame(alice, fresh));
  expect_rate_limited(a->read(), "upload_device");

  // Bob's bucket is his own.
  b->send(upload_frame(bob, {{100, bob.prekeys[0].public_key}}));
  b->send(fetch_frame(2, bob.address));
  auto bobs = b->read();
  EXPECT_TRUE(bobs && bobs->type() == wire::RelayBody::Bundle) << describe(bobs);
  EXPECT_NE(metrics_text(relay.port()).find("parley_relay_rate_limited_total{limit=\"upload_device\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace parley::relay::test
