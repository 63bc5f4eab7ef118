// SPDX-License-Identifier: GPL-3.0-or-later
// Supervisor beacons (docs/protocol.md "Supervisor beacons", engine/supervisor_beacons.hpp):
// a supervisor device's periodic word of where its charter stands, so that a commit the relay
// withholds from every member is learned of, and a member's alarm when that word stops.
#include <algorithm>

#include "cells/alerts.hpp"
#include "cells/codec.hpp"
#include "engine/beacons.hpp"

namespace parley::engine {

std::pair<std::optional<TimeMs>, std::optional<TimeMs>> Beacons::beacon_deadlines() const {
  std::optional<TimeMs> send, silence;
  if (!core_.link.ready()) return {send, silence};  // beacons need the relay; silence is the relay's
  const auto earliest = [](std::optional<TimeMs>& into, std::optional<TimeMs> at) {
    if (at && (!into || *at < *into)) into = at;
  };
  for (const CellId& cell : core_.book.ids()) {
    const charter::CharterLog* log = core_.book.find(cell);
    if (!log) continue;
    if (log->state().is_supervisor_device(core_.self))
      earliest(send, core_.beacons.send_due(cell));
    else
      earliest(silence, core_.beacons.silence_due(cell));
  }
  return {send, silence};
}

void Beacons::send_beacons(TimeMs now) {
  for (const CellId& cell : core_.book.ids()) {
    const charter::CharterLog* log = core_.book.find(cell);
    if (!log || !log->state().is_supervisor_device(core_.self)) continue;
    const auto due = core_.beacons.send_due(cell);
    if (!due || *due > now) continue;
    const charter::CellState& state = log->state();
    const Bytes beacon = cells::encode(cells::HeadBeacon{cell, state.epoch, state.head});
    Effects after;
    auto sent = core_.transact(after, [&]() -> Status {
      for (const auto& [device, record] : state.devices)
        if (device != core_.self) PARLEY_TRY(identities_.queue_control(&state, device, envelope::ContentKind::head_beacon, beacon, now, after));
      return {};
    });
    if (!sent) core_.emit(ProtocolError{sent.error()});
    core_.finish(after);
    core_.beacons.sent(cell, now);  // even after a failure: the next try is a period away, not a busy loop
  }
}

void Beacons::check_supervisor_silence(TimeMs now) {
  for (const CellId& cell : core_.book.ids()) {
    const charter::CharterLog* log = core_.book.find(cell);
    if (!log || log->state().is_supervisor_device(core_.self)) continue;
    const auto due = core_.beacons.silence_due(cell);
    if (!due || *due > now) continue;
    core_.beacons.silence_reported(cell);
    Address supervisor;
    for (const auto& [device, record] : log->state().devices)
      if (log->state().is_supervisor_device(device)) {
        supervisor = device;
        break;
      }
    const auto last = core_.beacons.last_word(cell);
    core_.emit(cells::security_alert(
        cell, supervisor, log->epoch(),
        make_error(Errc::cell_supervisor_silent,
                   "no supervisor device of this cell was heard from for " +
                       std::to_string((now - last.value_or(*due - core_.options.supervisor_silence_ms)) / 1000) +
                       " s while connected: the supervisor is offline, or the relay is withholding its beacons "
                       "(and possibly commits)")));
  }
}

// Untrusted input: a beacon that is not from a supervisor device of a cell this device holds
// is dropped; one naming an epoch this device lacks makes it ask that device for the commits.
Status Beacons::on_head_beacon(const Address& sender, const envelope::Content& content, TimeMs now, Effects& after) {
  auto beacon = cells::decode_head_beacon(content.body);
  if (!beacon) {
    after.events.push_back(DecryptFailed{sender, beacon.error()});
    return {};
  }
  const CellId cell = beacon->cell_id;
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log || !log->state().is_supervisor_device(sender)) return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  // The word counts from when it was said, as far as this clock can tell: a beacon the relay
  // held back is old news, a supervisor clock running fast is capped at now.
  const TimeMs said_at = std::min(now, content.sent_at + core_.options.max_clock_skew_ms);
  after.on_commit.push_back([this, cell, said_at](Effects&) { core_.beacons.heard(cell, said_at); });
  if (beacon->epoch > log->epoch()) {
    // Sends on the cell wait for the commits (EpochWatch), which are asked for now.
    after.on_commit.push_back([this, cell, epoch = beacon->epoch, sender, now](Effects&) {
      core_.epochs.heard_of(cell, epoch, sender, now);
    });
    return charters_.request_resync(cell, sender, now, after);
  }
  if (beacon->epoch == log->epoch() && beacon->head != log->state().head && core_.epochs.first_broken_chain(cell, log->epoch())) {
    // The supervisor holds another commit for this epoch: its own tells the log which wins.
    after.on_commit.push_back([this, cell, epoch = log->epoch()](Effects&) { core_.epochs.broken_chain_asked(cell, epoch); });
    return identities_.queue_control(&log->state(), sender, envelope::ContentKind::resync_request,
                         cells::encode(cells::ResyncRequest{cell, log->epoch()}), now, after);
  }
  return {};
}

}  // namespace parley::engine
