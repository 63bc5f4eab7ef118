// SPDX-License-Identifier: GPL-3.0-or-later
#include "parley/client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/address.hpp"
#include "engine/engine.hpp"
#include "pairwise/device_keys.hpp"
#include "store/device_store.hpp"
#include "transport/tls_pin.hpp"
#include "transport/websocket_connection.hpp"

namespace parley {

namespace asio = boost::asio;

namespace {
TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// Threading: the engine and store are guarded by mutex_; the connection, timer and
// reconnect state belong to the network thread. Events are dispatched on the network
// thread with the mutex released, so a handler may call send_text().
class Client::Impl {
 public:
  Impl(ClientOptions options, std::unique_ptr<store::DeviceStore> store, std::unique_ptr<engine::Engine> engine)
      : options_(std::move(options)),
        store_(std::move(store)),
        engine_(std::move(engine)),
        timer_(io_),
        deadline_timer_(io_),
        shutdown_timer_(io_) {}

  ~Impl() { stop(); }

  void set_event_handler(EventHandler handler) { handler_ = std::move(handler); }

  Status start() {
    if (thread_.joinable()) return make_error(Errc::invalid_argument, "client already started");
    stopping_ = false;
    shutdown_timer_.cancel();  // a previous stop()'s deadline must not stop this run
    io_.restart();
    work_.emplace(io_.get_executor());
    asio::post(io_, [this] {
      connect();
      arm_timer();
    });
    thread_ = std::thread([this] { io_.run(); });
    return {};
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      stopping_ = true;
      timer_.cancel();
      deadline_timer_.cancel();
      if (connection_) {
        connection_->close();
        // Do not wait long for a relay that does not answer the close handshake.
        shutdown_timer_.expires_after(std::chrono::seconds(2));
        shutdown_timer_.async_wait([this](boost::system::error_code ec) {
          if (!ec) io_.stop();
        });
      } else {
        io_.stop();
      }
    });
    work_.reset();
    thread_.join();
    connection_.reset();
  }

  Result<MessageId> send_text(const Address& to, std::string text) {
    Result<MessageId> id = [&] {
      std::lock_guard lock(mutex_);
      return engine_->send_text(to, text, wall_clock_ms());
    }();
    if (id && thread_.joinable()) asio::post(io_, [this] { pump(); });
    return id;
  }

  const Address& address() const { return options_.address; }

  // Runs a command on the engine under the lock, then lets the network thread send.
  template <class Command>
  auto command(Command&& run) {
    auto result = [&] {
      std::lock_guard lock(mutex_);
      return run(*engine_, wall_clock_ms());
    }();
    if (result && thread_.joinable()) asio::post(io_, [this] { pump(); });
    return result;
  }

  template <class Query>
  auto query(Query&& run) const {
    std::lock_guard lock(mutex_);
    return run(*engine_, *store_);
  }

 private:
  // Runs `step` on the engine, then sends what it produced and dispatches its events.
  template <class Step>
  auto with_engine(Step&& step) {
    if constexpr (std::is_void_v<decltype(step(*engine_))>) {
      {
        std::lock_guard lock(mutex_);
        step(*engine_);
      }
      pump();
    } else {
      auto result = [&] {
        std::lock_guard lock(mutex_);
        return step(*engine_);
      }();
      pump();
      return result;
    }
  }

  void connect() {
    if (stopping_) return;
    transport::ConnectionOptions options;
    options.host = options_.relay_host;
    options.port = options_.relay_port;
    options.tls = {options_.relay_tls, options_.relay_ca_file, options_.relay_cert_sha256};
    transport::ConnectionHandlers handlers;
    handlers.on_open = [this] {
      with_engine([](engine::Engine& e) { e.on_open(wall_clock_ms()); });
    };
    handlers.on_frame = [this](Bytes frame) {
      Status handled = with_engine([&](engine::Engine& e) { return e.on_frame(frame, wall_clock_ms()); });
      if (!handled && connection_) connection_->close();
    };
    handlers.on_close = [this](const Error& reason) {
      connection_.reset();
      with_engine([&](engine::Engine& e) { e.on_close(reason, wall_clock_ms()); });
      if (stopping_) {
        io_.stop();
        return;
      }
      schedule_reconnect();
    };
    connection_ = transport::WebSocketConnection::open(io_, std::move(options), std::move(handlers));
  }

