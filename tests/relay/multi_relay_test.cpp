// SPDX-License-Identifier: GPL-3.0-or-later
// Two relay processes on one PostgreSQL (started by the test, skipped where it cannot be):
// devices on different relays exchange messages; one relay is killed and its device moves to
// the other without losing anything, and the only repeats are the deliveries it had not acked.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <functional>
#include <random>
#include <set>
#include <map>
#include <thread>

#include "pg_server.hpp"
#include "pg_storage.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using namespace std::chrono_literals;
using parley::test::RelayProcess;
using parley::test::TempDir;

class MultiRelay : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    pg_ = PgServer::start(why);
    if (!pg_) GTEST_SKIP() << "no PostgreSQL for the two-relay test: " << why;
    ASSERT_TRUE(pg_->create_database("relays"));
  }

  std::unique_ptr<RelayProcess> relay(const std::string& name, const std::string& poll_ms, bool notify = true) {
    std::vector<std::string> args{"--storage", "postgres", "--postgres-url", pg_->url("relays"), "--postgres-poll-ms",
                                  poll_ms};
    if (!notify) args.push_back("--postgres-notify=false");
    auto r = std::make_unique<RelayProcess>(dir_.file(name), std::move(args));
    r->log_to(dir_.file(name + ".log"));
    r->start();
    return r;
  }

  // Sends messages `first`..`first+count-1` (payload: the number) and waits for every SendAck.
  static void send(WsClient& from, const TestDevice& to, int first, int count) {
    for (int i = first; i < first + count; ++i)
      from.send(send_frame(message_id(static_cast<std::uint8_t>(i)), {to.address}, Bytes(1, static_cast<std::uint8_t>(i))));
    for (int i = 0; i < count; ++i) {
      auto ack = from.read_until(wire::RelayBody::SendAck, 10s);
      ASSERT_TRUE(ack) << "no SendAck for message " << first + i;
    }
  }

  // Reads Deliver frames until `count` arrived (or `quiet` passes without one); acks those
  // `ack` says.
  static std::vector<int> receive(WsClient& at, int count, const std::function<bool(int)>& ack,
                                  std::chrono::milliseconds quiet = 10s) {
    std::vector<int> got;
    while (static_cast<int>(got.size()) < count) {
      auto frame = at.read_until(wire::RelayBody::Deliver, quiet);
      if (!frame) break;
      const auto* d = frame->frame->body_as_Deliver();
      const int n = d->payload()->size() == 1 ? d->payload()->Get(0) : -1;
      got.push_back(n);
      if (ack(n)) at.send(ack_frame({d->delivery_id()}));
    }
    return got;
  }

  // Waits (up to 10 s) until bob's queue in the shared database holds `rows`: acks sent over
  // the socket are confirmed by nothing else.
  bool queued_for_bob(std::uint32_t rows) {
    auto storage = PgStorage::open(pg_->url("relays"));
    if (!storage.ok()) return false;
    for (int i = 0; i < 100; ++i) {
      auto size = (*storage)->mailbox_size(Address{"bob", 1});
      if (size.ok() && *size == rows) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<PgServer> pg_;
};

// Bob's relay polls only once a minute: mail stored through the other relay reaches him in
// seconds only because the commit's NOTIFY woke his relay.
TEST_F(MultiRelay, NotifyWakesTheRelayHoldingTheRecipient) {
  auto r1 = relay("r1", "60000");
  auto r2 = relay("r2", "60000");
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  auto a = connect_registered(r1->port(), alice);
  auto b = connect_registered(r2->port(), bob);
  send(*a, bob, 0, 10);
  auto got = receive(*b, 10, [](int) { return true; });
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  send(*b, alice, 100, 3);
  EXPECT_EQ(receive(*a, 3, [](int) { return true; }), (std::vector<int>{100, 101, 102}));
}

// Without NOTIFY (postgres_notify = false, as on databases that lack it) the poll alone
// carries mail between relays.
TEST_F(MultiRelay, ThePollAloneDeliversWithoutNotify) {
  auto r1 = relay("r1", "200", false);
  auto r2 = relay("r2", "200", false);
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  auto a = connect_registered(r1->port(), alice);
  auto b = connect_registered(r2->port(), bob);
  send(*a, bob, 0, 5);
  EXPECT_EQ(receive(*b, 5, [](int) { return true; }), (std::vector<int>{0, 1, 2, 3, 4}));
  send(*b, alice, 50, 2);
  EXPECT_EQ(receive(*a, 2, [](int) { return true; }), (std::vector<int>{50, 51}));
}

TEST_F(MultiRelay, AKilledRelaysDevicesMoveToTheOtherAndNothingIsLost) {
  auto r1 = relay("r1", "300");
  auto r2 = relay("r2", "300");
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  auto a = connect_registered(r1->port(), alice);
  auto b = connect_registered(r2->port(), bob);

  std::map<int, int> deliveries;  // message -> times delivered to bob
  auto count = [&](const std::vector<int>& got) {
    for (int n : got) ++deliveries[n];
  };
  // 0..19 delivered and acked; 20..29 delivered, 20..24 acked and 25..29 not.
  send(*a, bob, 0, 20);
  count(receive(*b, 20, [](int) { return true; }));
  send(*a, bob, 20, 10);
  count(receive(*b, 10, [](int n) { return n < 25; }));
  ASSERT_TRUE(queued_for_bob(5)) << "the acks of 20..24 did not commit";
  r2->kill_hard();
  b.reset();
  // Sent while bob has no connection anywhere.
  send(*a, bob, 30, 10);
  // Bob comes back through the surviving relay.
  auto b2 = connect_authenticated(r1->port(), bob);
  count(receive(*b2, 15, [](int) { return true; }));
  // Sent while bob is on the same relay as alice.
  send(*a, bob, 40, 5);
  count(receive(*b2, 5, [](int) { return true; }));
  EXPECT_FALSE(b2->read_until(wire::RelayBody::Deliver, 1500ms)) << "a delivery beyond the expected ones";

  for (int n = 0; n < 45; ++n) {
    const int expected = (n >= 25 && n < 30) ? 2 : 1;  // unacked at the crash: once more, no more
    EXPECT_EQ(deliveries[n], expected) << "message " << n;
  }
  EXPECT_EQ(deliveries.size(), 45u) << "a message that was never sent";
  // Every acked row is gone from the shared database.
  EXPECT_TRUE(queued_for_bob(0));
  auto storage = PgStorage::open(pg_->url("relays"));
  ASSERT_TRUE(storage.ok()) << storage.error().to_string();
  auto stats = (*storage)->stats(0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->mailbox_rows, 0u);
  EXPECT_EQ(stats->messages, 0u);
}

// Six rounds: alice sends through one relay, bob reads through the other, and alice's relay is
// killed with SIGKILL after a random number of her SendAcks (so some Sends are committed but
// never acknowledged) and restarted. Alice resends everything not yet acknowledged, with the
// same ids, as a device does; bob keeps what he has not seen before, as a device does. In the
// end every message was acknowledged to alice, bob holds each exactly once, and nothing is left
// queued. The seed is fixed: a failure repeats.
TEST_F(MultiRelay, RelaysKilledWhileADeviceSendsLoseNothing) {
  std::array<std::unique_ptr<RelayProcess>, 2> relays{relay("r1", "300"), relay("r2", "300")};
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  connect_registered(relays[0]->port(), alice);
  connect_registered(relays[1]->port(), bob);
  std::mt19937 random(12);
  constexpr int kRounds = 6, kPerRound = 10;
  std::set<int> unacked, acked, received;
  int next = 0, kills = 0, duplicate_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    RelayProcess& mine = *relays[round % 2];
    auto a = connect_authenticated(mine.port(), alice);
    auto b = connect_authenticated(relays[(round + 1) % 2]->port(), bob);
    ASSERT_TRUE(a && b);
    for (int i = 0; i < kPerRound; ++i) unacked.insert(next++);
    for (int n : unacked) a->send(send_frame(message_id(static_cast<std::uint8_t>(n)), {bob.address}, Bytes(1, static_cast<std::uint8_t>(n))));
    const int before_kill = static_cast<int>(random() % unacked.size());
    for (int i = 0; i < before_kill; ++i) {
      auto ack = a->read_until(wire::RelayBody::SendAck, 10s);
      ASSERT_TRUE(ack) << "round " << round;
      const auto* id = ack->frame->body_as_SendAck()->message_id();
      const int n = id->Get(0);  // message_id(seed) starts with the seed
      duplicate_acks += ack->frame->body_as_SendAck()->duplicate() ? 1 : 0;
      unacked.erase(n);
      acked.insert(n);
    }
    mine.kill_hard();
    ++kills;
    a.reset();
    // Bob takes whatever reached the database, acking as he goes.
    for (int n : receive(*b, 1000, [](int) { return true; }, 1500ms)) received.insert(n);
    mine.start();
  }
  // A last round without kills: everything still unacknowledged is sent again.
  auto a = connect_authenticated(relays[0]->port(), alice);
  auto b = connect_authenticated(relays[1]->port(), bob);
  for (int n : unacked) a->send(send_frame(message_id(static_cast<std::uint8_t>(n)), {bob.address}, Bytes(1, static_cast<std::uint8_t>(n))));
  while (!unacked.empty()) {
    auto ack = a->read_until(wire::RelayBody::SendAck, 10s);
    ASSERT_TRUE(ack) << unacked.size() << " Sends never acknowledged";
    const int n = ack->frame->body_as_SendAck()->message_id()->Get(0);
    duplicate_acks += ack->frame->body_as_SendAck()->duplicate() ? 1 : 0;
    unacked.erase(n);
    acked.insert(n);
  }
  for (int n : receive(*b, 1000, [](int) { return true; }, 1500ms)) received.insert(n);
  EXPECT_EQ(static_cast<int>(acked.size()), next);
  EXPECT_EQ(received, acked) << "lost or invented messages";
  EXPECT_TRUE(queued_for_bob(0));
  RecordProperty("kills", kills);
  RecordProperty("duplicate_send_acks", duplicate_acks);
  std::printf("%d relay kills, %d messages, %d Sends answered as duplicates after a lost SendAck\n", kills, next,
              duplicate_acks);
}

