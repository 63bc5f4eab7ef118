// SPDX-License-Identifier: GPL-3.0-or-later
// The sans-IO relay core driven directly: frames in, frames and storage jobs out, storage
// jobs run synchronously on MemoryStorage. No sockets, threads or clock.
#include <gtest/gtest.h>

#include <deque>
#include <variant>

#include "memory_storage.hpp"
#include "relay_core.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using namespace std::chrono_literals;

const Now kStart{1'000'000, std::chrono::steady_clock::time_point{} + 1000s};

Now later(std::chrono::seconds by) { return Now{kStart.wall_ms + by.count() * 1000, kStart.steady + by}; }

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// One core over a storage. Jobs run as soon as they appear unless `hold_jobs` is set.
class Driver {
  MemoryStorage& storage_;  // first: the core's first actions may run jobs

 public:
  Driver(MemoryStorage& storage, const RelayConfig& config, RateLimits* limits = nullptr, Metrics* metrics = nullptr)
      : storage_(storage), core(CoreContext{&config, limits, metrics, "192.0.2.1"}) {
    take(core.open(Bytes(wire::kNonceBytes, 7), kStart));
  }

  void input(const Bytes& frame, Now now = kStart) {
    take(core.handle_frame(frame, now));
    if (!hold_jobs) run_jobs();
  }
  void wake() {
    take(core.wake());
    if (!hold_jobs) run_jobs();
  }
  void run_jobs(Now now = kStart) {
    while (!jobs.empty()) {
      StorageJob job = std::move(jobs.front());
      jobs.pop_front();
      take(std::visit([&](const auto& typed) { return core.done(typed, run_job(storage_, typed), now); }, job));
    }
  }

  // The next frame for the device (parsed), or nullopt.
  std::optional<Frame> next() {
    if (frames.empty()) return std::nullopt;
    Frame frame{std::move(frames.front())};
    frames.pop_front();
    auto parsed = wire::parse_relay_frame(frame.bytes);
    if (!parsed) {
      ADD_FAILURE() << "core sent an unparsable frame: " << parsed.error().to_string();
      return std::nullopt;
    }
    frame.frame = *parsed;
    return frame;
  }
  // Skips the Challenge and returns the nonce it carries.
  Bytes nonce() {
    auto challenge = next();
    EXPECT_EQ(challenge ? challenge->type() : wire::RelayBody::NONE, wire::RelayBody::Challenge);
    const auto* body = challenge->frame->body_as_Challenge();
    return Bytes(body->nonce()->begin(), body->nonce()->end());
  }
  void expect_next(wire::RelayBody type) {
    auto frame = next();
    EXPECT_EQ(frame ? frame->type() : wire::RelayBody::NONE, type) << describe(frame);
  }
  const wire::Failure* expect_failure(Errc code, bool fatal) {
    failure_frame_ = next();
    const auto* failure = as_failure(failure_frame_);
    EXPECT_NE(failure, nullptr) << describe(failure_frame_);
    if (!failure) return nullptr;
    EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(code)) << describe(failure_frame_);
    EXPECT_EQ(failure->fatal(), fatal) << describe(failure_frame_);
    return failure;
  }

  RelayCore core;
  bool hold_jobs = false;
  std::deque<Bytes> frames;
  std::deque<StorageJob> jobs;
  std::vector<Address> woken;
  std::vector<PreKeysLowNotice> prekeys_low;
  std::vector<std::string> notes;
  std::optional<Address> authenticated;
  std::optional<Error> fatal;

 private:
  void take(Actions actions) {
    for (auto& frame : actions.frames) frames.push_back(std::move(frame));
    for (auto& job : actions.jobs) jobs.push_back(std::move(job));
    for (auto& address : actions.wake) woken.push_back(std::move(address));
    for (auto& notice : actions.prekeys_low) prekeys_low.push_back(std::move(notice));
    for (auto& note : actions.notes) notes.push_back(std::move(note));
    if (actions.authenticated) authenticated = actions.authenticated;
    if (actions.fatal) fatal = actions.fatal;
  }

  std::optional<Frame> failure_frame_;
};

class RelayCoreTest : public ::testing::Test {
 protected:
  RelayCoreTest() { config.registration = "open"; }

