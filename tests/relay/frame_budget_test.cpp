// SPDX-License-Identifier: GPL-3.0-or-later
// The per-connection frame budgets without sockets or a clock: FrameMeter finds pings, pongs
// and tiny fragments in raw client bytes however they are split, TokenBucket refills at its
// rate, and RelayCore::wire_frames closes a connection (fatal rate_limited, counted by limit)
// once a bucket runs dry, and not before.
#include <gtest/gtest.h>

#include <string>

#include "frame_meter.hpp"
#include "metrics.hpp"
#include "relay_core.hpp"
#include "token_bucket.hpp"
#include "wire/frames.hpp"

namespace parley::relay {
namespace {

using namespace std::chrono_literals;

// One masked client frame with any header length (7-bit, 16-bit or 64-bit length).
std::string frame(std::uint8_t opcode, std::size_t length, bool fin = true, int length_form = 0) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
  if (length_form == 0 && length < 126) {
    out.push_back(static_cast<char>(0x80 | length));
  } else if (length_form <= 16 && length < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((std::uint64_t{length} >> shift) & 0xFF));
  }
  out += std::string("\x01\x02\x03\x04", 4);  // mask key
  // Payload bytes that look like frame headers: the meter must skip them, not parse them.
  for (std::size_t i = 0; i < length; ++i) out.push_back(static_cast<char>(0x89));
  return out;
}

FrameCounts feed(FrameMeter& meter, const std::string& bytes) {
  return meter.feed(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::string mixed_stream() {
  std::string s;
  s += frame(0x9, 125);                        // ping
  s += frame(0xA, 0);                          // pong
  s += frame(0x2, 3, false);                   // tiny first fragment
  s += frame(0x0, 0, false);                   // empty continuation
  s += frame(0x0, 255, false, 16);             // tiny, 16-bit length form
  s += frame(0x0, 256, false);                 // not tiny (the threshold)
  s += frame(0x0, 10, false, 64);              // tiny, 64-bit length form
  s += frame(0x0, 0, true);                    // the last fragment: not counted
  s += frame(0x2, 5, true);                    // a small whole message: not counted
  s += frame(0x2, 70000, true);                // a large message, 64-bit length
  s += frame(0x8, 2);                          // close: not counted
  return s;
}

TEST(FrameMeter, CountsPingsPongsAndTinyFragmentsOnly) {
  FrameMeter meter;
  const auto counts = feed(meter, mixed_stream());
  EXPECT_EQ(counts.control, 2u);
  EXPECT_EQ(counts.tiny_fragments, 4u);
}

TEST(FrameMeter, TheSameCountsWhateverTheReadsSplit) {
  const std::string stream = mixed_stream();
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 13u, 4096u}) {
    FrameMeter meter;
    FrameCounts total;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const auto counts = feed(meter, stream.substr(at, chunk));
      total.control += counts.control;
      total.tiny_fragments += counts.tiny_fragments;
    }
    EXPECT_EQ(total.control, 2u) << "chunk " << chunk;
    EXPECT_EQ(total.tiny_fragments, 4u) << "chunk " << chunk;
  }
}

TEST(FrameMeter, AnImpossibleLengthStopsCountingInsteadOfMisparsing) {
  FrameMeter meter;
  std::string bad;
  bad.push_back(static_cast<char>(0x82));
  bad.push_back(static_cast<char>(0x80 | 127));
  bad += std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);  // 2^64 - 1: RFC 6455 forbids the top bit
  bad += std::string(4, '\0');
  EXPECT_FALSE(feed(meter, bad + frame(0x9, 0)).any());
  EXPECT_FALSE(feed(meter, frame(0x9, 0)).any());
}

const TokenBucket::Clock::time_point t0{};

TEST(FrameBudgetBucket, BurstThenTheRateAndNeverAboveTheBurst) {
  TokenBucket bucket({3, 60}, t0);  // 3 at once, one a second
  EXPECT_TRUE(bucket.take(t0, 2));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0 + 500ms));
  EXPECT_TRUE(bucket.take(t0 + 1000ms));
  EXPECT_TRUE(bucket.take(t0 + 1000ms, 0));
  EXPECT_FALSE(bucket.take(t0 + 1000ms));
  // A refused take of several takes nothing.
  EXPECT_FALSE(bucket.take(t0 + 3000ms, 3));
  EXPECT_TRUE(bucket.take(t0 + 3000ms, 2));
  EXPECT_NEAR(bucket.level(t0 + 1h), 3.0, 1e-9);
}

TEST(FrameBudgetBucket, ABurstOfZeroIsNoLimit) {
  TokenBucket bucket({0, 1}, t0);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(bucket.take(t0, 1000));
}

const Now kStart{1'000'000, std::chrono::steady_clock::time_point{} + 1000s};

// A fatal Failure{code}: the frame goes out, then the connection closes.
void expect_fatal(const Actions& actions, Errc code) {
  ASSERT_TRUE(actions.fatal);
  EXPECT_EQ(actions.fatal->code, code);
  EXPECT_EQ(actions.frames.size(), 1u);
}

TEST(FrameBudgetCore, PingsWithinTheBudgetPassAndOneOverItClosesWithRateLimited) {
  RelayConfig config;
  config.rate_control_frames = {10, 60};  // 10 at once, one a second
  Metrics metrics;
  RelayCore core(CoreContext{&config, nullptr, &metrics, "192.0.2.1"});
  (void)core.open(Bytes(wire::kNonceBytes, 7), kStart);
  // Ten at once, then one a second for a minute: always within the budget.
  EXPECT_TRUE(core.wire_frames({10, 0}, kStart).empty());
  for (int s = 1; s <= 60; ++s) ASSERT_TRUE(core.wire_frames({1, 0}, Now{0, kStart.steady + std::chrono::seconds(s)}).empty()) << s;
  // Two in the same second: the second finds the bucket empty.
  const auto t = Now{0, kStart.steady + 60s};
  const Actions over = core.wire_frames({1, 0}, t);
  expect_fatal(over, Errc::rate_limited);
  ASSERT_TRUE(over.fatal);
  EXPECT_NE(over.fatal->message.find("limit control_frames"), std::string::npos) << over.fatal->message;
  EXPECT_TRUE(core.closed());
  // Counted once, by its limit, and as a refusal.
  const std::string text = metrics.render();
  EXPECT_NE(text.find("parley_relay_rate_limited_total{limit=\"control_frames\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_relay_rate_limited_total{limit=\"tiny_fragments\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("parley_relay_refusals_total{reason=\"rate_limited\"} 1\n"), std::string::npos) << text;
  // A closed core ignores the rest of the flood.
  EXPECT_TRUE(core.wire_frames({1000, 1000}, t).empty());
}

TEST(FrameBudgetCore, TinyFragmentsHaveTheirOwnBucketAndZeroTurnsItOff) {
  RelayConfig config;
  config.rate_control_frames = {0, 1};   // off
  config.rate_tiny_fragments = {100, 60};
  Metrics metrics;
  RelayCore core(CoreContext{&config, nullptr, &metrics, "192.0.2.1"});
  EXPECT_TRUE(core.wire_frames({1'000'000, 100}, kStart).empty());
  const Actions over = core.wire_frames({0, 1}, kStart);
  expect_fatal(over, Errc::rate_limited);
  ASSERT_TRUE(over.fatal);
  EXPECT_NE(over.fatal->message.find("limit tiny_fragments"), std::string::npos) << over.fatal->message;
  EXPECT_NE(metrics.render().find("parley_relay_rate_limited_total{limit=\"tiny_fragments\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace parley::relay