// PostgreSQL restarts (every client connection is cut) under two relays with devices online:
// the next transaction of each relay opens a new connection and nothing is refused or lost,
// and a relay that polls only once a minute still delivers what was announced while its
// LISTEN connection was down (it looks at every mailbox once it listens again).
TEST_F(MultiRelay, RelaysCarryOnWhenPostgresRestarts) {
  auto r1 = relay("r1", "60000");  // no poll here: alice's Send is r1's first transaction after the restart
  auto r2 = relay("r2", "300");
  auto alice = TestDevice::make("alice", 1, 5);
  auto bob = TestDevice::make("bob", 1, 5);
  auto a = connect_registered(r1->port(), alice);
  auto b = connect_registered(r2->port(), bob);
  send(*a, bob, 0, 5);
  EXPECT_EQ(receive(*b, 5, [](int) { return true; }), (std::vector<int>{0, 1, 2, 3, 4}));
  ASSERT_TRUE(pg_->restart());
  send(*a, bob, 5, 5);  // every Send acknowledged: none failed on the cut connection
  EXPECT_EQ(receive(*b, 5, [](int) { return true; }), (std::vector<int>{5, 6, 7, 8, 9}));
  send(*b, alice, 50, 2);
  EXPECT_EQ(receive(*a, 2, [](int) { return true; }), (std::vector<int>{50, 51}));
}