  void schedule_reconnect() {
    // Exponential backoff with jitter in [delay/2, delay], so a fleet does not reconnect in step.
    auto base = options_.reconnect_initial * (1LL << std::min(failures_, 16));
    auto delay = std::min<std::chrono::milliseconds>(base, options_.reconnect_max);
    std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
    ++failures_;
    timer_.expires_after(std::chrono::milliseconds(jitter(rng_)));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) connect();
    });
  }

  // The engine's timed work (acknowledgement deadlines, withheld commits, refused sends) runs
  // on the wall clock whether or not the relay is reachable: one timer, armed for the
  // engine's poll_timeout after every pump, and never longer than deadline_tick so that a
  // wall clock that jumped is noticed.
  void arm_timer() {
    if (stopping_) return;
    const std::optional<TimeMs> at = [&] {
      std::lock_guard lock(mutex_);
      return engine_->poll_timeout();
    }();
    auto wait = options_.deadline_tick;
    if (at) wait = std::min<std::chrono::milliseconds>(wait, std::chrono::milliseconds(std::max<TimeMs>(0, *at - wall_clock_ms())));
    deadline_timer_.expires_after(wait);
    deadline_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // re-armed (cancelled) or stopping
      with_engine([](engine::Engine& e) { e.handle_timeout(wall_clock_ms()); });
    });
  }

  void pump() {
    std::vector<Bytes> frames;
    std::vector<Event> events;
    {
      std::lock_guard lock(mutex_);
      while (auto frame = engine_->poll_transmit()) frames.push_back(std::move(*frame));
      while (auto event = engine_->poll_event()) events.push_back(std::move(*event));
    }
    for (auto& frame : frames)
      if (connection_) connection_->send(std::move(frame));
    for (const auto& event : events) {
      if (std::holds_alternative<Connected>(event)) failures_ = 0;
      if (handler_) handler_(event);
    }
    arm_timer();
  }

  ClientOptions options_;
  std::unique_ptr<store::DeviceStore> store_;
  std::unique_ptr<engine::Engine> engine_;
  mutable std::mutex mutex_;
  EventHandler handler_;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::steady_timer timer_;           // reconnect backoff
  asio::steady_timer deadline_timer_;  // Engine::poll_timeout / handle_timeout
  asio::steady_timer shutdown_timer_;  // bounds how long stop() waits for the close handshake
  std::shared_ptr<transport::WebSocketConnection> connection_;
  std::thread thread_;
  bool stopping_ = false;
  int failures_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
};

Result<std::unique_ptr<Client>> Client::open(ClientOptions options) {
  PARLEY_TRY(validate_address(options.address));
  if (options.store_key.kind() == StoreKey::Kind::none)
    return make_error(Errc::invalid_argument, "a device store must be encrypted: give a raw key or a passphrase");
  if (options.relay_port == 0) return make_error(Errc::invalid_argument, "relay_port is required");
  if (!options.relay_cert_sha256.empty() && !transport::parse_pin(options.relay_cert_sha256))
    return make_error(Errc::invalid_argument, "relay_cert_sha256 must be 64 hex digits (colons allowed), got '" +
                                                  options.relay_cert_sha256 + "'");
  if (!options.relay_tls && (!options.relay_ca_file.empty() || !options.relay_cert_sha256.empty()))
    return make_error(Errc::invalid_argument, "relay_ca_file and relay_cert_sha256 need relay_tls");
  auto store = store::DeviceStore::open(options.store_path, options.store_key);
  if (!store) return std::move(store).error();

  auto identity = (*store)->local_identity();
  if (!identity) return std::move(identity).error();
  if (!identity->has_value()) {
    PARLEY_TRY(pairwise::create_device_identity(**store, options.address, options.initial_prekeys, wall_clock_ms()));
  } else if ((*identity)->address != options.address) {
    return make_error(Errc::invalid_argument, "this store belongs to device " + (*identity)->address.to_string() +
                                                  ", not " + options.address.to_string());
  }
  engine::EngineOptions engine_options;
  engine_options.invite_token = options.invite_token;
  auto engine = engine::Engine::create(**store, std::move(engine_options));
  if (!engine) return std::move(engine).error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*store), std::move(*engine));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;
