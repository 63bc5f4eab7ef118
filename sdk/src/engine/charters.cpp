// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's charters (charters.hpp). The rules are normative in docs/protocol.md ("Cells",
// "Channels"); comments here say why.
#include <algorithm>
#include <memory>

#include "cells/codec.hpp"
#include "charter/codec.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "cells/alerts.hpp"
#include "engine/charters.hpp"
#include "envelope/envelope.hpp"
#include "hotline/ack_rule.hpp"

namespace parley::engine {

namespace {

constexpr std::size_t kMaxResyncCommits = 256;  // per ResyncRequest answer

Result<Bytes> private_key(store::DeviceStore& store) {
  auto identity = store.local_identity();
  if (!identity) return std::move(identity).error();
  return (*identity)->identity_private;
}

}  // namespace

// --- commands ------------------------------------------------------------------------------

Result<CellId> Charters::create_cell(charter::SeedCellOptions options, TimeMs now) {
  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  core_.options.random(options.cell_id);
  options.supervisor = core_.self;
  options.supervisor_key = (*identity)->identity_public;
  options.time_ms = now;
  auto genesis = charter::sign_commit(charter::seeds_cell_genesis(options), (*identity)->identity_private);
  if (!genesis) return std::move(genesis).error();
  auto log = charter::CharterLog::from_genesis(std::span(&*genesis, 1), options.cell_id);
  if (!log) return std::move(log).error();

  Effects after;
  auto done = core_.transact(after, [&]() -> Status {
    PARLEY_TRY(cells::CellBook::persist(core_.store, options.cell_id, *log, 1, now));
    PARLEY_TRY(identities_.adopt_charter_keys(options.cell_id, nullptr, log->state(), after));
    const Bytes welcome = cells::encode(cells::Welcome{options.cell_id, log->commits_from(1)});
    for (const auto& [device, record] : log->state().devices)
      if (device != core_.self)
        PARLEY_TRY(identities_.queue_control(&log->state(), device, envelope::ContentKind::welcome, welcome, now, after));
    return {};
  });
  if (!done) return std::move(done).error();
  after.events.push_back(CharterChanged{options.cell_id, 1, true});
  core_.beacons.committed(options.cell_id, now);
  core_.book.put(options.cell_id, std::move(*log));
  core_.finish(after);
  return options.cell_id;
}

Status Charters::commit(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now) {
  const charter::CharterLog* current = core_.book.find(cell);
  if (!current) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  if (!current->state().is_supervisor_device(core_.self))
    return make_error(Errc::charter_not_authorized, "only a supervisor device of the cell commits");
  auto key = private_key(core_.store);
  if (!key) return std::move(key).error();
  const charter::CellState& before = current->state();
  charter::Commit next{cell, before.epoch + 1, before.head, core_.self, now, std::move(operations)};
  auto signed_commit = charter::sign_commit(next, *key);
  crypto::wipe(*key);
  if (!signed_commit) return std::move(signed_commit).error();
  charter::CharterLog log = *current;  // the book keeps the old log until the store has the new one
  auto outcome = log.offer(*signed_commit);
  if (outcome.status != charter::OfferStatus::applied)
    return outcome.error ? *outcome.error : make_error(Errc::internal, "own commit was not applied");

  Effects after;
  auto done = core_.transact(after, [&]() -> Status {
    PARLEY_TRY(cells::CellBook::persist(core_.store, cell, log, log.epoch(), now));
    PARLEY_TRY(identities_.adopt_charter_keys(cell, &before, log.state(), after));
    const Bytes commit_bytes = charter::encode_signed_commit(*signed_commit);
    std::optional<Bytes> welcome;
    // Removed devices get the commit that removes them too: it tells them to stop.
    std::set<Address> targets;
    for (const auto& [device, record] : before.devices) targets.insert(device);
    for (const auto& [device, record] : log.state().devices) targets.insert(device);
    for (const auto& device : targets) {
      if (device == core_.self) continue;
      // A device re-added under a new key is a new device: it gets a Welcome, and the
      // commit goes to it only under the key the charter bound when it was sent.
      const auto old_record = before.devices.find(device);
      const auto new_record = log.state().devices.find(device);
      const bool rekeyed = old_record != before.devices.end() && new_record != log.state().devices.end() &&
                           old_record->second.identity_key != new_record->second.identity_key;
      if (old_record == before.devices.end() || rekeyed) {
        if (!welcome) welcome = cells::encode(cells::Welcome{cell, log.commits_from(1)});
        PARLEY_TRY(identities_.queue_control(&log.state(), device, envelope::ContentKind::welcome, *welcome, now, after));
      } else {
        const charter::CellState& bound = new_record != log.state().devices.end() ? log.state() : before;
        PARLEY_TRY(identities_.queue_control(&bound, device, envelope::ContentKind::charter_commit, commit_bytes, now, after));
      }
    }
    return {};
  });
  if (!done) return std::move(done).error();
  after.events.push_back(CharterChanged{cell, log.epoch(), false});
  core_.beacons.committed(cell, now);
  core_.book.put(cell, std::move(log));
  core_.finish(after);
  return {};
}

Status Charters::request_resync(const cells::CellId& cell, const Address& to, TimeMs now, Effects& after) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log || to == core_.self) return {};
  return identities_.queue_control(&log->state(), to, envelope::ContentKind::resync_request,
                       cells::encode(cells::ResyncRequest{cell, log->epoch() + 1}), now, after);
}

