// SPDX-License-Identifier: GPL-3.0-or-later
// A seeded mix of MemoryRelay's faults, for randomized runs. While started, each copy of an
// accepted Send is independently lost, duplicated, altered (one bit flipped somewhere in the
// envelope), or set aside for one recipient while the others get it (a split view); every
// batch pushed to a device is shuffled; replay_some re-queues old traffic to any device. One
// (sender, victim) pair is chosen per seed for a sustained split view: the victim sees
// nothing of the sender's while the faults last. stop() turns everything off and either hands
// over what was set aside (late, behind everything since) or loses it for good.
#pragma once

#include <algorithm>
#include <random>
#include <vector>

#include "engine/memory_relay.hpp"

namespace parley::test {

class SeededFaults {
 public:
  // Per 1,000 copies (independent draws, so one copy can be both duplicated and flipped).
  struct Rates {
    int lose = 100;
    int duplicate = 60;
    int flip = 80;
    int withhold = 60;
  };
  // What the faults did, so that a test can check they happened at all.
  struct Counts {
    std::size_t lost = 0, duplicated = 0, flipped = 0, withheld = 0, reordered = 0, replayed = 0;
  };

  SeededFaults(std::uint64_t seed, Rates rates) : rng_(seed), rates_(rates) {}

  // `devices` are the candidates for the sustained split view's sender and victim; traffic
  // from a device for which `exempt` says true is left alone (a test's choice, for traffic
  // whose loss the protocol does not recover by design).
  void start(MemoryRelay& relay, const std::vector<Address>& devices, std::function<bool(const Address&)> exempt) {
    exempt_ = std::move(exempt);
    if (devices.size() >= 2) {
      split_from_ = devices[rng_() % devices.size()];
      do split_victim_ = devices[rng_() % devices.size()];
      while (split_victim_ == split_from_);
    }
    relay.copies = [this](const Address& from, const Address&, ByteView) {
      if (exempt_ && exempt_(from)) return 1;
      if (roll(rates_.lose)) {
        ++counts.lost;
        return 0;
      }
      if (roll(rates_.duplicate)) {
        ++counts.duplicated;
        return 2;
      }
      return 1;
    };
    relay.tamper = [this](const Address& from, const Address&, Bytes& payload) {
      if ((exempt_ && exempt_(from)) || payload.empty() || !roll(rates_.flip)) return;
      MemoryRelay::flip_bit(payload, rng_() % (payload.size() * 8));
      ++counts.flipped;
    };
    relay.withhold = [this](const Address& from, const Address& to, ByteView) {
      if (exempt_ && exempt_(from)) return false;
      const bool split = (from == split_from_ && to == split_victim_) || roll(rates_.withhold);
      if (split) ++counts.withheld;
      return split;
    };
    relay.reorder = [this](const Address&, std::vector<const MemoryRelay::Mail*>& batch) {
      if (batch.size() < 2) return;
      std::shuffle(batch.begin(), batch.end(), rng_);
      ++counts.reordered;
    };
  }

  // Re-queues `n` Sends drawn from everything the relay ever accepted, each to a device drawn
  // from `devices` (a recipient of it or not). Exempt senders' traffic is replayed too: a
  // replay loses nothing.
  void replay_some(MemoryRelay& relay, std::size_t n, const std::vector<Address>& devices) {
    const auto& captured = relay.captured();
    if (captured.empty() || devices.empty()) return;
    for (std::size_t i = 0; i < n; ++i) {
      relay.replay(captured[rng_() % captured.size()], devices[rng_() % devices.size()]);
      ++counts.replayed;
    }
  }

  // Every fault off. What was set aside is handed over (`release`), late, or lost for good.
  void stop(MemoryRelay& relay, bool release) {
    relay.copies = nullptr;
    relay.tamper = nullptr;
    relay.withhold = nullptr;
    relay.reorder = nullptr;
    if (release) relay.release_withheld();
    else relay.forget_withheld();
  }

  const Address& split_from() const { return split_from_; }
  const Address& split_victim() const { return split_victim_; }

  Counts counts;

 private:
  bool roll(int per_mille) { return static_cast<int>(rng_() % 1000) < per_mille; }

  std::mt19937_64 rng_;
  Rates rates_;
  std::function<bool(const Address&)> exempt_;
  Address split_from_, split_victim_;
};

}  // namespace parley::test