void Client::set_event_handler(EventHandler handler) { impl_->set_event_handler(std::move(handler)); }
Status Client::start() { return impl_->start(); }
void Client::stop() { impl_->stop(); }
Result<MessageId> Client::send_text(const Address& to, std::string text) { return impl_->send_text(to, std::move(text)); }
const Address& Client::address() const { return impl_->address(); }

namespace {

charter::Role to_role(CellRole role) { return static_cast<charter::Role>(role); }

charter::Grant to_grant(const CellGrant& g) {
  return charter::Grant{static_cast<charter::GrantKind>(g.kind), g.name, g.device};
}

}  // namespace

Result<Bytes> Client::identity_key() const {
  return impl_->query([](engine::Engine&, store::DeviceStore& store) -> Result<Bytes> {
    auto identity = store.local_identity();
    if (!identity) return std::move(identity).error();
    return (*identity)->identity_public;
  });
}

Status Client::add_join_anchor(const JoinAnchor& anchor) {
  return impl_->command([&](engine::Engine& e, TimeMs now) { return e.add_join_anchor(anchor, now); });
}

Status Client::accept_invitation(const Digest& genesis) {
  return impl_->command([&](engine::Engine& e, TimeMs now) { return e.accept_invitation(genesis, now); });
}

Status Client::decline_invitation(const Digest& genesis) {
  return impl_->command([&](engine::Engine& e, TimeMs) { return e.decline_invitation(genesis); });
}

Result<std::vector<Invitation>> Client::invitations() const {
  return impl_->query([](engine::Engine& e, store::DeviceStore&) { return e.invitations(); });
}

Result<JoinAnchor> Client::join_anchor(const CellId& cell) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) { return e.join_anchor(cell); });
}

Result<JoinAnchor> Client::supervisor_anchor() const {
  return impl_->query([](engine::Engine& e, store::DeviceStore&) { return e.supervisor_anchor(); });
}

Result<CellId> Client::create_cell(CellTemplate t) {
  charter::SeedCellOptions options;
  options.cell_name = std::move(t.name);
  options.supervisor_party = std::move(t.supervisor_party);
  options.parties = std::move(t.parties);
  for (auto& m : t.members)
    options.members.push_back(charter::TemplateDevice{m.device, m.party, to_role(m.role), m.identity_key});
  return impl_->command([&](engine::Engine& e, TimeMs now) { return e.create_cell(options, now); });
}

Status Client::add_member(const CellId& cell, CellMember m) {
  return impl_->command([&](engine::Engine& e, TimeMs now) -> Status {
    const auto* log = e.charter(cell);
    std::optional<charter::Role> role;
    // A role is given only to a user new to the cell (roles change through set_role).
    if (!log || !log->state().users.count(m.device.user)) role = to_role(m.role);
    return e.commit(cell, {charter::AddDevice{m.device, m.party, role, m.identity_key}}, now);
  });
}

Status Client::remove_member(const CellId& cell, const Address& device) {
  return impl_->command(
      [&](engine::Engine& e, TimeMs now) { return e.commit(cell, {charter::RemoveDevice{device}}, now); });
}

Status Client::set_role(const CellId& cell, std::string user, CellRole role) {
  return impl_->command(
      [&](engine::Engine& e, TimeMs now) { return e.commit(cell, {charter::SetRole{user, to_role(role)}}, now); });
}

Status Client::create_channel(const CellId& cell, std::string channel, std::string display_name) {
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.commit(cell, {charter::CreateChannel{channel, display_name}}, now);
  });
}

Status Client::archive_channel(const CellId& cell, std::string channel) {
  return impl_->command(
      [&](engine::Engine& e, TimeMs now) { return e.commit(cell, {charter::ArchiveChannel{channel}}, now); });
}

Status Client::rename_channel(const CellId& cell, std::string channel, std::string display_name) {
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.commit(cell, {charter::RenameChannel{channel, display_name}}, now);
  });
}

Status Client::set_channel_policy(const CellId& cell, std::string channel, ChannelPolicySpec spec) {
  charter::ChannelPolicy policy;
  for (const auto& g : spec.read) policy.read.push_back(to_grant(g));
  for (const auto& g : spec.post) policy.post.push_back(to_grant(g));
  policy.ack_required = spec.ack_required;
  policy.ack_deadline_seconds = spec.ack_deadline_seconds;
  policy.attested = spec.attested;
  policy.retention_seconds = spec.retention_seconds;
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.commit(cell, {charter::SetChannelPolicy{channel, policy}}, now);
  });
}

