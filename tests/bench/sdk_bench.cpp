// SPDX-License-Identifier: GPL-3.0-or-later
// parley_sdk_bench: what a user pays through the WHOLE engine (engine::Engine::post(), the
// envelope, charter and policy checks, history, outbox, the SQLCipher store with its normal
// durability on disk or on tmpfs), each figure next to raw libsignal-protocol-c doing the same
// cryptographic work in this same process (raw_signal.cpp). Devices talk through the tests'
// in-memory relay (tests/engine/memory_relay.cpp); only the engines' own calls are timed
// (thread CPU time and wall time), never the stand-in relay.
//
//   parley_sdk_bench [--smoke] [--disk DIR] [--tmpfs DIR] [--cells 10,100] [--only post,x3dh,cells]
//
// Prints one tab-separated line per figure on stdout:
//   R <figure> <variant> <cpu_us_per_op> <wall_us_per_op> <n> <note>
// (scripts/lib/bench_report.py turns them into docs/performance.md). Asserts nothing about speed.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/channel_bench.hpp"
#include "bench/raw_signal.hpp"
#include "bench/sql_counter.hpp"
#include "bench/timing.hpp"
#include "charter/seed_template.hpp"
#include "crypto/keys.hpp"
#include "engine/engine.hpp"
#include "engine/memory_relay.hpp"
#include "pairwise/device_keys.hpp"
#include "store/device_store.hpp"

namespace fs = std::filesystem;
using namespace parley;
using parley::bench::Cost;
using parley::bench::Span;

namespace {

void result(const std::string& figure, const std::string& variant, const Cost& c, const std::string& note = "") {
  std::printf("R\t%s\t%s\t%.2f\t%.2f\t%zu\t%s\n", figure.c_str(), variant.c_str(), c.cpu_per_op_us(), c.wall_per_op_us(),
              c.n, note.c_str());
  std::fflush(stdout);
}
void info(const std::string& text) {
  std::fprintf(stderr, "  %s\n", text.c_str());
  std::fflush(stderr);
}

template <class T>
T take(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().to_string());
  return std::move(*r);
}
void take(Status s, const char* what) {
  if (!s) throw std::runtime_error(std::string(what) + ": " + s.error().to_string());
}

struct Node {
  Address address;
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<engine::Engine> engine;
  int connection = 0;
  Cost cost;  // every engine call made for this node
  std::size_t channel_received = 0, sent = 0, failures = 0;
  Bytes identity_public;
};

