// SPDX-License-Identifier: GPL-3.0-or-later
// Who may use a real relay: registration by invite token (minted with `parley-relay admin`),
// the pre-authentication deadline, connection caps, and the admin commands that remove a
// device or purge its mailbox.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "invites.hpp"
#include "raw_ws.hpp"
#include "sqlite_storage.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::run_relay_command;
using parley::test::TempDir;

// Runs `parley-relay admin ARGS --data DIR`; returns stdout+stderr, expecting exit code `status`.
std::string admin(const std::string& data, const std::string& args, int status = 0) {
  auto run = run_relay_command("admin " + args + " --data " + data);
  EXPECT_EQ(run.status, status) << args << ": " << run.output;
  return run.output;
}

std::string mint(const std::string& data, const std::string& args = "") {
  const std::string output = admin(data, "mint-invite " + args);
  const auto at = output.find("pinv_");
  EXPECT_NE(at, std::string::npos) << output;
  return at == std::string::npos ? "" : output.substr(at, 5 + 64);
}

// Registers `device` with `token` on a new connection; returns the connection after the answer.
std::unique_ptr<WsClient> register_with(std::uint16_t port, const TestDevice& device, const std::string& token) {
  auto client = std::make_unique<WsClient>(port);
  client->send(register_frame(device, client->nonce(), 0, std::nullopt, token));
  return client;
}

void expect_auth_ok(WsClient& client) {
  auto frame = client.read();
  EXPECT_TRUE(frame && frame->type() == wire::RelayBody::AuthOk) << describe(frame);
}

void expect_refused(WsClient& client, Errc code, const std::string& why) {
  auto frame = client.read();
  const auto* failure = as_failure(frame);
  ASSERT_NE(failure, nullptr) << describe(frame);
  EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(code)) << describe(frame);
  EXPECT_NE(describe(frame).find(why), std::string::npos) << describe(frame);
  EXPECT_TRUE(client.wait_closed());
}

class Invites : public ::testing::Test {
 protected:
  void SetUp() override { relay.start(); }
  TempDir dir;
  std::string data = dir.file("relay");
  RelayProcess relay{data, {"--registration", "invite"}};
};

TEST_F(Invites, RegistrationWithoutATokenIsRefused) {
  auto alice = TestDevice::make("alice", 1, 2);
  auto client = register_with(relay.port(), alice, "");
  expect_refused(*client, Errc::invite_required, "invite token");
}

TEST_F(Invites, SingleUseTokenRegistersOneDeviceAndIsThenUsedUp) {
  const std::string token = mint(data);
  auto alice = TestDevice::make("alice", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  auto a = register_with(relay.port(), alice, token);
  expect_auth_ok(*a);
  auto b = register_with(relay.port(), bob, token);
  expect_refused(*b, Errc::invite_invalid, "used up");

  // alice registering again (her AuthOk might have been lost) needs no token.
  a.reset();
  auto again = register_with(relay.port(), alice, "");
  expect_auth_ok(*again);
  EXPECT_NE(admin(data, "stats").find("devices 1\n"), std::string::npos);
}

TEST_F(Invites, TokenWithSeveralUses) {
  const std::string token = mint(data, "--uses 2");
  auto a = register_with(relay.port(), TestDevice::make("a", 1, 2), token);
  expect_auth_ok(*a);
  auto b = register_with(relay.port(), TestDevice::make("b", 1, 2), token);
  expect_auth_ok(*b);
  auto c = register_with(relay.port(), TestDevice::make("c", 1, 2), token);
  expect_refused(*c, Errc::invite_invalid, "used up");
}

TEST_F(Invites, ExpiredUnknownAndRevokedTokensAreRefused) {
  // An invite that expired a minute ago, written by the storage layer the admin command uses.
  const std::string expired = "pinv_" + std::string(64, 'e');
  {
    auto storage = SqliteStorage::open(data, StoreKey::none(), {});
    ASSERT_TRUE(storage.ok()) << storage.error().to_string();
    const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    ASSERT_TRUE(storage->mint_invite(invite_token_hash(expired), 5, now - 60000, now - 120000).ok());
  }
  auto a = register_with(relay.port(), TestDevice::make("a", 1, 2), expired);
  expect_refused(*a, Errc::invite_invalid, "expired");

  auto b = register_with(relay.port(), TestDevice::make("b", 1, 2), "pinv_" + std::string(64, '0'));
  expect_refused(*b, Errc::invite_invalid, "unknown");

  const std::string revoked = mint(data);
  EXPECT_NE(admin(data, "revoke-invite " + revoked).find("revoked"), std::string::npos);
  admin(data, "revoke-invite " + revoked, 1);
  auto c = register_with(relay.port(), TestDevice::make("c", 1, 2), revoked);
  expect_refused(*c, Errc::invite_invalid, "unknown");
  // The relay is unaffected: a good token still works.
  auto d = register_with(relay.port(), TestDevice::make("d", 1, 2), mint(data));
  expect_auth_ok(*d);
}

TEST(RelayAdmin, RemoveDeviceFreesItsAddressAndPurgeEmptiesAMailbox) {
  TempDir dir;
  const std::string data = dir.file("relay");
  RelayProcess relay(data);
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  ASSERT_TRUE(queue_for_offline(relay.port(), alice, bob, 2));
  EXPECT_NE(admin(data, "stats").find("queued_deliveries 2\n"), std::string::npos);
  EXPECT_NE(admin(data, "purge-mailbox bob.1").find("purged 2"), std::string::npos);
  EXPECT_NE(admin(data, "stats").find("queued_deliveries 0\nactive_invites 0\n"), std::string::npos);

  // Another key cannot take bob.1 ...
  auto impostor = TestDevice::make("bob", 1, 2);
  auto refused = register_with(relay.port(), impostor, "");
  expect_refused(*refused, Errc::device_exists, "another identity key");
  // ... until an admin removes the device.
  EXPECT_NE(admin(data, "remove-device bob.1").find("removed bob.1"), std::string::npos);
  admin(data, "remove-device bob.1", 1);
  auto taken = register_with(relay.port(), impostor, "");
  expect_auth_ok(*taken);

  // Bad input: a clear error, no crash, no new database.
  EXPECT_NE(admin(data, "remove-device bob", 2).find("USER.DEVICE"), std::string::npos);
  EXPECT_NE(admin(dir.file("nothing-here"), "stats", 2).find("no relay database"), std::string::npos);
}

TEST(RelayAdmission, UnauthenticatedConnectionsAreClosedAtTheDeadline) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--auth-timeout-s", "1"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  WsClient idle(relay.port());
  auto a = connect_registered(relay.port(), alice);
  auto frame = idle.read(std::chrono::seconds(10));
  const auto* failure = as_failure(frame);
  ASSERT_NE(failure, nullptr) << describe(frame);
  EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(Errc::timeout));
  EXPECT_TRUE(idle.wait_closed());
  // The authenticated connection stays and answers.
  a->send(fetch_frame(5, alice.address));
  EXPECT_TRUE(a->read_until(wire::RelayBody::Bundle));
}

