// SPDX-License-Identifier: GPL-3.0-or-later
// Many devices in memory: real stores, real libsignal sessions and sender keys, the
// in-memory relay (which records every envelope it accepted), a virtual clock, and an
// optional seeded shuffle of what each device receives.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "charter/codec.hpp"
#include "charter/policy.hpp"
#include "engine/engine.hpp"
#include "engine/memory_relay.hpp"
#include "pairwise/device_keys.hpp"
#include "pairwise/sender_keys.hpp"
#include "pairwise/sessions.hpp"
#include "support/temp_dir.hpp"

namespace parley::cells::test {

inline const Address kUs{"us_sup", 1};
inline const Address kIl{"il_officer", 1};
inline const Address kSy{"sy_officer", 1};
inline const Address kSy2{"sy_analyst", 1};
inline const Address kTrade{"il_trade", 1};  // commercial delegate: no READ on intel

struct Node {
  Address address;
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<engine::Engine> engine;
  int connection = 0;
  std::vector<Event> events;

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }
  std::vector<std::string> texts(std::string_view channel) const {
    std::vector<std::string> out;
    for (const auto& m : all<ChannelMessageReceived>())
      if (m.channel == channel) out.push_back(m.text);
    return out;
  }
  Bytes identity_public() const { return (*store->local_identity())->identity_public; }
};

// How many times `text` reached the app of `n` on `channel` (1 = once, no duplicate).
inline std::size_t count_text(const Node& n, std::string_view channel, std::string_view text) {
  const auto texts = n.texts(channel);
  return static_cast<std::size_t>(std::count(texts.begin(), texts.end(), text));
}

// Whether a relayed payload is a channel post (sender-key), not pairwise control traffic.
inline bool is_channel_envelope(ByteView payload) {
  auto env = envelope::decode(payload);
  return env.ok() && env->type == envelope::CipherType::sender_key;
}

class CellsTest : public ::testing::Test {
 protected:
  Node& add(const Address& address) {
    auto node = make_node(address, address.to_string());
    Node& ref = *node;
    nodes_[address] = std::move(node);
    start(ref);
    return ref;
  }

  // A device with its own store file (`file`), not registered in nodes_: e.g. a second device
  // at an address that already has one (a replacement, or the old device that kept its keys).
  std::unique_ptr<Node> make_node(const Address& address, const std::string& file) {
    auto node = std::make_unique<Node>();
    node->address = address;
    auto opened = store::DeviceStore::open(dir.file(file), StoreKey::passphrase("k"));
    EXPECT_TRUE(opened.ok());
    node->store = std::move(*opened);
    EXPECT_TRUE(pairwise::create_device_identity(*node->store, address, 20, now).ok());
    return node;
  }

  // (Re)creates the engine on the node's store and connects it.
  void start(Node& node) {
    engine::EngineOptions options;
    options.random = [this](std::span<std::uint8_t> out) {
      for (auto& b : out) b = static_cast<std::uint8_t>(rng() & 0xff);
    };
    options.rotate_after_messages = rotate_after_messages;
    auto engine = engine::Engine::create(*node.store, options);
    ASSERT_TRUE(engine.ok()) << engine.error().to_string();
    node.engine = std::move(*engine);
    // Every device here was told the US supervisor's key out of band, as members are when they
    // hand over their own: Welcomes of cells it created join at once (docs/protocol.md "Joining").
    if (node.address != kUs && nodes_.count(kUs)) anchor_supervisor(node, *nodes_.at(kUs));
    connect(node);
  }

  void anchor_supervisor(Node& member, const Node& supervisor) {
    auto fingerprint = identity_fingerprint(supervisor.identity_public());
    ASSERT_TRUE(fingerprint.ok());
    auto added = member.engine->add_join_anchor(JoinAnchor{JoinAnchor::Kind::supervisor, *fingerprint}, now);
    ASSERT_TRUE(added.ok()) << added.error().to_string();
  }

  void connect(Node& node) {
    node.connection = ++next_connection;
    by_connection[node.connection] = &node;
    node.engine->on_open(now);
    inbox[node.connection].push_back(relay.open(node.connection));
  }