// Untrusted input: every failure here is an event, never an error (an error would roll back
// the pairwise decryption and lose the delivery for nothing).
Status Charters::on_charter_commit(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto signed_commit = charter::decode_signed_commit(body);
  if (!signed_commit) {
    after.events.push_back(DecryptFailed{sender, signed_commit.error()});
    return {};
  }
  auto decoded = charter::decode_commit(signed_commit->bytes);
  if (!decoded) {
    after.events.push_back(DecryptFailed{sender, decoded.error()});
    return {};
  }
  const CellId cell = decoded->cell_id;
  const charter::CharterLog* current = core_.book.find(cell);
  if (!current) return {};  // not (yet) a member: the welcome carries everything
  charter::CharterLog log = *current;
  const std::uint64_t before = log.epoch();
  auto outcome = log.offer(*signed_commit);
  for (const auto& proof : outcome.equivocations) {
    SecurityAlert a = cells::security_alert(cell, sender, proof.epoch,
                                     make_error(Errc::cell_equivocation, "two validly signed commits for epoch " +
                                                                             std::to_string(proof.epoch)));
    a.applied = charter::encode_signed_commit(proof.applied);
    a.conflicting = charter::encode_signed_commit(proof.conflicting);
    after.events.push_back(std::move(a));
  }
  switch (outcome.status) {
    case charter::OfferStatus::rejected:
      // The next epoch on a branch this device does not hold yet (e.g. a supervisor re-basing
      // its commit on the winner of a race that has not arrived here): ask the sender for its
      // commits from the current epoch, once per epoch; the winner then switches this device.
      if (outcome.error->code == Errc::charter_broken_chain && decoded->epoch == before + 1 &&
          current->state().is_supervisor_device(sender) && core_.epochs.first_broken_chain(cell, before)) {
        after.on_commit.push_back([this, cell, before](Effects&) { core_.epochs.broken_chain_asked(cell, before); });
        return identities_.queue_control(&current->state(), sender, envelope::ContentKind::resync_request,
                             cells::encode(cells::ResyncRequest{cell, before}), now, after);
      }
      after.events.push_back(cells::security_alert(cell, sender, decoded->epoch, *outcome.error));
      return {};
    case charter::OfferStatus::buffered:
      core_.book.put(cell, log);  // the buffer is memory only; resync refills it after a restart
      return request_resync(cell, sender, now, after);
    case charter::OfferStatus::duplicate:
    case charter::OfferStatus::equivocation:
      return {};
    case charter::OfferStatus::superseded:
      report_superseded(cell, outcome.superseded, now, after);
      return {};
    case charter::OfferStatus::switched: {
      // Two supervisor devices committed one epoch; the lowest hash won everywhere, and this
      // device had applied the other: replace the chain from there, then bind keys anew.
      const std::uint64_t from = outcome.switched_at.value_or(before + 1);
      PARLEY_TRY(core_.store.commits_delete_from(ByteView(cell), from));
      PARLEY_TRY(cells::CellBook::persist(core_.store, cell, log, from, now));
      PARLEY_TRY(identities_.adopt_charter_keys(cell, &current->state(), log.state(), after));
      report_superseded(cell, outcome.superseded, now, after);
      after.on_commit.push_back([this, cell, epoch = log.epoch()](Effects&) { core_.epochs.caught_up(cell, epoch); });
      after.events.push_back(CharterChanged{cell, log.epoch(), false});
      core_.book.rewrite(cell, std::move(log));
      after.retry_held = true;
      return {};
    }
    case charter::OfferStatus::applied:
      break;
  }
  report_superseded(cell, outcome.superseded, now, after);
  PARLEY_TRY(cells::CellBook::persist(core_.store, cell, log, before + 1, now));
  PARLEY_TRY(identities_.adopt_charter_keys(cell, &current->state(), log.state(), after));
  after.on_commit.push_back([this, cell, epoch = log.epoch()](Effects&) { core_.epochs.caught_up(cell, epoch); });
  after.events.push_back(CharterChanged{cell, log.epoch(), false});
  core_.book.put(cell, std::move(log));
  after.retry_held = true;
  return {};
}

