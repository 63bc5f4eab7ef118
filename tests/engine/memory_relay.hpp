// SPDX-License-Identifier: GPL-3.0-or-later
// The relay in memory, for driving sans-IO engines deterministically (no sockets, no threads,
// no clock): the real relay's protocol core (relay/src/relay_core.hpp), one per connection,
// run synchronously over storage kept here. Registration, authentication and every send check
// are the relay's own; signatures are checked, so engines must use real keys. Unlike the
// deployed relay it has no rate limits, no delivery window to speak of, no size limits that
// tests would meet, never says PreKeysLow, accepts mail for devices that have not registered
// (yet) unless refuse_unknown is set, and lets a Register under a new identity key take an
// address over (the deployed relay needs an admin to free it first).
//
// Its storage also plays a malicious or broken relay, per test: it can lose, duplicate,
// plant, alter, withhold, reorder and replay traffic, show different members different
// traffic, substitute prekey bundles and lose acks. Each knob below names the attacker it
// models.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "wire/frames.hpp"

namespace parley::relay {
class RelayCore;
struct Actions;
struct RelayConfig;
}  // namespace parley::relay

namespace parley::test {

class MemoryRelay {
 public:
  struct Mail {
    std::uint64_t delivery_id;
    Address sender;
    MessageId message_id;
    Bytes payload;
  };

  MemoryRelay();
  ~MemoryRelay();
  MemoryRelay(const MemoryRelay&) = delete;
  MemoryRelay& operator=(const MemoryRelay&) = delete;

  // A connection opens: returns the Challenge frame.
  Bytes open(int connection);
  void close(int connection);

  // One client frame in; the frames for each connection out (appended to `out`). A fatal
  // error closes the connection as the relay would: later frames on it are ignored.
  void handle(int connection, ByteView frame, std::map<int, std::deque<Bytes>>& out);

  // Distinct Sends stored (a resend with the same message id counts once).
  std::size_t stored_messages() const { return stored_.size(); }
  std::size_t mailbox_size(const Address& a) const {
    auto it = mailboxes_.find(a);
    return it == mailboxes_.end() ? 0 : it->second.size();
  }
  // Pushes whatever is queued (e.g. after inject) to every authenticated connection.
  void push_all(std::map<int, std::deque<Bytes>>& out);
  // Every Send the relay accepted, as the relay saw it: what an attacker who copies the
  // relay's storage holds.
  struct Captured {
    Address sender;
    MessageId message_id;
    std::vector<Address> recipients;
    Bytes payload;
  };
  const std::vector<Captured>& captured() const { return captured_; }

  // --- Faults: a relay that loses, stutters or refuses ---------------------------------------
  // Drops SendAcks while set: models a connection lost before the ack arrives.
  bool drop_send_acks = false;
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
  // Loses everything queued for `a` (a relay that drops mail).
  void drop_mailbox(const Address& a) { mailboxes_[a].clear(); }

  // --- Faults: a relay that lies ---------------------------------------------------------------
  // A malicious directory: bundles fetched for the key are served with the value's keys.
  std::map<Address, Address> impersonate;
  // Queues a raw payload for `to` as if `from` had sent it (a malicious or broken sender).
  void inject(const Address& from, const Address& to, Bytes payload) {
    MessageId id;
    id.bytes[0] = static_cast<std::uint8_t>(next_delivery_);
    mailboxes_[to].push_back(Mail{next_delivery_++, from, id, std::move(payload)});
  }
  // An active attacker on the relay or the wire: may rewrite each copy of an accepted Send as
  // it is queued for `to` (after `copies`; e.g. flip_bit). The sender is still told it was
  // stored, so an altered copy replaces the genuine one for that recipient.
  std::function<void(const Address& from, const Address& to, Bytes& payload)> tamper;
  static void flip_bit(Bytes& payload, std::size_t bit) {
    if (!payload.empty()) payload[(bit / 8) % payload.size()] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
  // A relay that shows different members different traffic (a split view), or that sits on
  // some traffic: a copy for which this returns true is set aside instead of queued, while the
  // sender is told it was stored. release_withheld() queues everything set aside behind what
  // is queued now (so it arrives after later traffic); never released, it is lost.
  std::function<bool(const Address& from, const Address& to, ByteView payload)> withhold;
  void release_withheld();
  void forget_withheld() { withheld_.clear(); }
  std::size_t withheld_count() const { return withheld_.size(); }
  // A relay that ignores mailbox order: may permute the mail about to be pushed to `to`
  // (everything queued and not yet pushed on that connection).
  std::function<void(const Address& to, std::vector<const Mail*>& batch)> reorder;
  // Queues an old Send again for `to` under its sender and message id, as first delivered: a
  // relay (or anyone who copied its storage) replaying traffic that was delivered and acked
  // long ago. `to` need not have been one of its recipients.
  void replay(const Captured& send, const Address& to) {
    mailboxes_[to].push_back(Mail{next_delivery_++, send.sender, send.message_id, send.payload});
  }

 private:
  class Store;  // relay::Storage over the members below, with the faults applied

  struct Connection;
  using Out = std::map<int, std::deque<Bytes>>;
  // Carries out `actions` of `connection`'s core and of every core they reach, until idle.
  void run(int connection, relay::Actions actions, Out& out);

  std::unique_ptr<relay::RelayConfig> config_;
  std::unique_ptr<Store> store_;
  std::map<int, std::unique_ptr<relay::RelayCore>> connections_;
  std::map<Address, int> online_;  // the newest authenticated connection of each device

  std::map<Address, std::deque<Mail>> mailboxes_;
  std::map<std::pair<Address, MessageId>, std::vector<wire::Refused>> stored_;  // -> its refusals
  std::uint64_t next_delivery_ = 1;
  std::vector<Captured> captured_;
  std::vector<std::pair<Address, Mail>> withheld_;  // (recipient, mail), in the order set aside
};

}  // namespace parley::test
