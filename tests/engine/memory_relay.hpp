// SPDX-License-Identifier: GPL-3.0-or-later
// A minimal in-memory stand-in for the relay, for driving sans-IO engines deterministically
// (no sockets, no threads). It trusts every signature — authentication is tested against the
// real relay — and implements just what the engine relies on: challenge, register/auth,
// bundles (one-time prekeys handed out once), idempotent sends, ordered mailboxes, acks.
#pragma once

#include <deque>
#include <functional>
#include <map>

#include "wire/frames.hpp"

namespace parley::test {

class MemoryRelay {
 public:
  struct Mail {
    std::uint64_t delivery_id;
    Address sender;
    MessageId message_id;
    Bytes payload;
  };

  // A connection opens: returns the Challenge frame.
  Bytes open(int connection);
  void close(int connection) { connections_.erase(connection); }

  // One client frame in; the frames for each connection out (appended to `out`).
  void handle(int connection, ByteView frame, std::map<int, std::deque<Bytes>>& out);

  std::size_t stored_messages() const { return stored_.size(); }
  std::size_t mailbox_size(const Address& a) const {
    auto it = mailboxes_.find(a);
    return it == mailboxes_.end() ? 0 : it->second.size();
  }
  // Drops SendAcks while set: models a connection lost before the ack arrives.
  bool drop_send_acks = false;
  // A malicious directory: bundles fetched for the key are served with the value's keys.
  std::map<Address, Address> impersonate;
  // A lossy or stuttering relay: how many copies of an accepted Send go into `to`'s mailbox
  // (0 loses it, 2 duplicates it). Unset: one.
  std::function<int(const Address& from, const Address& to, ByteView payload)> copies;
  // Refuses recipients the way the real relay does, while set: devices that never registered
  // here, and (max_mailbox > 0) mailboxes holding max_mailbox messages. The others get the
  // message; SendAck names the refused; if nobody can take it, a Failure does.
  bool refuse_unknown = false;
  std::size_t max_mailbox = 0;
  // Ignores device acks while set: models an ack lost before the relay stored it.
  bool drop_acks = false;
  // Pushes whatever is queued (e.g. after inject) to every authenticated connection.
  void push_all(std::map<int, std::deque<Bytes>>& out) {
    for (auto& [conn, who] : connections_)
      if (who) deliver_pending(conn, out);
  }
  // Loses everything queued for `a` (a relay that drops mail).
  void drop_mailbox(const Address& a) { mailboxes_[a].clear(); }
  // Every Send the relay accepted, as the relay saw it: what an attacker who copies the
  // relay's storage holds.
  struct Captured {
    Address sender;
    std::vector<Address> recipients;
    Bytes payload;
  };
  const std::vector<Captured>& captured() const { return captured_; }
  // Queues a raw payload for `to` as if `from` had sent it (a malicious or broken sender).
  void inject(const Address& from, const Address& to, Bytes payload) {
    MessageId id;
    id.bytes[0] = static_cast<std::uint8_t>(next_delivery_);
    mailboxes_[to].push_back(Mail{next_delivery_++, from, id, std::move(payload)});
  }

 private:
  struct Device {
    std::uint32_t registration_id = 0;
    Bytes identity_key;
    std::uint32_t spk_id = 0;
    Bytes spk_public, spk_signature;
    std::deque<std::pair<std::uint32_t, Bytes>> prekeys;
  };

  void deliver_pending(int connection, std::map<int, std::deque<Bytes>>& out);

  std::map<int, std::optional<Address>> connections_;
  std::map<Address, Device> devices_;
  std::map<Address, std::deque<Mail>> mailboxes_;
  std::map<std::pair<Address, MessageId>, std::vector<wire::Refused>> stored_;  // -> its refusals
  std::map<int, std::uint64_t> pushed_up_to_;
  std::uint64_t next_delivery_ = 1;
  std::vector<Captured> captured_;
};

}  // namespace parley::test