  // A device registered over its own core, left online.
  std::unique_ptr<Driver> registered(const TestDevice& device) {
    auto driver = std::make_unique<Driver>(storage, config, nullptr, &metrics);
    driver->input(register_frame(device, driver->nonce()));
    driver->expect_next(wire::RelayBody::AuthOk);
    EXPECT_EQ(driver->core.auth(), RelayCore::Auth::authenticated);
    return driver;
  }
  // `count` one-byte messages from `sender` to `to`, each acknowledged as stored.
  void queue(Driver& sender, const Address& to, std::uint8_t count, std::size_t bytes = 1) {
    for (std::uint8_t i = 1; i <= count; ++i) {
      sender.input(send_frame(message_id(i), {to}, Bytes(bytes, i)));
      sender.expect_next(wire::RelayBody::SendAck);
    }
  }

  RelayConfig config;
  MemoryStorage storage;
  Metrics metrics;
  TestDevice alice = TestDevice::make("alice", 1, 20);
  TestDevice bob = TestDevice::make("bob", 1, 20);
};

TEST_F(RelayCoreTest, OpenSendsTheChallengeAndArmsTheDeadline) {
  Driver driver(storage, config);
  EXPECT_EQ(driver.nonce(), Bytes(wire::kNonceBytes, 7));
  ASSERT_TRUE(driver.core.deadline());
  EXPECT_EQ(*driver.core.deadline(), kStart.steady + config.auth_timeout);
}

TEST_F(RelayCoreTest, UnauthenticatedPastTheDeadlineIsClosedWithTimeout) {
  Driver driver(storage, config);
  driver.nonce();
  EXPECT_TRUE(driver.core.handle_timeout(later(config.auth_timeout - 1s)).empty());
  Actions actions = driver.core.handle_timeout(later(config.auth_timeout));
  ASSERT_TRUE(actions.fatal);
  EXPECT_EQ(actions.fatal->code, Errc::timeout);
  EXPECT_TRUE(driver.core.closed());
  EXPECT_FALSE(driver.core.deadline());
}

TEST_F(RelayCoreTest, AuthenticationDisarmsTheDeadline) {
  auto a = registered(alice);
  EXPECT_FALSE(a->core.deadline());
  EXPECT_TRUE(a->core.handle_timeout(later(config.auth_timeout * 2)).empty());
}

TEST_F(RelayCoreTest, SendBeforeAuthenticationIsRefusedAndNothingIsStored) {
  Driver driver(storage, config);
  driver.nonce();
  driver.input(send_frame(message_id(1), {bob.address}, text("hi")));
  driver.expect_failure(Errc::not_authenticated, true);
  ASSERT_TRUE(driver.fatal);
  EXPECT_TRUE(driver.core.closed());
  EXPECT_TRUE(driver.jobs.empty());
  EXPECT_EQ(*storage.message_count(), 0u);
}

TEST_F(RelayCoreTest, FramesAfterAFatalErrorAreIgnored) {
  Driver driver(storage, config);
  const Bytes nonce = driver.nonce();
  driver.input(ack_frame({1}));
  driver.expect_failure(Errc::not_authenticated, true);
  driver.input(register_frame(alice, nonce));
  EXPECT_TRUE(driver.frames.empty());
  EXPECT_TRUE(driver.jobs.empty());
}

TEST_F(RelayCoreTest, GarbageIsAFatalError) {
  Driver driver(storage, config);
  driver.nonce();
  driver.input(text("not a flatbuffer"));
  ASSERT_TRUE(driver.fatal);
  EXPECT_TRUE(driver.core.closed());
}

TEST_F(RelayCoreTest, RegisterSignedForAnotherChallengeFails) {
  Driver driver(storage, config);
  driver.nonce();
  driver.input(register_frame(alice, Bytes(wire::kNonceBytes, 8)));
  driver.expect_failure(Errc::auth_failed, true);
  EXPECT_TRUE(driver.jobs.empty());
  EXPECT_FALSE(storage.find_device(alice.address));
}

TEST_F(RelayCoreTest, RegisterWaitsForTheCommitBeforeAuthOk) {
  Driver driver(storage, config, nullptr, &metrics);
  driver.hold_jobs = true;
  driver.input(register_frame(alice, driver.nonce()));
  EXPECT_TRUE(driver.core.authenticating());
  EXPECT_TRUE(driver.frames.empty());
  ASSERT_EQ(driver.jobs.size(), 1u);
  const auto* job = std::get_if<RegisterJob>(&driver.jobs.front());
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->device.address, alice.address);
  EXPECT_TRUE(job->admission.open);
  EXPECT_EQ(job->admission.now, kStart.wall_ms);
  driver.run_jobs();
  driver.expect_next(wire::RelayBody::AuthOk);
  ASSERT_TRUE(driver.authenticated);
  EXPECT_EQ(*driver.authenticated, alice.address);
}

