// SPDX-License-Identifier: GPL-3.0-or-later
// Party-admin proposals (docs/protocol.md "Party-admin proposals"): a party admin signs
// membership changes of its own party and sends them to the supervisor devices; a supervisor
// device validates, keeps and reports them, and only a person deciding on that device turns
// one into a commit. Proposals never change anyone's charter by themselves.
#include "charter/codec.hpp"
#include "charter/proposal.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"
#include "cells/alerts.hpp"
#include "cells/cell_view.hpp"
#include "engine/proposals.hpp"

namespace parley::engine {

namespace {

Result<ProposalId> proposal_id(const charter::Proposal& proposal) {
  auto digest = crypto::sha256({ByteView(proposal.bytes)});
  if (!digest) return std::move(digest).error();
  ProposalId id;
  std::copy_n(digest->begin(), id.size(), id.begin());
  return id;
}

}  // namespace

Result<ProposalId> Proposals::propose(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  const charter::CellState& state = log->state();
  charter::ProposalBody body{cell, state.epoch, core_.self, now, std::move(operations)};
  auto proposal = charter::sign_proposal(body, (*identity)->identity_private);
  if (!proposal) return std::move(proposal).error();
  // The supervisor applies exactly these rules; failing here saves a round trip.
  if (auto valid = charter::validate_proposal(state, *proposal); !valid) return std::move(valid).error();
  auto id = proposal_id(*proposal);
  if (!id) return std::move(id).error();

  Effects after;
  const Bytes bytes = charter::encode_signed_proposal(*proposal);
  auto done = core_.transact(after, [&]() -> Status {
    for (const auto& [device, record] : state.devices)
      if (device != core_.self && state.is_supervisor_device(device))
        PARLEY_TRY(identities_.queue_control(&state, device, envelope::ContentKind::proposal, bytes, now, after));
    return {};
  });
  if (!done) return std::move(done).error();
  core_.finish(after);
  return *id;
}

// Untrusted input: failures are events, never errors (see on_charter_commit).
Status Proposals::on_proposal(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto proposal = charter::decode_signed_proposal(body);
  if (!proposal) {
    after.events.push_back(DecryptFailed{sender, proposal.error()});
    return {};
  }
  auto decoded = charter::decode_proposal(proposal->bytes);
  if (!decoded) {
    after.events.push_back(DecryptFailed{sender, decoded.error()});
    return {};
  }
  const charter::CharterLog* log = core_.book.find(decoded->cell_id);
  if (!log || !log->state().is_supervisor_device(core_.self)) return {};
  if (decoded->proposer != sender) {
    after.events.push_back(cells::security_alert(decoded->cell_id, sender, log->epoch(),
                                          make_error(Errc::charter_not_authorized,
                                                     "a proposal signed by " + decoded->proposer.to_string() +
                                                         " arrived from " + sender.to_string())));
    return {};
  }
  auto valid = charter::validate_proposal(log->state(), *proposal);
  if (!valid) {
    after.events.push_back(cells::security_alert(decoded->cell_id, sender, log->epoch(), valid.error()));
    return {};
  }
  auto id = proposal_id(*proposal);
  if (!id) return std::move(id).error();
  PARLEY_TRY(core_.store.proposal_put(ByteView(decoded->cell_id), ByteView(*id),
                                 store::StoredCommit{0, proposal->bytes, proposal->signature}, now));
  after.events.push_back(ProposalReceived{decoded->cell_id, *id, sender, decoded->base_epoch, cells::describe_changes(valid->operations)});
  return {};
}

Status Proposals::accept_proposal(const CellId& cell, const ProposalId& id, TimeMs now) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  if (!log->state().is_supervisor_device(core_.self))
    return make_error(Errc::charter_not_authorized, "only a supervisor device of the cell commits");
  auto stored = core_.store.proposal_get(ByteView(cell), ByteView(id));
  if (!stored) return std::move(stored).error();
  if (!stored->has_value()) return make_error(Errc::store_not_found, "no pending proposal with that id");
  // Validated again: the charter may have moved on since it arrived.
  auto valid = charter::validate_proposal(log->state(), charter::Proposal{(*stored)->bytes, (*stored)->signature});
  if (!valid) return std::move(valid).error();
  PARLEY_TRY(charters_.commit(cell, valid->operations, now));
  return core_.store.proposal_remove(ByteView(cell), ByteView(id));
}

Status Proposals::reject_proposal(const CellId& cell, const ProposalId& id) {
  if (!core_.book.find(cell)) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  auto stored = core_.store.proposal_get(ByteView(cell), ByteView(id));
  if (!stored) return std::move(stored).error();
  if (!stored->has_value()) return make_error(Errc::store_not_found, "no pending proposal with that id");
  return core_.store.proposal_remove(ByteView(cell), ByteView(id));
}

}  // namespace parley::engine
