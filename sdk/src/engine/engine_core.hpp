// SPDX-License-Identifier: GPL-3.0-or-later
// What every part of the engine shares (docs/architecture.md "The engine's parts"): the
// store and its transactions, the pairwise sessions and sender keys, this device's address
// and options, the cell book, the relay link with the delivery reports, and the frames and
// events waiting for the driver. Parts hold a Core& and write their effects through it; Core
// knows no part. The only way up is `follow_up`, which the Engine routes (finish()).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cells/cell_book.hpp"
#include "engine/delivery_reports.hpp"
#include "engine/effects.hpp"
#include "engine/epoch_watch.hpp"
#include "engine/options.hpp"
#include "engine/relay_link.hpp"
#include "engine/supervisor_beacons.hpp"
#include "envelope/envelope.hpp"
#include "pairwise/sender_keys.hpp"
#include "pairwise/sessions.hpp"
#include "store/device_store.hpp"

namespace parley::engine {

class Core {
 public:
  Core(store::DeviceStore& store, std::unique_ptr<pairwise::SignalStoreAdapter> adapter, Address self,
       EngineOptions options, cells::CellBook book);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  store::DeviceStore& store;
  std::unique_ptr<pairwise::SignalStoreAdapter> adapter;
  pairwise::Sessions sessions;
  Address self;
  EngineOptions options;
  RelayLink link;            // the handshake, bundle fetches in flight, sends a busy relay paused
  DeliveryReports reports;   // MessageSent / SendFailed for what was sent
  pairwise::SenderKeys sender_keys;
  cells::CellBook book;
  // Epochs this device heard of and lacks: sends on the cell wait until the commit arrives,
  // past withheld_commit_ms an alert; broken chains asked for once (epoch_watch.hpp).
  EpochWatch epochs;
  // When this device's supervised cells beacon next, and when members last heard a supervisor
  // (Charters marks commits, the relay handshake connections, Beacons reads).
  SupervisorBeacons beacons;
  bool retry_held = false;    // a key or an epoch arrived: held envelopes may open now
  bool held_changed = true;   // held envelopes changed: their oldest is read again
  std::deque<Bytes> outbound;  // frames for the driver
  std::deque<Event> events;    // events for the driver

  // What finish() cannot do itself (resync asks go over the identity rule, lost commits are
  // committed again by the charters): set once by the Engine.
  std::function<void(std::vector<ResyncAsk>, std::vector<LostCommit>)> follow_up;

  void emit(Event event) { events.push_back(std::move(event)); }
  MessageId new_message_id();

  // --- transactions (effects.hpp) ---
  // One store transaction with the memory that follows it: the cell book stages its logs,
  // caches are not filled from uncommitted rows, and `fx` collects what to do. commit_txn
  // commits the store, publishes the staged logs and runs fx.on_commit; rollback_txn drops
  // them. finish() then acts on fx outside any transaction.
  Status begin_txn();
  Status commit_txn(Effects& fx);
  void rollback_txn();
  // begin_txn, body(fx), then commit_txn (or rollback_txn on an error).
  template <class F>
  auto transact(Effects& fx, F&& body) -> decltype(body()) {
    if (auto began = begin_txn(); !began) return began.error();
    auto result = body();
    if (!result.ok()) {
      rollback_txn();
      return result;
    }
    if (auto committed = commit_txn(fx); !committed) return committed.error();
    return result;
  }
  // Acts on `after` outside any transaction: frames, bundle fetches, events, then the
  // follow-ups (resync asks, re-bases).
  void finish(Effects& after);

  // Inside a transaction: encrypt `content` for `to` into the outbox, or park it until a
  // session exists. `quiet`: control traffic, no MessageSent event.
  Status queue_pairwise(const Address& to, const envelope::Content& content, TimeMs now, bool quiet,
                        Effects& after);

  // --- frames to the relay ---
  void transmit_send(const store::OutboxItem& item);
  void request_bundle(const Address& peer);
  void transmit_ack(std::uint64_t delivery_id);

  // Sends the relay acknowledged, whose outbox rows are removed by the next transaction
  // (begin_txn), not by one of their own: a row that outlives a crash is only sent again.
  void note_acked(const MessageId& id);
  bool acked(const MessageId& id) const;
  void remove_acked();  // in a transaction of its own (many acknowledgements, shutdown)

 private:
  bool in_txn_ = false;  // between begin_txn and commit_txn / rollback_txn
  std::vector<MessageId> acked_;
  std::size_t acked_in_txn_ = 0;  // how many of acked_ the open transaction removes
};

}  // namespace parley::engine