TEST_F(RelayCoreTest, RegisterWithoutAnInviteIsRefusedWhenInvitesAreRequired) {
  config.registration = "invite";
  Driver driver(storage, config);
  driver.input(register_frame(alice, driver.nonce()));
  driver.expect_failure(Errc::invite_required, true);
  EXPECT_NE(driver.core.auth(), RelayCore::Auth::authenticated);
}

TEST_F(RelayCoreTest, RegisterOnAnAuthenticatedConnectionIsAProtocolViolation) {
  auto a = registered(alice);
  a->input(register_frame(alice, Bytes(wire::kNonceBytes, 7)));
  a->expect_failure(Errc::protocol_violation, true);
}

TEST_F(RelayCoreTest, AuthenticateChecksTheSignatureAgainstTheStoredKey) {
  registered(alice);
  Driver wrong(storage, config);
  const Bytes nonce = wrong.nonce();
  wrong.input(authenticate_frame_with(alice.address, sign(bob.identity, wire::auth_transcript(nonce, alice.address))));
  wrong.expect_failure(Errc::auth_failed, true);

  Driver right(storage, config);
  right.input(authenticate_frame(alice, right.nonce()));
  right.expect_next(wire::RelayBody::AuthOk);
  EXPECT_EQ(right.core.auth(), RelayCore::Auth::authenticated);
}

TEST_F(RelayCoreTest, AuthenticateAsAnUnknownDeviceFails) {
  Driver driver(storage, config);
  driver.input(authenticate_frame(alice, driver.nonce()));
  driver.expect_failure(Errc::unknown_device, true);
}

TEST_F(RelayCoreTest, AuthenticateWithFewPrekeysLeftAsksForMore) {
  auto few = TestDevice::make("dave", 1, 3);
  registered(few);
  Driver driver(storage, config);
  driver.input(authenticate_frame(few, driver.nonce()));
  driver.expect_next(wire::RelayBody::AuthOk);
  driver.expect_next(wire::RelayBody::PreKeysLow);
}

TEST_F(RelayCoreTest, SendIsAcknowledgedAfterTheCommitAndWakesTheRecipient) {
  registered(bob);
  auto a = registered(alice);
  a->hold_jobs = true;
  a->input(send_frame(message_id(1), {bob.address, bob.address}, text("hi")));
  EXPECT_TRUE(a->frames.empty());  // nothing before the commit
  ASSERT_EQ(a->jobs.size(), 1u);
  const auto* job = std::get_if<StoreMessageJob>(&a->jobs.front());
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->recipients, std::vector<Address>{bob.address});  // repeated recipients count once
  EXPECT_EQ(job->sender, alice.address);
  a->run_jobs();
  a->expect_next(wire::RelayBody::SendAck);
  EXPECT_EQ(a->woken, std::vector<Address>{bob.address});
}

TEST_F(RelayCoreTest, PartialAcceptanceNamesTheRefusedRecipients) {
  registered(bob);
  auto a = registered(alice);
  const Address nobody{"nobody", 1};
  a->input(send_frame(message_id(1), {nobody, bob.address}, text("hi")));
  auto ack = a->next();
  ASSERT_EQ(ack ? ack->type() : wire::RelayBody::NONE, wire::RelayBody::SendAck) << describe(ack);
  const auto* body = ack->frame->body_as_SendAck();
  ASSERT_NE(body->refused(), nullptr);
  ASSERT_EQ(body->refused()->size(), 1u);
  EXPECT_EQ(body->refused()->Get(0)->code(), static_cast<std::uint16_t>(Errc::unknown_device));
  EXPECT_EQ(a->woken, std::vector<Address>{bob.address});

  // Nobody can take it: a non-fatal Failure, nothing woken.
  a->woken.clear();
  a->input(send_frame(message_id(2), {nobody}, text("hi")));
  const MessageId id = message_id(2);
  const auto* failure = a->expect_failure(Errc::unknown_device, false);
  ASSERT_NE(failure, nullptr);
  ASSERT_NE(failure->message_id(), nullptr);
  EXPECT_EQ(Bytes(failure->message_id()->begin(), failure->message_id()->end()), Bytes(id.bytes.begin(), id.bytes.end()));
  EXPECT_TRUE(a->woken.empty());
}

