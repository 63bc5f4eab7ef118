// SPDX-License-Identifier: GPL-3.0-or-later
#include "memory_storage.hpp"

#include <algorithm>
#include <map>

#include "relay_errors.hpp"

namespace parley::relay {

namespace {

struct Device {
  DeviceRecord record;
  std::map<std::uint32_t, Bytes> prekeys;
  std::map<std::uint64_t, std::int64_t> mailbox;  // delivery id -> message
  std::uint64_t last_seq = 0;                     // never reused while the device exists
};

struct Message {
  Address sender;
  MessageId id;
  Bytes payload;
  TimeMs stored_at = 0;
  std::uint32_t references = 0;  // mailbox rows
};

struct Sent {
  TimeMs stored_at = 0;
  std::vector<Refusal> refused;
};

struct Invite {
  std::int64_t uses_left = 0;
  TimeMs expires_at = 0;
};

Error unknown(const Address& address) {
  return make_error(Errc::unknown_device, "device " + address.to_string() + " is not registered");
}

}  // namespace

struct MemoryStorage::State {
  std::map<Address, Device> devices;
  std::map<std::int64_t, Message> messages;
  std::int64_t next_message = 1;
  std::map<std::pair<Address, MessageId>, Sent> sent;
  std::map<Bytes, Invite> invites;

  void unreference(std::int64_t message) {
    auto it = messages.find(message);
    if (it != messages.end() && --it->second.references == 0) messages.erase(it);
  }
};

struct MemoryStorage::Data {
  std::mutex mutex;
  State state;
};

MemoryStorage::MemoryStorage(StorageLimits limits) : MemoryStorage(std::make_shared<Data>(), limits) {}
MemoryStorage::MemoryStorage(std::shared_ptr<Data> data, StorageLimits limits)
    : data_(std::move(data)), limits_(limits) {}
MemoryStorage::~MemoryStorage() = default;

std::unique_ptr<MemoryStorage> MemoryStorage::connect(StorageLimits limits) const {
  return std::unique_ptr<MemoryStorage>(new MemoryStorage(data_, limits));
}

MemoryStorage::State& MemoryStorage::state() { return data_->state; }

template <class F>
auto MemoryStorage::atomic(F&& body) -> decltype(body()) {
  const bool outer = !held_.owns_lock();
  if (outer) held_ = std::unique_lock<std::mutex>(data_->mutex);
  State before = state();  // a copy: cheap enough for what tests store
  auto result = body();
  if (!result.ok()) state() = std::move(before);
  if (outer) held_.unlock();
  return result;
}

// --- batches ---

Status MemoryStorage::begin_batch() {
  if (in_batch_ || held_.owns_lock()) return make_error(Errc::internal, "a storage batch is already open");
  held_ = std::unique_lock<std::mutex>(data_->mutex);
  batch_copy_ = std::make_unique<State>(state());
  in_batch_ = true;
  return {};
}

Status MemoryStorage::commit_batch() {
  if (!in_batch_) return make_error(Errc::internal, "no storage batch is open");
  batch_copy_.reset();
  job_copy_.reset();
  in_batch_ = false;
  held_.unlock();
  return {};
}

void MemoryStorage::rollback_batch() {
  if (!in_batch_) return;
  state() = std::move(*batch_copy_);
  batch_copy_.reset();
  job_copy_.reset();
  in_batch_ = false;
  held_.unlock();
}

Status MemoryStorage::savepoint() {
  job_copy_ = std::make_unique<State>(state());
  return {};
}

Status MemoryStorage::release_savepoint() {
  job_copy_.reset();
  return {};
}

void MemoryStorage::rollback_savepoint() {
  if (job_copy_) state() = std::move(*job_copy_);
  job_copy_.reset();
}

// --- devices and prekeys ---

Result<std::uint32_t> MemoryStorage::prekey_count(const Address& address) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(address);
    return static_cast<std::uint32_t>(it == state().devices.end() ? 0 : it->second.prekeys.size());
  });
}

Result<std::uint32_t> MemoryStorage::register_device(const DeviceRecord& device,
                                                     const std::vector<PreKeyRecord>& prekeys,
                                                     const Admission& admission) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(device.address);
    if (it != state().devices.end()) {
      if (it->second.record.identity_key != device.identity_key)
        return make_error(Errc::device_exists,
                          "device " + device.address.to_string() + " is registered with another identity key");
      it->second.record.registration_id = device.registration_id;
      it->second.record.signed_prekey = device.signed_prekey;
    } else {
      if (!admission.open) PARLEY_TRY(use_invite(admission));
      state().devices[device.address].record = device;
    }
    return upload_prekeys(device.address, std::nullopt, prekeys);
  });
}

Result<AuthRecord> MemoryStorage::find_device(const Address& address) {
  return atomic([&]() -> Result<AuthRecord> {
    auto it = state().devices.find(address);
    if (it == state().devices.end()) return unknown(address);
    return AuthRecord{it->second.record, static_cast<std::uint32_t>(it->second.prekeys.size())};
  });
}

