// SPDX-License-Identifier: GPL-3.0-or-later
// Joining a cell (docs/protocol.md "Joining"): a Welcome is checked, then joins at once if it
// matches an anchor the app gave, and otherwise waits as an invitation for the app to accept
// or decline. Nothing a relay or another registered device sends makes this device join by itself.
#include "cells/alerts.hpp"
#include "engine/joining.hpp"
#include "cells/cell_view.hpp"
#include "cells/codec.hpp"
#include "charter/codec.hpp"
#include "parley/joining.hpp"
#include "store/database.hpp"

namespace parley::engine {
namespace {

constexpr std::size_t kMaxInvitations = 32;
constexpr std::size_t kMaxInvitationsPerSender = 4;

bool is_store_failure(const Error& error) {
  return error.code == Errc::store_io || error.code == Errc::store_corrupt || error.code == Errc::store_wrong_key;
}

}  // namespace

using cells::genesis_hash;
using cells::genesis_signer_fingerprint;

Result<std::optional<charter::CharterLog>> Joining::checked_welcome(const Address& sender,
                                                                    const cells::Welcome& welcome,
                                                                    Effects& after) const {
  using Out = std::optional<charter::CharterLog>;
  auto log = charter::CharterLog::from_genesis(welcome.commits, welcome.cell_id);
  if (!log) {
    after.events.push_back(cells::security_alert(welcome.cell_id, sender, 0, log.error()));
    return Out();
  }
  // A genesis certifies itself; what ties this one to its sender is that a supervisor device
  // of it handed it over an authenticated pairwise session.
  if (!log->state().is_supervisor_device(sender)) {
    after.events.push_back(cells::security_alert(welcome.cell_id, sender, log->epoch(),
                                          make_error(Errc::charter_not_authorized,
                                                     "a welcome must come from a supervisor device of the cell")));
    return Out();
  }
  auto listed = log->state().devices.find(core_.self);
  if (listed == log->state().devices.end()) {
    after.events.push_back(
        cells::security_alert(welcome.cell_id, sender, log->epoch(),
                       make_error(Errc::cell_unknown, "a welcome to a cell that does not list this device")));
    return Out();
  }
  // Members would encrypt to the key the charter names: this device must hold it.
  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  if (!*identity || listed->second.identity_key != (*identity)->identity_public) {
    after.events.push_back(cells::security_alert(
        welcome.cell_id, sender, log->epoch(),
        make_error(Errc::untrusted_identity, "a welcome to a cell that names this device under another key")));
    return Out();
  }
  // The session it came over must be the supervisor device's own, under the key the charter
  // binds to it: a relay that planted a session under that address gets nowhere.
  auto bound = identities_.session_matches(log->state(), sender);
  if (!bound) return std::move(bound).error();
  if (!*bound) {
    after.events.push_back(cells::security_alert(
        welcome.cell_id, sender, log->epoch(),
        make_error(Errc::untrusted_identity, "a welcome came from " + sender.to_string() +
                                                 " over a session built with another key than its charter names")));
    return Out();
  }
  return Out(std::move(*log));
}

Result<bool> Joining::welcome_anchored(const charter::CharterLog& log) const {
  const Digest genesis = genesis_hash(log);
  auto by_genesis = core_.store.join_anchor_has(static_cast<std::uint8_t>(JoinAnchor::Kind::genesis), ByteView(genesis));
  if (!by_genesis || *by_genesis) return by_genesis;
  auto fingerprint = genesis_signer_fingerprint(log);
  if (!fingerprint) return std::move(fingerprint).error();
  return core_.store.join_anchor_has(static_cast<std::uint8_t>(JoinAnchor::Kind::supervisor), ByteView(*fingerprint));
}

Status Joining::on_welcome(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto welcome = cells::decode_welcome(body);
  if (!welcome) {
    after.events.push_back(DecryptFailed{sender, welcome.error()});
    return {};
  }
  if (core_.book.find(welcome->cell_id)) {
    // Already a member (e.g. re-added): treat it as a batch of commits; a different genesis
    // under the same cell id is an equivocation the commit rules report.
    for (const auto& commit : welcome->commits)
      PARLEY_TRY(charters_.on_charter_commit(sender, charter::encode_signed_commit(commit), now, after));
    return {};
  }
  auto log = checked_welcome(sender, *welcome, after);
  if (!log) return std::move(log).error();
  if (!*log) return {};
  auto anchored = welcome_anchored(**log);
  if (!anchored) return std::move(anchored).error();
  if (*anchored) return join_cell(sender, std::move(**log), now, after);
  return keep_invitation(sender, body, **log, now, after);
}

Status Joining::join_cell(const Address& sender, charter::CharterLog log, TimeMs now, Effects& after) {
  const CellId cell = log.state().cell_id;
  PARLEY_TRY(core_.store.invitation_remove(ByteView(genesis_hash(log))));
  PARLEY_TRY(cells::CellBook::persist(core_.store, cell, log, 1, now));
  PARLEY_TRY(identities_.adopt_charter_keys(cell, nullptr, log.state(), after));
  after.events.push_back(CharterChanged{cell, log.epoch(), true});
  core_.book.put(cell, std::move(log));  // staged: published with the store's commit
  after.retry_held = true;
  // Commits sent after the welcome may have overtaken it and been dropped (unknown cell):
  // ask the supervisor for anything newer right away. It answers only if there is more.
  return charters_.request_resync(cell, sender, now, after);
}

Result<Invitation> Joining::describe_invitation(const Address& sender, const charter::CharterLog& log,
                                               TimeMs received_at) const {
  Invitation out;
  out.cell = log.state().cell_id;
  out.name = log.state().name;
  out.supervisor_party = log.state().supervisor_party;
  out.from = sender;
  out.epoch = log.epoch();
  out.genesis = genesis_hash(log);
  auto fingerprint = genesis_signer_fingerprint(log);
  if (!fingerprint) return std::move(fingerprint).error();
  out.supervisor_fingerprint = *fingerprint;
  out.received_at = received_at;
  return out;
}

Status Joining::keep_invitation(const Address& sender, ByteView welcome, const charter::CharterLog& log, TimeMs now,
                               Effects& after) {
  auto invitation = describe_invitation(sender, log, now);
  if (!invitation) return std::move(invitation).error();
  store::StoredInvitation stored{Bytes(invitation->genesis.begin(), invitation->genesis.end()),
                                 Bytes(invitation->cell.begin(), invitation->cell.end()), sender,
                                 Bytes(welcome.begin(), welcome.end()), now};
  PARLEY_TRY(core_.store.invitation_put(stored, kMaxInvitations, kMaxInvitationsPerSender));
  after.events.push_back(InvitationReceived{std::move(*invitation)});
  return {};
}

Status Joining::join_invitation(const store::StoredInvitation& stored, TimeMs now, Effects& after) {
  // Checked again: the bytes sat in the store, and this device's sessions may have moved on.
  auto welcome = cells::decode_welcome(stored.welcome);
  if (!welcome) return std::move(welcome).error();
  if (core_.book.find(welcome->cell_id)) {
    PARLEY_TRY(core_.store.invitation_remove(stored.genesis));
    return make_error(Errc::invalid_argument, "this device is already in a cell with that id");
  }
  auto log = checked_welcome(stored.from, *welcome, after);
  if (!log) return std::move(log).error();
  if (!*log) {
    PARLEY_TRY(core_.store.invitation_remove(stored.genesis));
    return make_error(Errc::untrusted_identity, "the invitation no longer passes the welcome checks");
  }
  return join_cell(stored.from, std::move(**log), now, after);
}

Status Joining::add_join_anchor(const JoinAnchor& anchor, TimeMs now) {
  Effects after;
  auto done = core_.transact(after, [&]() -> Status {
    PARLEY_TRY(core_.store.join_anchor_put(static_cast<std::uint8_t>(anchor.kind), ByteView(anchor.value), now));
    // Invitations that were waiting for exactly this anchor join now.
    auto pending = core_.store.invitations();
    if (!pending) return std::move(pending).error();
    for (const auto& stored : *pending) {
      auto welcome = cells::decode_welcome(stored.welcome);
      if (!welcome) continue;
      auto log = charter::CharterLog::from_genesis(welcome->commits, welcome->cell_id);
      if (!log) continue;
      auto anchored = welcome_anchored(*log);
      if (!anchored) return std::move(anchored).error();
      if (!*anchored || core_.book.find(welcome->cell_id)) continue;
      // One that fails its checks again is dropped and the others still join; only the
      // store failing stops them all.
      if (auto joined = join_invitation(stored, now, after); !joined && is_store_failure(joined.error()))
        return joined;
    }
    return {};
  });
  if (!done) return done;
  core_.finish(after);
  return {};
}

Status Joining::accept_invitation(const Digest& genesis, TimeMs now) {
  Effects after;
  auto done = core_.transact(after, [&]() -> Status {
    auto stored = core_.store.invitation_get(ByteView(genesis));
    if (!stored) return std::move(stored).error();
    if (!*stored) return make_error(Errc::store_not_found, "no pending invitation with that genesis");
    return join_invitation(**stored, now, after);
  });
  if (!done) {
    after = std::move(after).verdicts();
    // A failed check dropped the invitation: keep that, whatever else rolled back.
    if (done.error().code == Errc::untrusted_identity || done.error().code == Errc::invalid_argument)
      PARLEY_TRY(core_.store.invitation_remove(ByteView(genesis)));
    core_.finish(after);
    return done;
  }
  core_.finish(after);
  return {};
}

Status Joining::decline_invitation(const Digest& genesis) {
  auto stored = core_.store.invitation_get(ByteView(genesis));
  if (!stored) return std::move(stored).error();
  if (!*stored) return make_error(Errc::store_not_found, "no pending invitation with that genesis");
  return core_.store.invitation_remove(ByteView(genesis));
}

Result<std::vector<Invitation>> Joining::invitations() const {
  auto stored = core_.store.invitations();
  if (!stored) return std::move(stored).error();
  std::vector<Invitation> out;
  for (const auto& s : *stored) {
    auto welcome = cells::decode_welcome(s.welcome);
    if (!welcome) continue;
    auto log = charter::CharterLog::from_genesis(welcome->commits, welcome->cell_id);
    if (!log) continue;
    auto invitation = describe_invitation(s.from, *log, s.received_at);
    if (!invitation) return std::move(invitation).error();
    out.push_back(std::move(*invitation));
  }
  return out;
}

Result<JoinAnchor> Joining::join_anchor(const CellId& cell) const {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  return JoinAnchor{JoinAnchor::Kind::genesis, genesis_hash(*log)};
}

Result<JoinAnchor> Joining::supervisor_anchor() const {
  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  auto fingerprint = identity_fingerprint((*identity)->identity_public);
  if (!fingerprint) return std::move(fingerprint).error();
  return JoinAnchor{JoinAnchor::Kind::supervisor, *fingerprint};
}

}  // namespace parley::engine
