// SPDX-License-Identifier: GPL-3.0-or-later
// Incident (dispute) state as a pure fold over the *set* of incident operations seen on a
// channel. Every device that holds the same set computes the same state, whatever order the
// operations arrived in:
//
//   1. Operations are identified by their channel message (sender device, message id);
//      duplicates collapse to one (if a sender reused a message id for different content,
//      the smallest (sent_at, encoded operation) wins, on every device alike).
//   2. They are applied in the total order (sent_at, sender device, message id). sent_at is
//      the sender's clock: the order is for agreement between devices, not a claim about
//      what happened first.
//   3. Each operation is applied to the state left by those before it, or ignored with a
//      reason (an operation on an incident that is not open yet in that order is ignored:
//      senders stamp operations no earlier than the incident's opening).
//
// Who may do what. The involved parties are the opener's party and the respondent party it
// names (which must differ, and neither may be the supervisor's party).
//   open       any party but the supervisor's; the first open of an incident id wins
//   acknowledge  the respondent party or the supervisor (earliest per party kept)
//   comment    anyone, also after resolution
//   propose    an involved party or the supervisor, while the incident is open
//   resolve    the supervisor: resolves at once (naming a proposal of this incident or none);
//              an involved party: agrees to a named proposal of this incident. The incident
//              is resolved by agreement when both involved parties agree to the same proposal
//              (proposing it counts as agreeing). Later proposals do not reset agreements.
// Nothing reopens a resolved incident.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hotline/bodies.hpp"

namespace parley::hotline {

// The incident values the application also sees (parley/hotline_types.hpp).
using parley::CommentEntry;
using parley::Incident;
using parley::Resolution;
using parley::ResolutionProposal;
using parley::ResolvedBy;

// One incident operation as the engine accepted it from a channel message.
struct IncidentEvent {
  MessageRef ref;     // the channel message that carried it
  std::string party;  // the sender's party, from the charter at the message's epoch
  TimeMs sent_at = 0;
  IncidentOperation operation;
  bool operator==(const IncidentEvent&) const = default;
};

enum class IgnoredReason {
  unknown_incident,      // no open precedes it in the total order
  duplicate_open,        // the incident id is already open
  invalid_sides,         // respondent = opener's party, or a side is the supervisor's party
  not_permitted,         // the sender's party may not do this to this incident
  unknown_proposal,      // resolve names no proposal of this incident (or none, from a side)
  already_resolved,      // propose or resolve after resolution
};
std::string_view ignored_reason_name(IgnoredReason reason);

struct IgnoredOperation {
  MessageRef ref;
  IgnoredReason reason = IgnoredReason::unknown_incident;
  bool operator==(const IgnoredOperation&) const = default;
};

struct IncidentState {
  std::map<IncidentId, Incident> incidents;
  std::vector<IgnoredOperation> ignored;  // in the total order
  bool operator==(const IncidentState&) const = default;
};

// The fold. `supervisor_party` is the charter's (fixed at genesis).
IncidentState fold_incidents(std::span<const IncidentEvent> events, std::string_view supervisor_party);

// An incident's id is bound to the message that opens it: the first 16 bytes of
// SHA-256("PLI1" || opener address || opening message id). An open naming any other id is
// ignored (not_permitted), so nobody can open, and so take over, another party's incident.
IncidentId incident_id_for(const MessageRef& opening);

}  // namespace parley::hotline