  void disconnect(Node& node) {
    relay.close(node.connection);
    inbox.erase(node.connection);
    by_connection.erase(node.connection);
    node.engine->on_close({Errc::not_connected, "test"}, now);
    collect(node);
  }

  void restart(Node& node) {
    disconnect(node);
    node.engine.reset();
    start(node);
  }

  Node& node(const Address& a) { return *nodes_.at(a); }

  // Runs only the node's handshake frames, leaving later deliveries queued for the test to
  // hand over in an order of its choosing.
  void authenticate_only(Node& n) {
    while (!n.engine->ready()) {
      auto& q = inbox[n.connection];
      ASSERT_FALSE(q.empty());
      Bytes f = std::move(q.front());
      q.pop_front();
      ASSERT_TRUE(n.engine->on_frame(f, now).ok());
      while (auto out = n.engine->poll_transmit()) relay.handle(n.connection, *out, inbox);
    }
  }

  void collect(Node& node) {
    while (auto e = node.engine->poll_event()) node.events.push_back(std::move(*e));
  }

  // Moves frames until nothing moves. With `shuffle`, each device takes its queued frames
  // in a seeded random order (relay reordering across senders and within a mailbox).
  void run() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto& [conn, node] : by_connection) {
        auto& queue = inbox[conn];
        if (shuffle && queue.size() > 1 && node->engine->ready()) std::shuffle(queue.begin(), queue.end(), rng);
        while (!queue.empty()) {
          Bytes frame = std::move(queue.front());
          queue.pop_front();
          auto handled = node->engine->on_frame(frame, now);
          EXPECT_TRUE(handled.ok()) << handled.error().to_string();
          moved = true;
          if (shuffle) break;  // let others interleave
        }
        while (auto out = node->engine->poll_transmit()) {
          relay.handle(conn, *out, inbox);
          moved = true;
        }
        collect(*node);
      }
      now += 10;
    }
  }

  // The seeds' cell: US supervisor, IL and SY officers, a SY analyst and the IL trade
  // delegate; intel then restricted so the delegate does not read it.
  CellId make_seed_cell() {
    for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade})
      if (!nodes_.count(a)) add(a);
    run();
    charter::SeedCellOptions options;
    options.members = {
        {kIl, "IL", charter::Role::member, node(kIl).identity_public()},
        {kSy, "SY", charter::Role::member, node(kSy).identity_public()},
        {kSy2, "SY", charter::Role::member, node(kSy2).identity_public()},
        {kTrade, "IL", charter::Role::member, node(kTrade).identity_public()},
    };
    auto cell = node(kUs).engine->create_cell(options, now);
    EXPECT_TRUE(cell.ok()) << cell.error().to_string();
    run();
    charter::ChannelPolicy intel;
    intel.read = {charter::Grant::for_party("US"), charter::Grant::for_party("SY"),
                  charter::Grant::for_user("il_officer")};
    intel.post = {charter::Grant::for_party("IL"), charter::Grant::for_party("SY")};
    auto committed = node(kUs).engine->commit(*cell, {charter::SetChannelPolicy{"intel", intel}}, now);
    EXPECT_TRUE(committed.ok()) << committed.error().to_string();
    run();
    for (const Address& a : {kUs, kIl, kSy, kSy2, kTrade}) {
      const auto* log = node(a).engine->charter(*cell);
      EXPECT_NE(log, nullptr) << a.to_string();
      if (log) {
        EXPECT_EQ(log->epoch(), 2u) << a.to_string();
      }
    }
    return *cell;
  }

  // A "hotline" channel every party reads and posts on, the supervisor's included, with
  // acknowledgements due within an hour (for incidents and deconfliction notices).
  void make_hotline_channel(const CellId& cell) {
    charter::ChannelPolicy policy;
    policy.read = {charter::Grant::for_party("US"), charter::Grant::for_party("IL"), charter::Grant::for_party("SY")};
    policy.post = policy.read;
    policy.ack_required = true;
    policy.ack_deadline_seconds = 3600;
    auto committed = node(kUs).engine->commit(
        cell, {charter::CreateChannel{"hotline", "Hotline"}, charter::SetChannelPolicy{"hotline", policy}}, now);
    ASSERT_TRUE(committed.ok()) << committed.error().to_string();
    run();
  }

  // Advances the virtual clock to `at` as a driver would: each device's one timer fires at
  // its poll_timeout, earliest first, until none is due by `at`.
  void tick(TimeMs at) {
    for (int fired = 0;; ++fired) {
      ASSERT_LT(fired, 10000) << "a timer stays due after handle_timeout";
      Node* next = nullptr;
      TimeMs next_at = 0;
      for (auto& [address, n] : nodes_) {
        auto due = n->engine->poll_timeout();
        if (due && *due <= at && (!next || *due < next_at)) {
          next = n.get();
          next_at = *due;
        }
      }
      if (!next) break;
      now = std::max(now, next_at);
      next->engine->handle_timeout(now);
      collect(*next);
      run();
    }
    now = at;
  }

  void post(const Address& from, const CellId& cell, std::string_view channel, std::string_view text) {
    auto id = node(from).engine->post(cell, channel, text, now);
    ASSERT_TRUE(id.ok()) << id.error().to_string();
    run();
  }

  // Sends a pairwise control message crafted outside `from`'s engine (a misbehaving member).
  void send_control(const Address& from, const Address& to, envelope::ContentKind kind, Bytes body) {
    send_control_as(from, from, to, kind, std::move(body));
  }

  // The same over `from`'s session with `to`, delivered by the relay labelled as sent by `as`.
  void send_control_as(const Address& from, const Address& as, const Address& to, envelope::ContentKind kind,
                       Bytes body) {
    auto adapter = pairwise::SignalStoreAdapter::create(*node(from).store);
    ASSERT_TRUE(adapter.ok());
    pairwise::Sessions sessions(**adapter);
    envelope::Content content;
    for (auto& b : content.message_id.bytes) b = static_cast<std::uint8_t>(rng() & 0xff);
    content.sent_at = now;
    content.kind = kind;
    content.body = std::move(body);
    auto sealed = sessions.encrypt(to, envelope::encode(content));
    ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
    relay.inject(as, to, envelope::encode(*sealed));
    relay.push_all(inbox);
  }

  // A post crafted outside `from`'s engine under a sender key of its own (generation 1000 of
  // the channel), whose distribution it sends to `victims` itself: what a member who ignores
  // the SDK's local checks can do.
  void craft_post(const Address& from, const std::vector<Address>& victims, cells::ChannelMessage message) {
    auto adapter = pairwise::SignalStoreAdapter::create(*node(from).store);
    ASSERT_TRUE(adapter.ok());
    pairwise::SenderKeys keys(**adapter);
    const std::uint32_t generation = 1000;
    const Bytes group = cells::group_id(message.cell_id, message.channel, generation);
    auto distribution = keys.own_distribution(group, from);
    ASSERT_TRUE(distribution.ok());
    for (const Address& victim : victims)
      send_control(from, victim, envelope::ContentKind::sender_key_distribution,
                   cells::encode(cells::KeyDistribution{message.cell_id, message.channel, generation, *distribution,
                                                        message.post_number}));
    auto ciphertext = keys.encrypt(group, from, cells::encode(message));
    ASSERT_TRUE(ciphertext.ok());
    auto tag = cells::key_tag(message.cell_id, message.channel, generation);
    ASSERT_TRUE(tag.ok());
    const Bytes payload = envelope::encode(envelope::Envelope{envelope::CipherType::sender_key, *ciphertext, *tag});
    for (const Address& victim : victims) relay.inject(from, victim, payload);
    relay.push_all(inbox);
    run();
  }

  // Replays to `to` every envelope the relay ever accepted, as if it came from its sender.
  void replay_everything_to(const Address& to) {
    for (const auto& c : relay.captured()) relay.inject(c.sender, to, c.payload);
    relay.push_all(inbox);
    run();
  }

  parley::test::TempDir dir;
  TimeMs now = 1'700'000'000'000;
  std::mt19937_64 rng{7};
  bool shuffle = false;
  std::uint64_t rotate_after_messages = 1000;
  int next_connection = 0;
  parley::test::MemoryRelay relay;
  std::map<Address, std::unique_ptr<Node>> nodes_;
  std::map<int, Node*> by_connection;
  std::map<int, std::deque<Bytes>> inbox;
};

}  // namespace parley::cells::test