Result<std::uint32_t> MemoryStorage::upload_prekeys(const Address& address,
                                                    const std::optional<SignedPreKeyRecord>& signed_prekey,
                                                    const std::vector<PreKeyRecord>& prekeys) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(address);
    if (it == state().devices.end()) return unknown(address);
    if (signed_prekey) it->second.record.signed_prekey = *signed_prekey;
    for (const auto& prekey : prekeys) it->second.prekeys[prekey.id] = prekey.public_key;
    const auto count = static_cast<std::uint32_t>(it->second.prekeys.size());
    if (count > limits_.max_stored_prekeys)
      return make_error(Errc::limit_exceeded, "device " + address.to_string() + " would hold " +
                                                  std::to_string(count) + " one-time prekeys; the limit is " +
                                                  std::to_string(limits_.max_stored_prekeys));
    return count;
  });
}

Result<BundleRecord> MemoryStorage::fetch_bundle(const Address& address) {
  return atomic([&]() -> Result<BundleRecord> {
    auto it = state().devices.find(address);
    if (it == state().devices.end()) return unknown(address);
    BundleRecord out;
    out.device = it->second.record;
    if (!it->second.prekeys.empty()) {
      auto first = it->second.prekeys.begin();
      out.one_time_prekey = PreKeyRecord{first->first, first->second};
      it->second.prekeys.erase(first);
    }
    out.prekeys_remaining = static_cast<std::uint32_t>(it->second.prekeys.size());
    return out;
  });
}

// --- mailboxes ---

Result<StoreOutcome> MemoryStorage::store_message(const Address& sender, const MessageId& message_id,
                                                  const std::vector<Address>& recipients, ByteView payload,
                                                  TimeMs now) {
  return atomic([&]() -> Result<StoreOutcome> {
    StoreOutcome out;
    State& s = state();
    if (auto seen = s.sent.find({sender, message_id}); seen != s.sent.end()) {
      out.duplicate = true;
      out.refused = seen->second.refused;
      return out;
    }
    if (recipients.empty()) return make_error(Errc::invalid_argument, "a message needs at least one recipient");
    for (const auto& r : recipients) {
      if (std::find(out.accepted.begin(), out.accepted.end(), r) != out.accepted.end()) continue;
      if (std::any_of(out.refused.begin(), out.refused.end(), [&](const Refusal& x) { return x.recipient == r; }))
        continue;
      auto it = s.devices.find(r);
      if (it == s.devices.end())
        out.refused.push_back(Refusal{r, Errc::unknown_device});
      else if (it->second.mailbox.size() >= limits_.max_mailbox)
        out.refused.push_back(Refusal{r, Errc::mailbox_full});
      else
        out.accepted.push_back(r);
    }
    if (out.accepted.empty()) return out;
    if (limits_.max_storage_bytes > 0) {
      auto used = used_bytes();
      if (!used) return std::move(used).error();
      if (*used + payload.size() > limits_.max_storage_bytes)
        return make_error(kStorageFull, "the relay's storage quota is full (" + std::to_string(*used) + " of " +
                                            std::to_string(limits_.max_storage_bytes) + " bytes used); retry later");
    }
    const std::int64_t row = s.next_message++;
    s.messages[row] = Message{sender, message_id, Bytes(payload.begin(), payload.end()), now,
                              static_cast<std::uint32_t>(out.accepted.size())};
    for (const auto& r : out.accepted) {
      Device& d = s.devices[r];
      d.mailbox[++d.last_seq] = row;
    }
    s.sent[{sender, message_id}] = Sent{now, out.refused};
    return out;
  });
}

Result<MailboxPage> MemoryStorage::load_mailbox(const Address& recipient, std::uint64_t after, std::size_t max_count,
                                                std::size_t max_bytes) {
  return atomic([&]() -> Result<MailboxPage> {
    MailboxPage page;
    if (max_count == 0) {
      page.more = true;
      return page;
    }
    auto it = state().devices.find(recipient);
    if (it == state().devices.end()) return page;
    std::size_t bytes = 0;
    for (auto row = it->second.mailbox.upper_bound(after); row != it->second.mailbox.end(); ++row) {
      if (page.messages.size() >= max_count) break;
      const Message& m = state().messages.at(row->second);
      if (!page.messages.empty() && bytes + m.payload.size() > max_bytes) {
        page.more = true;
        return page;
      }
      bytes += m.payload.size();
      page.messages.push_back(StoredMessage{row->first, m.sender, m.id, m.payload, m.stored_at});
    }
    page.more = page.messages.size() >= max_count;
    return page;
  });
}