// Waits until the relay accepts connections again (a closed connection's slot is given back
// when the relay notices the close).
bool http_answers(std::uint16_t port) {
  for (int i = 0; i < 250; ++i) {
    if (http_get_status(port, "/healthz") == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(RelayAdmission, ConnectionsOverThePerIpCapAreClosedAtOnce) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--max-connections-per-ip", "2"});
  relay.start();
  auto first = std::make_unique<WsClient>(relay.port());
  auto second = std::make_unique<WsClient>(relay.port());
  EXPECT_THROW(WsClient third(relay.port()), std::runtime_error);
  EXPECT_EQ(http_get_status(relay.port(), "/healthz"), 0);
  // The two admitted connections still work.
  auto alice = TestDevice::make("alice", 1, 2);
  first->send(register_frame(alice, first->nonce()));
  expect_auth_ok(*first);

  second.reset();
  ASSERT_TRUE(http_answers(relay.port()));
  std::string metrics;
  first.reset();
  ASSERT_TRUE(http_answers(relay.port()));
  ASSERT_EQ(http_get_status(relay.port(), "/metrics", &metrics), 200);
  EXPECT_EQ(metrics.find("parley_relay_connections_refused_total{cap=\"per_ip\"} 0"), std::string::npos) << metrics;
}

TEST(RelayAdmission, ConnectionsOverTheGlobalCapAreClosedAtOnce) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--max-connections", "1"});
  relay.start();
  auto first = std::make_unique<WsClient>(relay.port());
  EXPECT_THROW(WsClient second(relay.port()), std::runtime_error);
  first.reset();
  ASSERT_TRUE(http_answers(relay.port()));
  WsClient again(relay.port());
  EXPECT_FALSE(again.nonce().empty());
}

TEST(RelayAdmission, TwoThousandIdleSocketsAreClosedAtTheDeadlineAndARealClientStillConnects) {
  constexpr int kIdle = 2000;
  TempDir data;
  RelayProcess relay(data.path().string(),
                     {"--http-read-timeout-s", "2", "--max-connections-per-ip", "5000", "--auth-timeout-s", "2"});
  relay.start();
  std::vector<int> idle;
  for (int i = 0; i < kIdle; ++i) {
    const int fd = connect_loopback(relay.port());  // a TCP connection that never sends a byte
    ASSERT_GE(fd, 0) << "connect #" << i;
    idle.push_back(fd);
  }
  auto alice = TestDevice::make("alice", 1, 2);
  auto client = connect_registered(relay.port(), alice);
  ASSERT_TRUE(client);

  // Every idle socket ends (EOF or reset) within a bounded wait.
  int closed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::vector<pollfd> polls;
  for (int fd : idle) polls.push_back({fd, POLLIN, 0});
  while (closed < kIdle && std::chrono::steady_clock::now() < deadline) {
    if (::poll(polls.data(), polls.size(), 200) <= 0) continue;
    for (auto& p : polls) {
      if (p.fd < 0 || p.revents == 0) continue;
      char byte;
      if (::recv(p.fd, &byte, 1, MSG_DONTWAIT) <= 0) {
        ::close(p.fd);
        p.fd = -1;
        ++closed;
      }
      p.revents = 0;
    }
  }
  for (auto& p : polls)
    if (p.fd >= 0) ::close(p.fd);
  EXPECT_EQ(closed, kIdle);
  // The authenticated client was not affected.
  client->send(fetch_frame(3, alice.address));
  EXPECT_TRUE(client->read_until(wire::RelayBody::Bundle));
  EXPECT_TRUE(relay.running());
}

}  // namespace
}  // namespace parley::relay::test