// Devices, their stores in `dir`, the in-memory relay, one thread, a virtual clock.
class World {
 public:
  explicit World(fs::path dir) : dir_(std::move(dir)) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~World() {
    nodes_.clear();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Node& add(const Address& address, std::uint32_t prekeys = 20) {
    auto node = std::make_unique<Node>();
    node->address = address;
    std::array<std::uint8_t, 32> key{};
    for (auto& b : key) b = static_cast<std::uint8_t>(rng_());
    // A raw store key: the passphrase KDF (scrypt) runs only when a store opens, never per message.
    node->store = take(store::DeviceStore::open((dir_ / (address.to_string() + ".db")).string(), StoreKey::raw(key)),
                       "open store");
    take(pairwise::create_device_identity(*node->store, address, prekeys, now), "device identity");
    node->identity_public = take(node->store->local_identity(), "identity")->identity_public;
    engine::EngineOptions options;
    options.random = [this](std::span<std::uint8_t> out) {
      for (auto& b : out) b = static_cast<std::uint8_t>(rng_());
    };
    node->engine = take(engine::Engine::create(*node->store, options), "engine");
    // Members are told the supervisor's join anchor out of band (docs/protocol.md "Joining").
    if (address.user == "us_sup")
      supervisor_anchor_ = take(node->engine->supervisor_anchor(), "supervisor anchor");
    else if (supervisor_anchor_)
      take(node->engine->add_join_anchor(*supervisor_anchor_, now), "join anchor");
    Node& ref = *node;
    nodes_.push_back(std::move(node));
    connect(ref);
    return ref;
  }

  std::optional<JoinAnchor> supervisor_anchor_;

  void connect(Node& n) {
    n.connection = ++next_connection_;
    online_[n.connection] = &n;
    {
      Span s(n.cost);
      n.engine->on_open(now);
    }
    inbox_[n.connection].push_back(relay_.open(n.connection));
  }
  void disconnect(Node& n) {
    relay_.close(n.connection);
    inbox_.erase(n.connection);
    online_.erase(n.connection);
    {
      Span s(n.cost);
      n.engine->on_close({Errc::not_connected, "bench"}, now);
    }
    collect(n);
    n.connection = 0;
  }

  // One node: its queued frames in, its frames out to the relay, its events.
  bool pump(Node& n, std::size_t max_frames = SIZE_MAX) {
    bool moved = false;
    auto& queue = inbox_[n.connection];
    for (std::size_t k = 0; k < max_frames && !queue.empty(); ++k) {
      Bytes frame = std::move(queue.front());
      queue.pop_front();
      Status handled;
      {
        Span s(n.cost);
        handled = n.engine->on_frame(frame, now);
      }
      if (!handled) throw std::runtime_error(n.address.to_string() + ": on_frame: " + handled.error().to_string());
      moved = true;
    }
    std::vector<Bytes> out;
    {
      Span s(n.cost);
      while (auto f = n.engine->poll_transmit()) out.push_back(std::move(*f));
    }
    for (auto& f : out) {
      relay_.handle(n.connection, f, inbox_);
      moved = true;
    }
    collect(n);
    return moved;
  }

  void run() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto& [conn, node] : online_) moved = pump(*node) || moved;
      now += 1;
    }
  }

  void collect(Node& n) {
    Span s(n.cost);
    while (auto e = n.engine->poll_event()) {
      if (std::holds_alternative<ChannelMessageReceived>(*e)) ++n.channel_received;
      else if (std::holds_alternative<MessageSent>(*e)) ++n.sent;
      else if (std::holds_alternative<SendFailed>(*e) || std::holds_alternative<DecryptFailed>(*e) ||
               std::holds_alternative<ProtocolError>(*e))
        ++n.failures;
    }
  }

  std::vector<std::unique_ptr<Node>>& nodes() { return nodes_; }
  TimeMs now = 1'700'000'000'000;

 private:
  fs::path dir_;
  std::mt19937_64 rng_{42};
  parley::test::MemoryRelay relay_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<int, Node*> online_;
  std::map<int, std::deque<Bytes>> inbox_;
  int next_connection_ = 0;
};

charter::TemplateDevice member(const Node& n, const std::string& party) {
  return {n.address, party, charter::Role::member, n.identity_public};
}

// --- channel post / receive through the whole engine --------------------------------------

struct PostFigures {
  Cost post, receive;
  bench::SqlCounts post_sql, receive_sql;  // per phase (the sender's, then the reader's)
};

bench::SqlCounts operator-(const bench::SqlCounts& a, const bench::SqlCounts& b) {
  return {a.prepares - b.prepares, a.execs - b.execs, a.transactions - b.transactions, a.statements - b.statements,
          a.autocommits - b.autocommits};
}

void sql_result(const std::string& figure, const std::string& variant, const bench::SqlCounts& c, std::size_t n) {
  // Fields 7 and 8 (statements executed, writes in autocommit) were added after scripts/bench
  // read the first six; it ignores them.
  std::printf("Q\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", figure.c_str(), variant.c_str(),
              static_cast<double>(c.transactions) / n, static_cast<double>(c.prepares) / n,
              static_cast<double>(c.execs) / n, static_cast<double>(c.statements) / n,
              static_cast<double>(c.autocommits) / n);
}

// IL posts `n` messages of `size` bytes on intel with every reader offline (the supervisor and
// SY), then SY comes online and drains the backlog.
void series(const std::string& name, const std::string& variant, double x, double y) {
  std::printf("S\t%s\t%s\t%.0f\t%.2f\n", name.c_str(), variant.c_str(), x, y);
}