TEST_F(RelayCoreTest, ARepeatedSendIsADuplicateAndWakesNobody) {
  registered(bob);
  auto a = registered(alice);
  queue(*a, bob.address, 1);
  a->woken.clear();
  a->input(send_frame(message_id(1), {bob.address}, Bytes(1, 1)));
  auto ack = a->next();
  ASSERT_EQ(ack ? ack->type() : wire::RelayBody::NONE, wire::RelayBody::SendAck);
  EXPECT_TRUE(ack->frame->body_as_SendAck()->duplicate());
  EXPECT_TRUE(a->woken.empty());
  EXPECT_EQ(*storage.mailbox_size(bob.address), 1u);
}

TEST_F(RelayCoreTest, SendLimitsAreCheckedBeforeStorage) {
  config.max_recipients = 2;
  auto a = registered(alice);
  a->input(send_frame(message_id(1), {}, text("hi")));
  a->expect_failure(Errc::invalid_argument, false);
  a->input(send_frame(message_id(2), {Address{"a", 1}, Address{"b", 1}, Address{"c", 1}}, text("hi")));
  a->expect_failure(Errc::limit_exceeded, false);
  a->input(send_frame(message_id(3), {bob.address}, Bytes(config.max_payload_bytes() + 1, 0)));
  a->expect_failure(Errc::limit_exceeded, false);
  EXPECT_FALSE(a->core.closed());
  EXPECT_EQ(*storage.message_count(), 0u);
}

TEST_F(RelayCoreTest, DeliveryWindowIsRespectedAndRefilledByAcks) {
  config.delivery_window = 2;
  registered(bob).reset();  // offline
  auto a = registered(alice);
  queue(*a, bob.address, 5);

  Driver b(storage, config);
  b.input(authenticate_frame(bob, b.nonce()));
  b.expect_next(wire::RelayBody::AuthOk);
  auto first = b.next();
  auto second = b.next();
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->type(), wire::RelayBody::Deliver);
  ASSERT_EQ(second->type(), wire::RelayBody::Deliver);
  EXPECT_TRUE(b.frames.empty()) << "a third Deliver past a window of 2";
  EXPECT_EQ(b.core.in_flight(), 2u);
  b.wake();  // new mail or not, the window is full
  EXPECT_TRUE(b.frames.empty());

  b.input(ack_frame({first->frame->body_as_Deliver()->delivery_id()}));
  b.expect_next(wire::RelayBody::Deliver);
  EXPECT_TRUE(b.frames.empty());
  EXPECT_EQ(b.core.in_flight(), 2u);
}

TEST_F(RelayCoreTest, DeliveryWindowInBytesStopsOnceReached) {
  config.delivery_window_bytes = 100;
  registered(bob).reset();
  auto a = registered(alice);
  queue(*a, bob.address, 4, 80);

  // A page holds at least one message; the next page is asked for while under 100 bytes.
  Driver b(storage, config);
  b.input(authenticate_frame(bob, b.nonce()));
  b.expect_next(wire::RelayBody::AuthOk);
  auto first = b.next();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->type(), wire::RelayBody::Deliver);
  b.expect_next(wire::RelayBody::Deliver);
  EXPECT_TRUE(b.frames.empty()) << "a third message with 160 bytes of payload in flight";
  b.input(ack_frame({first->frame->body_as_Deliver()->delivery_id()}));
  b.expect_next(wire::RelayBody::Deliver);
  EXPECT_TRUE(b.frames.empty());
}

TEST_F(RelayCoreTest, AnAckOfAnotherDevicesDeliveryIsIgnored) {
  config.delivery_window = 1;
  const TestDevice carol = TestDevice::make("carol", 1, 20);
  auto b = registered(bob);
  auto c = registered(carol);
  auto a = registered(alice);
  queue(*a, bob.address, 3);
  a->input(send_frame(message_id(9), {carol.address}, text("to carol")));
  a->expect_next(wire::RelayBody::SendAck);
  b->wake();
  c->wake();
  auto to_bob = b->next();
  auto to_carol = c->next();
  ASSERT_TRUE(to_bob && to_carol);
  ASSERT_EQ(to_bob->type(), wire::RelayBody::Deliver);
  ASSERT_EQ(to_carol->type(), wire::RelayBody::Deliver);
  const std::uint64_t carols = to_carol->frame->body_as_Deliver()->delivery_id();
  auto mailbox = storage.load_mailbox(bob.address, 0, 10, 1 << 20);
  ASSERT_TRUE(mailbox);
  std::vector<std::uint64_t> bobs;
  for (const auto& message : mailbox->messages)
    if (message.delivery_id != carols) bobs.push_back(message.delivery_id);
  ASSERT_FALSE(bobs.empty());

  // Carol acks ids of Bob's mailbox: Bob's mail stays, Carol's window stays full.
  c->input(ack_frame(bobs));
  EXPECT_EQ(*storage.mailbox_size(bob.address), 3u);
  EXPECT_EQ(c->core.in_flight(), 1u);
  EXPECT_TRUE(c->jobs.empty());
  EXPECT_TRUE(c->frames.empty());
  // Bob's window is his own: still one in flight.
  b->wake();
  EXPECT_TRUE(b->frames.empty());
  EXPECT_EQ(b->core.in_flight(), 1u);

  c->input(ack_frame({carols}));
  EXPECT_EQ(*storage.mailbox_size(carol.address), 0u);
  EXPECT_EQ(c->core.in_flight(), 0u);
}

