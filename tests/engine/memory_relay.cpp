// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/memory_relay.hpp"

#include <algorithm>
#include <variant>

#include "memory_storage.hpp"
#include "relay_core.hpp"

namespace parley::test {

namespace {

using relay::Actions;
using relay::Now;

// No clock: messages are stored at time 0 and no deadline ever passes.
constexpr Now kNow{};

// The relay's rules with limits no test meets, and without PreKeysLow (engines here are
// given enough prekeys; a relay that asks for more is tested against the real relay).
relay::RelayConfig memory_config() {
  relay::RelayConfig config;
  config.registration = "open";
  config.max_frame_bytes = std::size_t{1} << 30;
  config.max_recipients = 1u << 20;
  config.max_prekeys_per_upload = 1u << 20;
  config.max_stored_prekeys = 1u << 20;
  config.prekeys_low_threshold = 0;
  config.delivery_window = std::size_t{1} << 30;
  config.delivery_window_bytes = std::size_t{1} << 40;
  return config;
}

Error unsupported(const char* what) {
  return make_error(Errc::internal, std::string("MemoryRelay's storage does not do ") + what);
}

}  // namespace

// Devices and prekeys in the relay's own MemoryStorage; mailboxes in the MemoryRelay, where
// the faults can reach each copy of each message.
class MemoryRelay::Store final : public relay::Storage {
 public:
  explicit Store(MemoryRelay& relay)
      : relay_(relay), devices_(relay::StorageLimits{1u << 30, 1u << 20, 0}) {}

  Status begin_batch() override { return {}; }
  Status commit_batch() override { return {}; }
  void rollback_batch() override {}
  bool in_batch() const override { return false; }
  Status savepoint() override { return {}; }
  Status release_savepoint() override { return {}; }
  void rollback_savepoint() override {}

  Result<std::uint32_t> register_device(const relay::DeviceRecord& device,
                                        const std::vector<relay::PreKeyRecord>& prekeys,
                                        const relay::Admission& admission) override {
    // An address taken over by a new identity key (TrustTest): the deployed relay wants an
    // admin's remove-device first; here the newcomer replaces the device, mail stays queued.
    auto existing = devices_.find_device(device.address);
    if (existing && existing->device.identity_key != device.identity_key) {
      auto removed = devices_.remove_device(device.address);
      if (!removed) return std::move(removed).error();
    }
    return devices_.register_device(device, prekeys, admission);
  }
  Result<relay::AuthRecord> find_device(const Address& address) override { return devices_.find_device(address); }
  Result<std::uint32_t> upload_prekeys(const Address& address,
                                       const std::optional<relay::SignedPreKeyRecord>& signed_prekey,
                                       const std::vector<relay::PreKeyRecord>& prekeys) override {
    return devices_.upload_prekeys(address, signed_prekey, prekeys);
  }
  Result<std::uint32_t> prekey_count(const Address& address) override { return devices_.prekey_count(address); }
  Result<relay::BundleRecord> fetch_bundle(const Address& address) override {
    auto substitute = relay_.impersonate.find(address);
    if (substitute == relay_.impersonate.end()) return devices_.fetch_bundle(address);
    auto bundle = devices_.fetch_bundle(substitute->second);
    if (bundle) bundle->device.address = address;  // the victim's address, the attacker's keys
    return bundle;
  }

  Result<relay::StoreOutcome> store_message(const Address& sender, const MessageId& message_id,
                                            const std::vector<Address>& recipients, ByteView payload,
                                            TimeMs) override {
    relay::StoreOutcome outcome;
    if (auto it = relay_.stored_.find({sender, message_id}); it != relay_.stored_.end()) {
      outcome.duplicate = true;
      for (const auto& r : it->second) outcome.refused.push_back(relay::Refusal{r.recipient, r.code});
      return outcome;
    }
    std::vector<wire::Refused> refused;
    for (const Address& to : recipients) {
      if (relay_.refuse_unknown && !devices_.find_device(to))
        refused.push_back({to, Errc::unknown_device});
      else if (relay_.max_mailbox > 0 && relay_.mailbox_size(to) >= relay_.max_mailbox)
        refused.push_back({to, Errc::mailbox_full});
      else
        outcome.accepted.push_back(to);
    }
    for (const auto& r : refused) outcome.refused.push_back(relay::Refusal{r.recipient, r.code});
    if (outcome.accepted.empty()) return outcome;  // nothing stored, nothing remembered
    relay_.stored_[{sender, message_id}] = refused;
    relay_.captured_.push_back(Captured{sender, message_id, recipients, Bytes(payload.begin(), payload.end())});
    for (const Address& to : outcome.accepted) {
      const int n = relay_.copies ? relay_.copies(sender, to, payload) : 1;
      for (int i = 0; i < n; ++i) {
        Mail mail{relay_.next_delivery_++, sender, message_id, Bytes(payload.begin(), payload.end())};
        if (relay_.tamper) relay_.tamper(sender, to, mail.payload);
        if (relay_.withhold && relay_.withhold(sender, to, mail.payload))
          relay_.withheld_.emplace_back(to, std::move(mail));
        else
          relay_.mailboxes_[to].push_back(std::move(mail));
      }
    }
    return outcome;
  }

