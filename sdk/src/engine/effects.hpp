// SPDX-License-Identifier: GPL-3.0-or-later
// What one store transaction of the engine does to the world outside the store: frames to
// send, bundles to fetch, events for the app, and the engine's own memory (caches, throttles)
// to update. Handlers write here instead of acting; Core::commit_txn applies the lot once
// the store has committed, Core::rollback_txn drops it (keeping only the verdicts), so the
// engine never has to undo its memory by hand after a rollback (docs/architecture.md).
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "cells/codec.hpp"
#include "charter/model.hpp"
#include "parley/events.hpp"
#include "store/device_store.hpp"

namespace parley::engine {

// This device's own commit that lost a supervisor tie-break: committed again on the winner.
struct LostCommit {
  CellId cell{};
  charter::Commit commit;
  TimeMs now = 0;
};

// A charter resync request decided on what a peer sent (a post naming an epoch this device
// lacks, a head it did not apply). It is part of the verdict: it goes out even when the
// transaction that decided it is rolled back on purpose (a refused post), in one of its own.
struct ResyncAsk {
  Address to;
  cells::ResyncRequest request;
  TimeMs at = 0;
};

struct Effects {
  // Applied only if the transaction commits.
  std::vector<store::OutboxItem> sends;  // already in the outbox; transmitted once durable
  std::vector<Address> bundles;          // prekey bundles to fetch for pending messages
  std::vector<LostCommit> rebases;       // memory only: a crash before it runs leaves the alert path
  bool retry_held = false;               // a key or an epoch arrived: held envelopes may open now
  // Memory updates that must match the store (caches, throttles, trackers). They run right
  // after the commit, in order, and may add events.
  std::vector<std::function<void(Effects&)>> on_commit;

  // The verdict on untrusted input: kept after a deliberate rollback (verdicts()).
  std::vector<Event> events;
  std::vector<ResyncAsk> asks;

  // What survives a rollback the engine chose (the input was refused): the events that say
  // why and the resync requests that turn a suspicion into proof.
  Effects verdicts() && {
    Effects out;
    out.events = std::move(events);
    out.asks = std::move(asks);
    return out;
  }
};

}  // namespace parley::engine