TEST_F(RelayCoreTest, MailIsHandedOutOncePerConnection) {
  auto b = registered(bob);
  auto a = registered(alice);
  queue(*a, bob.address, 1);
  b->wake();
  b->expect_next(wire::RelayBody::Deliver);
  b->wake();  // unacked, but already delivered on this connection
  EXPECT_TRUE(b->frames.empty());
}

TEST_F(RelayCoreTest, FetchHandsOutABundleAndWarnsTheOwnerWhenFewPrekeysAreLeft) {
  const TestDevice carol = TestDevice::make("carol", 1, config.prekeys_low_threshold);
  registered(carol);
  auto a = registered(alice);
  a->input(fetch_frame(77, carol.address));
  auto bundle = a->next();
  ASSERT_EQ(bundle ? bundle->type() : wire::RelayBody::NONE, wire::RelayBody::Bundle);
  EXPECT_EQ(bundle->frame->body_as_Bundle()->request_id(), 77u);
  ASSERT_EQ(a->prekeys_low.size(), 1u);
  EXPECT_EQ(a->prekeys_low[0].device, carol.address);
  EXPECT_EQ(a->prekeys_low[0].remaining, config.prekeys_low_threshold - 1);

  a->input(fetch_frame(78, Address{"nobody", 1}));
  const auto* failure = a->expect_failure(Errc::unknown_device, false);
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->request_id(), 78u);
}

TEST_F(RelayCoreTest, RateLimitedSendsGetANonFatalFailure) {
  config.rate_send_device = RateLimit{2, 1};
  RateLimits limits(RateLimits::from(config));
  registered(bob);
  Driver a(storage, config, &limits, &metrics);
  a.input(register_frame(alice, a.nonce()));
  a.expect_next(wire::RelayBody::AuthOk);
  queue(a, bob.address, 2);
  a.input(send_frame(message_id(3), {bob.address}, text("third")));
  a.expect_failure(Errc::rate_limited, false);
  EXPECT_FALSE(a.core.closed());
  EXPECT_EQ(*storage.mailbox_size(bob.address), 2u);
  // A minute later the bucket has a token again.
  a.input(send_frame(message_id(3), {bob.address}, text("third")), later(60s));
  a.expect_next(wire::RelayBody::SendAck);
}

TEST_F(RelayCoreTest, AClosedConnectionAnswersNothingButItsMailStillWakesRecipients) {
  registered(bob);
  auto a = registered(alice);
  a->hold_jobs = true;
  a->input(send_frame(message_id(1), {bob.address}, text("hi")));
  a->core.close();
  a->run_jobs();
  EXPECT_TRUE(a->frames.empty());
  EXPECT_EQ(a->woken, std::vector<Address>{bob.address});
  EXPECT_EQ(*storage.mailbox_size(bob.address), 1u);
}

TEST_F(RelayCoreTest, DrainingStopsDeliveriesButStillAnswersSends) {
  auto b = registered(bob);
  auto a = registered(alice);
  a->hold_jobs = true;
  a->input(send_frame(message_id(1), {bob.address}, text("hi")));
  a->core.drain();
  b->core.drain();
  a->run_jobs();
  a->expect_next(wire::RelayBody::SendAck);
  b->wake();
  EXPECT_TRUE(b->frames.empty());
  EXPECT_TRUE(b->jobs.empty());
}

TEST_F(RelayCoreTest, SendsRefusalsAndDeliveriesAreCounted) {
  auto b = registered(bob);
  auto a = registered(alice);
  a->input(send_frame(message_id(1), {}, text("hi")));
  a->expect_failure(Errc::invalid_argument, false);
  queue(*a, bob.address, 2);
  b->wake();
  const std::string text = metrics.render();
  EXPECT_NE(text.find("parley_relay_refusals_total{reason=\"invalid_argument\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_relay_sends_total 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_relay_deliveries_total 2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace parley::relay::test