  // Everything queued after `after` (the window is never the limit here), in the order
  // `reorder` chooses.
  Result<relay::MailboxPage> load_mailbox(const Address& recipient, std::uint64_t after, std::size_t,
                                          std::size_t) override {
    relay::MailboxPage page;
    std::vector<const Mail*> batch;
    for (const auto& mail : relay_.mailboxes_[recipient])
      if (mail.delivery_id > after) batch.push_back(&mail);
    if (batch.empty()) return page;
    if (relay_.reorder) relay_.reorder(recipient, batch);
    page.messages.reserve(batch.size());
    for (const Mail* mail : batch)
      page.messages.push_back(relay::StoredMessage{mail->delivery_id, mail->sender, mail->message_id, mail->payload, 0});
    return page;
  }
  Result<std::uint32_t> ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) override {
    if (relay_.drop_acks) return 0u;
    auto& box = relay_.mailboxes_[recipient];
    std::uint32_t deleted = 0;
    for (std::uint64_t id : delivery_ids)
      deleted += static_cast<std::uint32_t>(std::erase_if(box, [&](const Mail& m) { return m.delivery_id == id; }));
    return deleted;
  }
  Result<std::uint32_t> mailbox_size(const Address& recipient) override {
    return static_cast<std::uint32_t>(relay_.mailbox_size(recipient));
  }

  // Not used by the protocol core.
  Result<std::uint32_t> prune_dedup(TimeMs) override { return unsupported("pruning"); }
  Result<std::uint32_t> prune_expired(TimeMs, std::uint32_t) override { return unsupported("pruning"); }
  Result<std::uint64_t> message_count() override { return static_cast<std::uint64_t>(relay_.stored_.size()); }
  Status mint_invite(ByteView, std::uint32_t, TimeMs, TimeMs) override { return unsupported("invites"); }
  Result<bool> revoke_invite(ByteView) override { return unsupported("invites"); }
  Result<bool> remove_device(const Address&) override { return unsupported("administration"); }
  Result<std::uint32_t> purge_mailbox(const Address&) override { return unsupported("administration"); }
  Result<relay::RelayStats> stats(TimeMs) override { return unsupported("statistics"); }
  Result<std::vector<std::uint64_t>> mailbox_depths() override { return unsupported("statistics"); }
  Status ping() override { return {}; }
  Result<std::uint64_t> used_bytes() override { return std::uint64_t{0}; }

 private:
  MemoryRelay& relay_;
  relay::MemoryStorage devices_;
};

MemoryRelay::MemoryRelay()
    : config_(std::make_unique<relay::RelayConfig>(memory_config())), store_(std::make_unique<Store>(*this)) {}

MemoryRelay::~MemoryRelay() = default;

Bytes MemoryRelay::open(int connection) {
  auto core = std::make_unique<relay::RelayCore>(relay::CoreContext{config_.get(), nullptr, nullptr, "memory"});
  Actions actions = core->open(Bytes(wire::kNonceBytes, static_cast<std::uint8_t>(connection)), kNow);
  connections_[connection] = std::move(core);
  return std::move(actions.frames.front());
}

void MemoryRelay::close(int connection) {
  connections_.erase(connection);
  std::erase_if(online_, [&](const auto& entry) { return entry.second == connection; });
}

void MemoryRelay::handle(int connection, ByteView frame, Out& out) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;  // closed: the bytes go nowhere
  run(connection, it->second->handle_frame(frame, kNow), out);
}

void MemoryRelay::push_all(Out& out) {
  for (const auto& [address, connection] : online_) run(connection, connections_.at(connection)->wake(), out);
}

void MemoryRelay::run(int connection, Actions first, Out& out) {
  std::deque<std::pair<int, Actions>> work;
  work.emplace_back(connection, std::move(first));
  bool stored = false;
  while (!work.empty()) {
    auto [conn, actions] = std::move(work.front());
    work.pop_front();
    auto found = connections_.find(conn);
    if (found == connections_.end()) continue;
    relay::RelayCore& core = *found->second;
    if (actions.authenticated) online_[*actions.authenticated] = conn;  // replaces an older connection
    for (auto& frame : actions.frames) {
      if (drop_send_acks) {
        auto parsed = wire::parse_relay_frame(frame);
        if (parsed && (*parsed)->body_type() == wire::RelayBody::SendAck) continue;
      }
      out[conn].push_back(std::move(frame));
    }
    for (auto& job : actions.jobs) {
      work.emplace_back(conn, std::visit(
                                  [&](const auto& typed) {
                                    auto result = relay::run_job(*store_, typed);
                                    if constexpr (std::is_same_v<std::decay_t<decltype(typed)>, relay::StoreMessageJob>)
                                      stored = stored || (result && (result->duplicate || !result->accepted.empty()));
                                    return core.done(typed, std::move(result), kNow);
                                  },
                                  job));
    }
    for (const Address& recipient : actions.wake)
      if (auto online = online_.find(recipient); online != online_.end())
        work.emplace_back(online->second, connections_.at(online->second)->wake());
    for (const auto& notice : actions.prekeys_low)
      if (auto online = online_.find(notice.device); online != online_.end())
        work.emplace_back(online->second, connections_.at(online->second)->prekeys_low(notice.remaining));
    if (actions.fatal) {
      // The relay closes the connection after the Failure.
      std::erase_if(online_, [&](const auto& entry) { return entry.second == conn; });
    }
  }
  // As a relay that polls: a stored Send also brings every device what else is queued for it
  // (injected, replayed or released mail).
  if (stored) push_all(out);
}

// Behind everything queued: new delivery ids, so each is pushed on the next delivery round.
void MemoryRelay::release_withheld() {
  auto held = std::move(withheld_);
  withheld_.clear();
  for (auto& [to, mail] : held) {
    mail.delivery_id = next_delivery_++;
    mailboxes_[to].push_back(std::move(mail));
  }
}

}  // namespace parley::test
