// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/incidents.hpp"

#include <algorithm>
#include <tuple>

#include "crypto/hash.hpp"
#include "hotline/codec.hpp"

namespace parley::hotline {
namespace {

struct Folder {
  std::string_view supervisor;
  IncidentState state;

  void ignore(const IncidentEvent& e, IgnoredReason reason) { state.ignored.push_back({e.ref, reason}); }

  bool involved(const Incident& incident, const std::string& party) const {
    return party == incident.opener_party || party == incident.respondent_party;
  }

  void apply(const IncidentEvent& e) {
    const auto& op = e.operation;
    if (const auto* open = std::get_if<IncidentOpen>(&op.action)) return apply_open(e, *open);
    auto it = state.incidents.find(op.incident);
    if (it == state.incidents.end()) return ignore(e, IgnoredReason::unknown_incident);
    Incident& incident = it->second;
    std::visit([&](const auto& action) { apply_to(e, incident, action); }, op.action);
  }

  void apply_open(const IncidentEvent& e, const IncidentOpen& open) {
    if (e.operation.incident != incident_id_for(e.ref)) return ignore(e, IgnoredReason::not_permitted);
    if (state.incidents.contains(e.operation.incident)) return ignore(e, IgnoredReason::duplicate_open);
    if (open.respondent_party == e.party || e.party == supervisor || open.respondent_party == supervisor)
      return ignore(e, IgnoredReason::invalid_sides);
    Incident incident;
    incident.id = e.operation.incident;
    incident.opened_by = e.ref;
    incident.opener_party = e.party;
    incident.respondent_party = open.respondent_party;
    incident.opened_at = e.sent_at;
    incident.title = open.title;
    incident.details = open.details;
    incident.severity = open.severity;
    incident.location = open.location;
    state.incidents.emplace(incident.id, std::move(incident));
  }

  void apply_to(const IncidentEvent&, Incident&, const IncidentOpen&) {}  // handled above

  void apply_to(const IncidentEvent& e, Incident& incident, const IncidentAcknowledge&) {
    if (e.party != incident.respondent_party && e.party != supervisor) return ignore(e, IgnoredReason::not_permitted);
    incident.acknowledged.emplace(e.party, e.sent_at);  // the total order makes the first the earliest
  }

  void apply_to(const IncidentEvent& e, Incident& incident, const IncidentComment& comment) {
    incident.comments.push_back({e.ref, e.party, e.sent_at, comment.text});
  }

  void apply_to(const IncidentEvent& e, Incident& incident, const IncidentPropose& propose) {
    if (incident.resolved()) return ignore(e, IgnoredReason::already_resolved);
    if (!involved(incident, e.party) && e.party != supervisor) return ignore(e, IgnoredReason::not_permitted);
    ResolutionProposal proposal{e.ref, e.party, e.sent_at, propose.text, {}};
    if (involved(incident, e.party)) proposal.agreed.insert(e.party);
    incident.proposals.push_back(std::move(proposal));
  }

  void apply_to(const IncidentEvent& e, Incident& incident, const IncidentResolve& resolve) {
    if (incident.resolved()) return ignore(e, IgnoredReason::already_resolved);
    const bool by_supervisor = e.party == supervisor;
    if (!by_supervisor && !involved(incident, e.party)) return ignore(e, IgnoredReason::not_permitted);
    ResolutionProposal* proposal = nullptr;
    if (resolve.proposal) {
      auto it = std::find_if(incident.proposals.begin(), incident.proposals.end(),
                             [&](const ResolutionProposal& p) { return p.ref == *resolve.proposal; });
      if (it == incident.proposals.end()) return ignore(e, IgnoredReason::unknown_proposal);
      proposal = &*it;
    } else if (!by_supervisor) {
      return ignore(e, IgnoredReason::unknown_proposal);  // a side can only agree to something
    }
    if (by_supervisor) {
      incident.resolution = Resolution{ResolvedBy::supervisor, resolve.proposal, e.ref, e.sent_at, resolve.text};
      return;
    }
    proposal->agreed.insert(e.party);
    if (proposal->agreed.contains(incident.opener_party) && proposal->agreed.contains(incident.respondent_party))
      incident.resolution = Resolution{ResolvedBy::agreement, proposal->ref, e.ref, e.sent_at, resolve.text};
  }
};

}  // namespace

IncidentId incident_id_for(const MessageRef& opening) {
  const std::string address = opening.sender.to_string();
  auto digest = crypto::sha256({as_bytes("PLI1"), as_bytes(address), ByteView(opening.id.bytes)});
  IncidentId id{};
  if (digest) std::copy_n(digest->begin(), id.size(), id.begin());
  return id;
}

std::string_view ignored_reason_name(IgnoredReason reason) {
  switch (reason) {
    case IgnoredReason::unknown_incident: return "unknown_incident";
    case IgnoredReason::duplicate_open: return "duplicate_open";
    case IgnoredReason::invalid_sides: return "invalid_sides";
    case IgnoredReason::not_permitted: return "not_permitted";
    case IgnoredReason::unknown_proposal: return "unknown_proposal";
    case IgnoredReason::already_resolved: return "already_resolved";
  }
  return "unknown";
}

IncidentState fold_incidents(std::span<const IncidentEvent> events, std::string_view supervisor_party) {
  // Sort a view by the total order; the encoded operation breaks ties between different
  // contents under one message id, so the winner does not depend on arrival order.
  struct Keyed {
    const IncidentEvent* event;
    Bytes encoded;
  };
  std::vector<Keyed> order;
  order.reserve(events.size());
  for (const auto& e : events) order.push_back({&e, encode(Body{e.operation})});
  std::sort(order.begin(), order.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.event->ref.sender, a.event->ref.id, a.event->sent_at, a.encoded, a.event->party) <
           std::tie(b.event->ref.sender, b.event->ref.id, b.event->sent_at, b.encoded, b.event->party);
  });
  // One event per message: the first of each (sender, id) run, i.e. the smallest content.
  order.erase(std::unique(order.begin(), order.end(),
                          [](const Keyed& a, const Keyed& b) { return a.event->ref == b.event->ref; }),
              order.end());
  std::sort(order.begin(), order.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.event->sent_at, a.event->ref) < std::tie(b.event->sent_at, b.event->ref);
  });
  Folder folder{supervisor_party, {}};
  for (const auto& k : order) folder.apply(*k.event);
  return std::move(folder.state);
}

}  // namespace parley::hotline