Result<std::uint32_t> MemoryStorage::ack(const Address& recipient, std::span<const std::uint64_t> delivery_ids) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(recipient);
    if (it == state().devices.end()) return std::uint32_t{0};
    std::uint32_t deleted = 0;
    for (std::uint64_t id : delivery_ids) {
      auto row = it->second.mailbox.find(id);
      if (row == it->second.mailbox.end()) continue;
      state().unreference(row->second);
      it->second.mailbox.erase(row);
      ++deleted;
    }
    return deleted;
  });
}

Result<std::uint32_t> MemoryStorage::mailbox_size(const Address& recipient) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(recipient);
    if (it == state().devices.end()) return unknown(recipient);
    return static_cast<std::uint32_t>(it->second.mailbox.size());
  });
}

Result<std::uint32_t> MemoryStorage::prune_dedup(TimeMs before) {
  return atomic([&]() -> Result<std::uint32_t> {
    return static_cast<std::uint32_t>(
        std::erase_if(state().sent, [&](const auto& entry) { return entry.second.stored_at < before; }));
  });
}

Result<std::uint32_t> MemoryStorage::prune_expired(TimeMs before, std::uint32_t max_messages) {
  return atomic([&]() -> Result<std::uint32_t> {
    std::vector<std::pair<TimeMs, std::int64_t>> old;
    for (const auto& [row, m] : state().messages)
      if (m.stored_at < before) old.emplace_back(m.stored_at, row);
    std::sort(old.begin(), old.end());
    if (old.size() > max_messages) old.resize(max_messages);
    for (const auto& [at, row] : old) {
      for (auto& [address, device] : state().devices)
        std::erase_if(device.mailbox, [row = row](const auto& entry) { return entry.second == row; });
      state().messages.erase(row);
    }
    return static_cast<std::uint32_t>(old.size());
  });
}

Result<std::uint64_t> MemoryStorage::message_count() {
  return atomic([&]() -> Result<std::uint64_t> { return static_cast<std::uint64_t>(state().messages.size()); });
}

// --- administration ---

Status MemoryStorage::use_invite(const Admission& admission) {
  if (admission.token_hash.empty())
    return make_error(Errc::invite_required, "this relay registers new devices only with an invite token");
  auto it = state().invites.find(admission.token_hash);
  if (it == state().invites.end()) return make_error(Errc::invite_invalid, "unknown or revoked invite token");
  if (it->second.uses_left <= 0) return make_error(Errc::invite_invalid, "the invite token has been used up");
  if (it->second.expires_at <= admission.now) return make_error(Errc::invite_invalid, "the invite token has expired");
  --it->second.uses_left;
  return {};
}

Status MemoryStorage::mint_invite(ByteView token_hash, std::uint32_t uses, TimeMs expires_at, TimeMs) {
  return atomic([&]() -> Status {
    Bytes key(token_hash.begin(), token_hash.end());
    if (state().invites.count(key)) return make_error(Errc::store_io, "an invite with this token exists");
    state().invites[key] = Invite{uses, expires_at};
    return {};
  });
}

Result<bool> MemoryStorage::revoke_invite(ByteView token_hash) {
  return atomic([&]() -> Result<bool> { return state().invites.erase(Bytes(token_hash.begin(), token_hash.end())) > 0; });
}

Result<bool> MemoryStorage::remove_device(const Address& address) {
  return atomic([&]() -> Result<bool> {
    PARLEY_TRY(purge_mailbox(address));
    return state().devices.erase(address) > 0;
  });
}

Result<std::uint32_t> MemoryStorage::purge_mailbox(const Address& address) {
  return atomic([&]() -> Result<std::uint32_t> {
    auto it = state().devices.find(address);
    if (it == state().devices.end()) return std::uint32_t{0};
    const auto purged = static_cast<std::uint32_t>(it->second.mailbox.size());
    for (const auto& [id, row] : it->second.mailbox) state().unreference(row);
    it->second.mailbox.clear();
    return purged;
  });
}

Result<RelayStats> MemoryStorage::stats(TimeMs now) {
  return atomic([&]() -> Result<RelayStats> {
    RelayStats out;
    out.devices = state().devices.size();
    out.messages = state().messages.size();
    for (const auto& [address, device] : state().devices) out.mailbox_rows += device.mailbox.size();
    for (const auto& [hash, invite] : state().invites)
      if (invite.uses_left > 0 && invite.expires_at > now) ++out.active_invites;
    return out;
  });
}

Result<std::vector<std::uint64_t>> MemoryStorage::mailbox_depths() {
  return atomic([&]() -> Result<std::vector<std::uint64_t>> {
    std::vector<std::uint64_t> depths;
    for (const auto& [address, device] : state().devices)
      if (!device.mailbox.empty()) depths.push_back(device.mailbox.size());
    return depths;
  });
}

Result<std::uint64_t> MemoryStorage::used_bytes() {
  return atomic([&]() -> Result<std::uint64_t> {
    std::uint64_t bytes = 0;
    for (const auto& [row, m] : state().messages) bytes += m.payload.size();
    return bytes;
  });
}

}  // namespace parley::relay