// The admin commands reach the shared database through the same settings as the relays (here
// the environment); an invite minted there admits a device on any relay. `backup` is SQLite's
// and says to use PostgreSQL's own tools.
TEST_F(MultiRelay, AdminCommandsWorkOnTheSharedDatabase) {
  const std::string env = "PARLEY_RELAY_STORAGE=postgres PARLEY_RELAY_POSTGRES_URL='" + pg_->url("relays") + "'";
  auto minted = parley::test::run_relay_command("admin mint-invite --uses 1", env);
  ASSERT_EQ(minted.status, 0) << minted.output;
  const auto at = minted.output.find("pinv_");  // stdout and stderr come mixed
  ASSERT_NE(at, std::string::npos) << minted.output;
  const std::string token = minted.output.substr(at, 5 + 64);
  auto stats = parley::test::run_relay_command("admin stats", env);
  ASSERT_EQ(stats.status, 0) << stats.output;
  EXPECT_NE(stats.output.find("active_invites 1"), std::string::npos) << stats.output;
  auto backup = parley::test::run_relay_command("admin backup " + dir_.file("copy.db"), env);
  EXPECT_EQ(backup.status, 2) << backup.output;
  EXPECT_NE(backup.output.find("pg_dump"), std::string::npos) << backup.output;

  auto r1 = std::make_unique<RelayProcess>(
      dir_.file("r1"), std::vector<std::string>{"--storage", "postgres", "--postgres-url", pg_->url("relays"),
                                                "--registration", "invite"});
  r1->start();
  WsClient refused(r1->port());
  refused.send(register_frame(TestDevice::make("eve", 1, 1), refused.nonce()));
  expect_fatal(refused, Errc::invite_required);
  WsClient admitted(r1->port());
  auto dev = TestDevice::make("dan", 1, 1);
  admitted.send(register_frame(dev, admitted.nonce(), 0, std::nullopt, token));
  auto ok = admitted.read();
  EXPECT_TRUE(ok && ok->type() == wire::RelayBody::AuthOk) << describe(ok);
}

}  // namespace
}  // namespace parley::relay::test