void Charters::report_superseded(const CellId& cell, const std::vector<charter::SignedCommit>& lost, TimeMs now,
                               Effects& after) {
  for (const auto& commit : lost) {
    auto decoded = charter::decode_commit(commit.bytes);
    if (!decoded || decoded->author != core_.self) continue;
    after.rebases.push_back({cell, std::move(*decoded), now});
  }
}

void Charters::rebase_lost_commit(const LostCommit& lost) {
  const charter::CharterLog* log = core_.book.find(lost.cell);
  if (!log) return;
  const auto winners = log->commits_from(lost.commit.epoch);
  if (!winners.empty()) {
    // Both supervisor devices committed the same change (e.g. accepted one proposal): done.
    auto winner = charter::decode_commit(winners.front().bytes);
    if (winner && winner->operations == lost.commit.operations) return;
  }
  auto again = commit(lost.cell, lost.commit.operations, lost.now);
  if (again) return;
  core_.emit(cells::security_alert(lost.cell, core_.self, lost.commit.epoch,
                      make_error(Errc::charter_out_of_order,
                                 "this device's commit for epoch " + std::to_string(lost.commit.epoch) +
                                     " lost to another supervisor device's commit (lowest hash wins) and could not "
                                     "be committed again on it: " + again.error().message)));
}

Status Charters::on_resync(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto request = cells::decode_resync(body);
  if (!request) {
    after.events.push_back(DecryptFailed{sender, request.error()});
    return {};
  }
  const charter::CharterLog* log = core_.book.find(request->cell_id);
  // Only current members get the charter; commits are signed, so any member may answer.
  if (!log || !log->state().devices.count(sender) || request->from_epoch > log->epoch()) return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto commits = log->commits_from(request->from_epoch);
  if (commits.size() > kMaxResyncCommits) commits.resize(kMaxResyncCommits);
  for (const auto& commit : commits)
    PARLEY_TRY(identities_.queue_control(&log->state(), sender, envelope::ContentKind::charter_commit,
                             charter::encode_signed_commit(commit), now, after));
  return {};
}

void Charters::send_asks(const std::vector<ResyncAsk>& asks) {
  Effects fx;
  auto sent = core_.transact(fx, [&]() -> Status {
    for (const auto& ask : asks) {
      const charter::CharterLog* log = core_.book.find(ask.request.cell_id);
      if (ask.to == core_.self || !log) continue;
      PARLEY_TRY(identities_.queue_control(&log->state(), ask.to, envelope::ContentKind::resync_request,
                               cells::encode(ask.request), ask.at, fx));
    }
    return {};
  });
  if (!sent) {
    core_.emit(ProtocolError{sent.error()});
    return;
  }
  core_.finish(fx);
}

}  // namespace parley::engine
