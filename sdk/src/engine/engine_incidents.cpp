// SPDX-License-Identifier: GPL-3.0-or-later
// Incidents (disputes) in the engine (docs/hotline.md "Incidents"). Each operation is a
// hotline post on the channel; every device folds the operations it holds with the one pure
// rule (hotline/incidents.hpp), so devices holding the same operations agree on every
// incident whatever order they arrived in. Here: sending operations (checked first against
// that same fold, so a refused operation is a clear error instead of a silent no-op),
// feeding accepted ones to the per-channel cache, and the IncidentUpdated event.
#include <algorithm>

#include "engine/engine.hpp"
#include "hotline/codec.hpp"

namespace parley::engine {

namespace {

Error refusal(hotline::IgnoredReason reason) {
  switch (reason) {
    case hotline::IgnoredReason::unknown_incident:
      return make_error(Errc::invalid_argument, "no incident with that id is open on this channel here");
    case hotline::IgnoredReason::duplicate_open:
      return make_error(Errc::invalid_argument, "an incident with that id is already open");
    case hotline::IgnoredReason::invalid_sides:
      return make_error(Errc::invalid_argument,
                        "the respondent must be another party than the opener's, and neither the supervisor's");
    case hotline::IgnoredReason::not_permitted:
      return make_error(Errc::cell_permission_denied, "this device's party may not do that to this incident");
    case hotline::IgnoredReason::unknown_proposal:
      return make_error(Errc::invalid_argument,
                        "a party resolves by agreeing to a proposal of this incident: name one that exists");
    case hotline::IgnoredReason::already_resolved:
      return make_error(Errc::invalid_argument, "the incident is already resolved");
  }
  return make_error(Errc::invalid_argument, "incident operation refused");
}

}  // namespace

Result<IncidentId> Engine::open_incident(const CellId& cell, std::string_view channel, IncidentOpen open,
                                         Precedence precedence, TimeMs now) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  const charter::CellState& state = log->state();
  const bool known_party = std::any_of(state.users.begin(), state.users.end(),
                                       [&](const auto& u) { return u.second.party == open.respondent_party; });
  if (!known_party)
    return make_error(Errc::invalid_argument, "no party '" + open.respondent_party + "' in this cell");
  // The id is bound to the opening message (hotline::incident_id_for): nobody else can open it.
  const MessageId opening = core_.new_message_id();
  const IncidentId id = hotline::incident_id_for(MessageRef{core_.self, opening});
  auto sent = send_incident_operation(cell, channel, hotline::IncidentOperation{id, std::move(open)}, precedence, now,
                                      opening);
  if (!sent) return std::move(sent).error();
  return id;
}

Result<MessageId> Engine::update_incident(const CellId& cell, std::string_view channel, const IncidentId& id,
                                          IncidentAction action, TimeMs now) {
  if (std::holds_alternative<IncidentOpen>(action))
    return make_error(Errc::invalid_argument, "open an incident with open_incident");
  return send_incident_operation(cell, channel, hotline::IncidentOperation{id, std::move(action)},
                                 Precedence::routine, now);
}

// Refuses locally what every receiver would ignore: the same fold, with this operation added
// at the place it will take in the agreed order.
Result<MessageId> Engine::send_incident_operation(const CellId& cell, std::string_view channel,
                                                  hotline::IncidentOperation operation, Precedence precedence,
                                                  TimeMs now, std::optional<MessageId> preset) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  const auto* user = log->state().user_of(core_.self);
  ChannelHotline* held = hotline_.channel(cell, std::string(channel));
  if (!user || !held) return make_error(Errc::cell_permission_denied, "this device is not a member of the cell");
  std::vector<hotline::IncidentEvent> trial = held->incident_ops;
  // A message id no real one can equal sorts this operation after any of ours at `now`.
  MessageRef probe{core_.self, MessageId{}};
  probe.id.bytes.fill(0xff);
  if (preset) probe.id = *preset;  // an opening: its id is what the incident id is bound to
  trial.push_back(hotline::IncidentEvent{probe, user->party, now, operation});
  const hotline::IncidentState folded = hotline::fold_incidents(trial, log->state().supervisor_party);
  for (const auto& ignored : folded.ignored)
    if (ignored.ref == probe) return refusal(ignored.reason);
  return post_hotline_body(cell, channel, hotline::Body{std::move(operation)}, precedence, now, preset);
}

Result<std::vector<Incident>> Engine::incidents(const CellId& cell, std::string_view channel) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  ChannelHotline* held = hotline_.channel(cell, std::string(channel));
  std::vector<Incident> out;
  if (!held) return out;
  auto folded = hotline::fold_incidents(held->incident_ops, log->state().supervisor_party);
  for (auto& [id, incident] : folded.incidents) out.push_back(std::move(incident));
  std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
    return std::tie(a.opened_at, a.opened_by) < std::tie(b.opened_at, b.opened_by);
  });
  return out;
}

}  // namespace parley::engine