// `series_tag` non-empty: also prints CPU per message against the history already stored
// (the sender's posts, the reader's received messages), in 20 blocks.
PostFigures post_and_drain(const fs::path& dir, std::size_t n, std::size_t size, const std::string& series_tag = "") {
  World w(dir);
  Node& us = w.add({"us_sup", 1});
  Node& il = w.add({"il_officer", 1});
  Node& sy = w.add({"sy_officer", 1});
  w.run();
  charter::SeedCellOptions options;
  options.members = {member(il, "IL"), member(sy, "SY")};
  CellId cell = take(us.engine->create_cell(options, w.now), "create_cell");
  w.run();
  // One post with everybody online: the key distributions are done before the measurement.
  take(il.engine->post(cell, "intel", "warm-up", w.now), "post");
  w.run();
  if (sy.channel_received != 1) throw std::runtime_error("warm-up post not received");
  w.disconnect(us);
  w.disconnect(sy);

  const std::string text(size, 'a');
  PostFigures out;
  std::printf("P\tpost_start\t%.6f\n", std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  il.cost = {};
  const auto sql0 = bench::sql_counts();
  const std::size_t block = std::max<std::size_t>(1, n / 20);
  double block_cpu = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!series_tag.empty() && i % block == 0) {
      if (i > 0) series("post_cpu_vs_history", series_tag, static_cast<double>(i), (il.cost.cpu_s - block_cpu) * 1e6 / block);
      block_cpu = il.cost.cpu_s;
    }
    {
      Span s(il.cost);
      take(il.engine->post(cell, "intel", text, w.now), "post");
    }
    w.pump(il);  // the Send out, its SendAck in (timed into il.cost)
    w.pump(il);
    w.now += 1;
  }
  out.post = il.cost;
  out.post.n = n;
  const auto sql1 = bench::sql_counts();
  out.post_sql = sql1 - sql0;
  std::printf("P\tpost_end\t%.6f\n", std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::fflush(stdout);

  sy.cost = {};
  w.connect(sy);
  std::size_t next_mark = block;
  block_cpu = 0;
  while (sy.channel_received < n + 1) {
    if (!w.pump(sy, 50)) throw std::runtime_error("backlog drain stalled at " + std::to_string(sy.channel_received));
    if (!series_tag.empty() && sy.channel_received >= next_mark + 1) {
      series("receive_cpu_vs_history", series_tag, static_cast<double>(next_mark), (sy.cost.cpu_s - block_cpu) * 1e6 / block);
      block_cpu = sy.cost.cpu_s;
      next_mark += block;
    }
    w.now += 1;
  }
  out.receive = sy.cost;
  out.receive.n = n;
  out.receive_sql = bench::sql_counts() - sql1;
  std::printf("P\treceive_end\t%.6f\n", std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::fflush(stdout);
  return out;
}

// --- pairwise session setup ---------------------------------------------------------------

struct SetupFigures {
  Cost initiator, responder;
};

// IL sends a first direct message to `n` devices it never talked to: FetchBundle, X3DH,
// encrypt, outbox, SendAck; each responder decrypts the PreKeySignalMessage.
SetupFigures session_setup(const fs::path& dir, std::size_t n, std::size_t size) {
  World w(dir);
  Node& il = w.add({"il_officer", 1});
  std::vector<Node*> peers;
  for (std::size_t i = 0; i < n; ++i) peers.push_back(&w.add({"peer" + std::to_string(i), 1}));
  w.run();
  SetupFigures out;
  const std::string text(size, 'b');
  for (Node* p : peers) {
    il.cost = {};
    p->cost = {};
    {
      Span s(il.cost);
      take(il.engine->send_text(p->address, text, w.now), "send_text");
    }
    w.run();
    out.initiator.cpu_s += il.cost.cpu_s;
    out.initiator.wall_s += il.cost.wall_s;
    out.responder.cpu_s += p->cost.cpu_s;
    out.responder.wall_s += p->cost.wall_s;
  }
  out.initiator.n = out.responder.n = n;
  return out;
}

// --- cells --------------------------------------------------------------------------------

void cell_figures(const fs::path& dir, std::size_t devices) {
  const std::string tag = std::to_string(devices);
  World w(dir);
  Node& us = w.add({"us_sup", 1});
  std::vector<Node*> members;
  for (std::size_t i = 1; i < devices; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "m%04zu", i);
    members.push_back(&w.add({name, 1}));
  }
  Node& late = w.add({"late_joiner", 1});
  w.run();
  for (auto& n : w.nodes()) n->cost = {};

  charter::SeedCellOptions options;
  for (std::size_t i = 0; i < members.size(); ++i) options.members.push_back(member(*members[i], i % 2 ? "SY" : "IL"));
  // A cell the size of the charter's limit may not fit in one genesis (kMaxOperations = 512
  // per commit): say what happens, then build it the way an application can today, with the
  // genesis and further commits of at most 512 operations.
  std::vector<charter::TemplateDevice> rest;
  const double wall0 = bench::wall_s();
  Cost supervisor;
  Result<CellId> created = make_error(Errc::invalid_argument, "not tried");
  {
    Span s(us.cost);
    created = us.engine->create_cell(options, w.now);
  }
  if (!created) {
    std::printf("E\tcreate_cell\t%s\t%s\n", tag.c_str(), created.error().to_string().c_str());
    info("create_cell with " + tag + " devices refused: " + created.error().to_string());
    rest.assign(options.members.begin() + 500, options.members.end());
    options.members.resize(500);
    Span s(us.cost);
    created = us.engine->create_cell(options, w.now);
  }
  const CellId cell = take(std::move(created), "create_cell");
  w.run();
  while (!rest.empty()) {
    const std::size_t k = std::min<std::size_t>(rest.size(), 512);
    std::vector<charter::Operation> ops;
    for (std::size_t i = 0; i < k; ++i) ops.push_back(charter::AddDevice{rest[i].device, rest[i].party, charter::Role::member, rest[i].identity_key});
    rest.erase(rest.begin(), rest.begin() + static_cast<long>(k));
    {
      Span s(us.cost);
      take(us.engine->commit(cell, std::move(ops), w.now), "commit (add devices)");
    }
    w.run();
  }
  const double wall_all_joined = bench::wall_s() - wall0;
  std::size_t joined = 0;
  Cost join;
  double join_max = 0;
  for (Node* m : members) {
    if (m->engine->charter(cell)) ++joined;
    join.cpu_s += m->cost.cpu_s;
    join.wall_s += m->cost.wall_s;
    join_max = std::max(join_max, m->cost.cpu_s);
  }
  join.n = members.size();
  if (joined != members.size())
    throw std::runtime_error("only " + std::to_string(joined) + " of " + std::to_string(members.size()) + " joined");
  Cost create = us.cost;
  create.n = 1;
  result("cell_create_supervisor", tag, create, "create_cell + Welcomes (X3DH to each member), supervisor CPU");
  result("cell_join_member", tag, join, "Welcome processed by one member (mean); max " + std::to_string(join_max * 1e3) + " ms");
  Cost total;
  total.n = 1;
  total.wall_s = wall_all_joined;
  for (auto& n : w.nodes()) total.cpu_s += n->cost.cpu_s;
  result("cell_until_all_joined", tag, total, "every engine in one thread: sum of CPU, wall incl. the in-memory relay");

  // One device replaced by another through commits, so that the cell has `devices` devices
  // again (the charter holds at most 1,024): the removal is not timed; the AddDevice commit is,
  // the supervisor signing and sending it, every member applying it, the new device's Welcome.
  Node& gone = *members.back();
  members.pop_back();
  take(us.engine->commit(cell, {charter::RemoveDevice{gone.address}}, w.now), "commit (remove last)");
  w.run();
  w.disconnect(gone);
  for (auto& n : w.nodes()) n->cost = {};
  {
    Span s(us.cost);
    take(us.engine->commit(cell, {charter::AddDevice{late.address, "IL", charter::Role::member, late.identity_public}}, w.now),
         "commit (add one)");
  }
  w.run();
  if (!late.engine->charter(cell)) throw std::runtime_error("late joiner did not join");
  Cost apply;
  for (Node* m : members) {
    apply.cpu_s += m->cost.cpu_s;
    apply.wall_s += m->cost.wall_s;
  }
  apply.n = members.size();
  Cost commit = us.cost;
  commit.n = 1;
  Cost welcome = late.cost;
  welcome.n = 1;
  result("commit_add_supervisor", tag, commit, "commit AddDevice: sign, apply, send to every device + Welcome");
  result("commit_apply_member", tag, apply, "one member applies the commit (mean)");
  result("welcome_join", tag, welcome, "the added device processes its Welcome");

  // Removal rekey: the poster has a key out to every reader; one reader is removed; the next
  // post makes a new sender key and sends it to each remaining reader over pairwise sessions.
  Node& poster = *members[0];
  take(poster.engine->post(cell, "intel", "before removal", w.now), "post");
  w.run();
  {
    Span s(us.cost);
    take(us.engine->commit(cell, {charter::RemoveDevice{members[1]->address}}, w.now), "commit (remove)");
  }
  w.run();
  for (auto& n : w.nodes()) n->cost = {};
  const std::size_t readers = devices - 2;  // devices - removed - poster
  Node& reader = late;
  const std::size_t before = reader.channel_received;
  {
    Span s(poster.cost);
    take(poster.engine->post(cell, "intel", std::string(1024, 'r'), w.now), "post after removal");
  }
  // The poster's own work first (distributions + the post, SendAcks), then the readers'.
  w.pump(poster);
  w.pump(poster);
  w.run();
  if (reader.channel_received != before + 1) throw std::runtime_error("reader did not get the post after removal");
  Cost rekey = poster.cost;
  rekey.n = 1;
  Cost rx = reader.cost;
  rx.n = 1;
  result("removal_rekey_sender", std::to_string(readers), rekey,
         "post after a removal: new sender key to " + std::to_string(readers) + " readers, sender CPU");
  result("removal_rekey_receiver", std::to_string(readers), rx, "one reader: new key + the post");
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool smoke = false, profile = false, cells_only = false;
  fs::path disk = fs::temp_directory_path() / "parley-sdk-bench";
  fs::path tmpfs = fs::exists("/dev/shm") ? fs::path("/dev/shm/parley-sdk-bench") : disk;
  std::vector<std::size_t> cells;
  std::size_t backlog = 10'000, posts = 1'000, disk_posts = 500, setups = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--smoke") smoke = true;
    else if (a == "--disk") disk = next();
    else if (a == "--tmpfs") tmpfs = next();
    else if (a == "--cells") cells = parse_list(next());
    else if (a == "--profile") profile = true;
    else if (a == "--cells-only") cells_only = true;
    else if (a == "--backlog") backlog = std::stoul(next());
    else if (a == "--posts") posts = std::stoul(next());
    else if (a == "--disk-posts") disk_posts = std::stoul(next());
    else {
      std::fprintf(stderr, "usage: parley_sdk_bench [--smoke] [--disk DIR] [--tmpfs DIR] [--cells 10,100] [--cells-only] "
                           "[--backlog N] [--posts N] [--disk-posts N]\n");
      return 2;
    }
  }
  if (smoke) {
    backlog = 20;
    posts = 10;
    disk_posts = 5;
    setups = 3;
    if (cells.empty()) cells = {4};
  } else if (cells.empty()) {
    cells = {10, 100};
  }
  try {
    if (profile) {  // only the engine's post and receive path, for perf/callgrind/strace
      auto f = post_and_drain(tmpfs / "profile", backlog, 1024);
      result("engine_post", "1024/profile", f.post);
      result("engine_receive", "1024/profile", f.receive);
      sql_result("engine_post", "1024/profile", f.post_sql, backlog);
      sql_result("engine_receive", "1024/profile", f.receive_sql, backlog);
      return 0;
    }
    const std::vector<std::size_t> sizes = {64, 1024, 16384};
    if (cells_only) goto cells;
    // Baselines first, in this process: raw libsignal-protocol-c, then the SDK's own
    // SenderKeys over the SQLCipher store (no engine), then the whole engine.
    for (std::size_t size : sizes) {
      const std::string v = std::to_string(size);
      const std::size_t n = smoke ? 20 : 4000;
      auto raw = bench::raw_sender_keys(n, size);
      result("raw_sender_key_encrypt", v, raw.encrypt, "libsignal-protocol-c, in-memory store");
      result("raw_sender_key_decrypt", v, raw.decrypt, "libsignal-protocol-c, in-memory store");
      result("raw_sender_key_verify", v, raw.verify, "deserialize + signature check only");
    }
    for (const auto& [variant, dir] : {std::pair{"tmpfs", tmpfs}, std::pair{"disk", disk}}) {
      const std::size_t n = smoke ? 20 : (std::string(variant) == "disk" ? 500 : 2000);
      fs::create_directories(dir);
      const auto sub = dir / "sk";
      fs::remove_all(sub);
      fs::create_directories(sub);
      auto speed = bench::channel_speed(sub.string(), n, 1024);
      fs::remove_all(sub);
      if (!speed.error.empty()) throw std::runtime_error(speed.error);
      Cost e, d;
      e.n = d.n = n;
      e.wall_s = n / speed.encrypt_per_second;
      d.wall_s = n / speed.decrypt_per_second;
      e.cpu_s = e.wall_s;  // channel_speed reports wall time only
      d.cpu_s = d.wall_s;
      result("sdk_sender_keys_encrypt", std::string("1024/") + variant, e, "SenderKeys + SQLCipher store, no engine (wall)");
      result("sdk_sender_keys_decrypt", std::string("1024/") + variant, d, "SenderKeys + SQLCipher store, no engine (wall)");
    }

    for (const auto& [variant, dir] : {std::pair{"tmpfs", tmpfs}, std::pair{"disk", disk}}) {
      const bool on_disk = std::string(variant) == "disk";
      for (std::size_t size : sizes) {
        std::size_t n = size == 1024 ? backlog : posts;
        if (on_disk) n = std::min(n, size == 1024 ? disk_posts * 2 : disk_posts);
        info(std::string("engine post+drain: ") + variant + ", " + std::to_string(size) + " B x " + std::to_string(n));
        auto f = post_and_drain(dir / "post", n, size, size == 1024 ? variant : "");
        const std::string v = std::to_string(size) + "/" + variant;
        result("engine_post", v, f.post, "Engine::post(), readers offline, SendAck handled");
        result("engine_receive", v, f.receive, "a reader drains a backlog of " + std::to_string(n));
        sql_result("engine_post", v, f.post_sql, n);
        sql_result("engine_receive", v, f.receive_sql, n);
      }
    }

    {
      const std::size_t n = setups;
      auto raw = bench::raw_x3dh(smoke ? 3 : 200, 64);
      result("raw_x3dh_initiator", "64", raw.initiator, "process bundle + first encrypt");
      result("raw_x3dh_responder", "64", raw.responder, "decrypt PreKeySignalMessage");
      result("raw_session_encrypt", "64", raw.session_encrypt, "a further message on an established session");
      info("engine session setup x " + std::to_string(n));
      auto f = session_setup(tmpfs / "setup", n, 64);
      result("engine_session_initiator", "64/tmpfs", f.initiator, "send_text to a new device: bundle, X3DH, outbox, SendAck");
      result("engine_session_responder", "64/tmpfs", f.responder, "first message from a new device");
    }

  cells:
    for (std::size_t devices : cells) {
      info("cell figures, " + std::to_string(devices) + " devices (tmpfs)");
      cell_figures(tmpfs / "cells", devices);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley_sdk_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