Result<ProposalId> Client::propose(const CellId& cell, CellProposal changes) {
  return impl_->command([&](engine::Engine& e, TimeMs now) -> Result<ProposalId> {
    const auto* log = e.charter(cell);
    std::vector<charter::Operation> operations;
    for (auto& m : changes.add) {
      std::optional<charter::Role> role;
      if (!log || !log->state().users.count(m.device.user)) role = to_role(m.role);
      operations.push_back(charter::AddDevice{m.device, m.party, role, m.identity_key});
    }
    for (const auto& d : changes.remove) operations.push_back(charter::RemoveDevice{d});
    for (const auto& r : changes.roles) operations.push_back(charter::SetRole{r.user, to_role(r.role)});
    return e.propose(cell, std::move(operations), now);
  });
}

Status Client::accept_proposal(const CellId& cell, const ProposalId& id) {
  return impl_->command([&](engine::Engine& e, TimeMs now) { return e.accept_proposal(cell, id, now); });
}

Status Client::reject_proposal(const CellId& cell, const ProposalId& id) {
  return impl_->command([&](engine::Engine& e, TimeMs) { return e.reject_proposal(cell, id); });
}

Result<MessageId> Client::post(const CellId& cell, std::string channel, std::string text, Precedence precedence) {
  return impl_->command([&](engine::Engine& e, TimeMs now) { return e.post(cell, channel, text, now, precedence); });
}

Result<MessageId> Client::acknowledge(const CellId& cell, std::string channel, const Address& sender,
                                      const MessageId& id) {
  return impl_->command(
      [&](engine::Engine& e, TimeMs now) { return e.acknowledge(cell, channel, hotline::MessageRef{sender, id}, now); });
}

Result<Bytes> Client::export_transcript(const CellId& cell, std::string channel, TimeMs from, TimeMs to) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) { return e.export_transcript(cell, channel, from, to); });
}

std::map<std::string, AckState> Client::ack_status(const CellId& cell, std::string channel, const Address& sender,
                                                   const MessageId& id) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) {
    return e.ack_status(cell, channel, hotline::MessageRef{sender, id}, wall_clock_ms());
  });
}

Result<IncidentId> Client::open_incident(const CellId& cell, std::string channel, IncidentOpen incident,
                                         Precedence precedence) {
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.open_incident(cell, channel, std::move(incident), precedence, now);
  });
}

Result<MessageId> Client::update_incident(const CellId& cell, std::string channel, const IncidentId& incident,
                                          IncidentAction action) {
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.update_incident(cell, channel, incident, std::move(action), now);
  });
}

Result<std::vector<Incident>> Client::incidents(const CellId& cell, std::string channel) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) { return e.incidents(cell, channel); });
}

Result<MessageId> Client::post_notice(const CellId& cell, std::string channel, DeconflictionNotice notice,
                                      Precedence precedence) {
  return impl_->command([&](engine::Engine& e, TimeMs now) {
    return e.post_notice(cell, channel, std::move(notice), precedence, now);
  });
}

Result<std::vector<NoticeEntry>> Client::notices(const CellId& cell, std::string channel) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) { return e.notices(cell, channel); });
}

Result<std::vector<ChannelHistoryEntry>> Client::history(const CellId& cell, std::string channel) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) -> Result<std::vector<ChannelHistoryEntry>> {
    auto records = e.history(cell, channel);
    if (!records) return std::move(records).error();
    std::vector<ChannelHistoryEntry> out;
    for (auto& r : *records) {
      if (r.kind != static_cast<std::uint8_t>(cells::ChannelMessageKind::text)) continue;
      out.push_back(ChannelHistoryEntry{r.channel, r.sender, r.message_id, r.epoch, r.sent_at, r.received_at,
                                        std::string(r.body.begin(), r.body.end()),
                                        static_cast<Precedence>(r.precedence)});
    }
    return out;
  });
}

std::vector<CellId> Client::cells() const {
  return impl_->query([](engine::Engine& e, store::DeviceStore&) { return e.cells(); });
}

Result<CellView> Client::cell(const CellId& cell) const {
  return impl_->query([&](engine::Engine& e, store::DeviceStore&) { return e.cell_view(cell); });
}

Result<std::vector<CellView>> Client::cell_views() const {
  return impl_->query([](engine::Engine& e, store::DeviceStore&) { return e.cell_views(); });
}

}  // namespace parley
