// SPDX-License-Identifier: GPL-3.0-or-later
// parley_incident_* and the deconfliction notices: converting C inputs to the C++ values of
// parley/hotline_types.hpp and C++ state to C views. The rules (who may do what, which areas
// are valid) live in the SDK; only argument shapes are checked here.
#include "hotline.hpp"

#include <memory>

using namespace parley;
using namespace parley::cabi;

namespace {

// Version 1 of each input struct ends with its last field of 0.1.
constexpr std::size_t kNewIncidentV1 = offsetof(parley_new_incident, location) + sizeof(parley_geo_point);
constexpr std::size_t kNoticeV1 = offsetof(parley_notice, description_len) + sizeof(std::size_t);

GeoPoint to_point(const parley_geo_point& p) { return GeoPoint{p.lat_e7, p.lon_e7}; }
parley_geo_point from_point(const GeoPoint& p) { return parley_geo_point{p.lat_e7, p.lon_e7}; }

IncidentId to_incident_id(const parley_incident_id& id) {
  IncidentId out;
  std::memcpy(out.data(), id.bytes, out.size());
  return out;
}

Result<Precedence> to_precedence(const parley_precedence& precedence) {
  const int level = enum_int(precedence);
  if (level < PARLEY_PRECEDENCE_ROUTINE || level > PARLEY_PRECEDENCE_FLASH)
    return make_error(Errc::invalid_argument, "precedence " + std::to_string(level) + " is not a parley_precedence");
  return static_cast<Precedence>(level);
}

Result<MessageRef> to_message_ref(const parley_message_ref& ref, const char* what) {
  auto sender = to_address(ref.sender, what);
  if (!sender) return std::move(sender).error();
  return MessageRef{std::move(*sender), to_message_id(ref.id)};
}

Result<IncidentOpen> to_incident_open(const parley_new_incident* in) {
  PARLEY_TRY(check_struct(in, kNewIncidentV1, "incident"));
  PARLEY_TRY(check_slice(in->title, in->title_len, "incident.title"));
  PARLEY_TRY(check_slice(in->details, in->details_len, "incident.details"));
  PARLEY_TRY(check_name(in->respondent_party, "incident.respondent_party"));
  const int severity = enum_int(in->severity);
  if (severity < PARLEY_SEVERITY_LOW || severity > PARLEY_SEVERITY_CRITICAL)
    return make_error(Errc::invalid_argument,
                      "incident.severity " + std::to_string(severity) + " is not a parley_severity (expected 1..4)");
  IncidentOpen out;
  out.title = slice_string(in->title, in->title_len);
  out.details = slice_string(in->details, in->details_len);
  out.severity = static_cast<Severity>(severity);
  out.respondent_party = in->respondent_party;
  if (in->has_location) out.location = to_point(in->location);
  return out;
}

Result<DeconflictionNotice> to_notice(const parley_notice* in) {
  PARLEY_TRY(check_struct(in, kNoticeV1, "notice"));
  PARLEY_TRY(check_slice(in->description, in->description_len, "notice.description"));
  DeconflictionNotice out;
  const int kind = enum_int(in->area.kind);
  if (kind == PARLEY_AREA_CIRCLE) {
    out.area = Circle{to_point(in->area.center), in->area.radius_m};
  } else if (kind == PARLEY_AREA_POLYGON) {
    PARLEY_TRY(check_slice(in->area.vertices, in->area.vertex_count, "notice.area.vertices"));
    Polygon polygon;
    // More than the rule allows is refused by the SDK; do not copy an absurd count first.
    if (in->area.vertex_count > 1024)
      return make_error(Errc::hotline_invalid_area,
                        "polygon has " + std::to_string(in->area.vertex_count) + " vertices, expected 3..64");
    polygon.vertices.reserve(in->area.vertex_count);
    for (std::size_t i = 0; i < in->area.vertex_count; ++i) polygon.vertices.push_back(to_point(in->area.vertices[i]));
    out.area = std::move(polygon);
  } else {
    return make_error(Errc::invalid_argument,
                      "notice.area.kind " + std::to_string(kind) + " is not a parley_area_kind (expected 1 or 2)");
  }
  out.window = TimeWindow{in->start_ms, in->end_ms};
  out.description = slice_string(in->description, in->description_len);
  return out;
}

// Runs one update operation after the checks every update shares.
template <class MakeAction>
parley_status update(parley_client* client, const parley_cell_id& cell, const char* channel,
                     const parley_incident_id& incident, parley_message_id* id, parley_error* err,
                     MakeAction&& make_action) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    Result<IncidentAction> action = make_action();
    if (!action) return fail(err, action.error());
    auto sent = client->client->update_incident(to_cell_id(cell), channel, to_incident_id(incident),
                                                std::move(*action));
    if (!sent) return fail(err, sent.error());
    if (id) *id = from_message_id(*sent);
    return succeed(err);
  });
}

// The C view of one incident; every pointer goes into `source` (owned by the list) or here.
struct IncidentView {
  std::vector<parley_incident_ack> acks;
  std::vector<parley_comment_entry> comments;
  std::vector<std::vector<const char*>> agreed;  // per proposal
  std::vector<parley_resolution_proposal> proposals;
  parley_message_ref resolution_proposal{};
  parley_resolution resolution{};
  parley_incident incident{};
};

const std::uint8_t* bytes_of(const std::string& text) { return reinterpret_cast<const std::uint8_t*>(text.data()); }

void fill_view(const Incident& in, IncidentView& out) {
  parley_incident& c = out.incident;
  c.struct_size = sizeof c;
  std::memcpy(c.id.bytes, in.id.data(), sizeof c.id.bytes);
  c.opened_by = from_message_ref(in.opened_by);
  c.opener_party = in.opener_party.c_str();
  c.respondent_party = in.respondent_party.c_str();
  c.opened_at_ms = in.opened_at;
  c.title = bytes_of(in.title);
  c.title_len = in.title.size();
  c.details = bytes_of(in.details);
  c.details_len = in.details.size();
  c.severity = static_cast<parley_severity>(in.severity);
  c.has_location = in.location.has_value();
  if (in.location) c.location = from_point(*in.location);
  for (const auto& [party, at] : in.acknowledged) out.acks.push_back(parley_incident_ack{party.c_str(), at});
  for (const auto& comment : in.comments)
    out.comments.push_back(parley_comment_entry{from_message_ref(comment.ref), comment.party.c_str(), comment.at,
                                                   bytes_of(comment.text), comment.text.size()});
  out.agreed.reserve(in.proposals.size());  // proposals[i].agreed points into agreed[i]
  for (const auto& proposal : in.proposals) {
    auto& parties = out.agreed.emplace_back();
    for (const auto& party : proposal.agreed) parties.push_back(party.c_str());
    out.proposals.push_back(parley_resolution_proposal{from_message_ref(proposal.ref), proposal.party.c_str(),
                                                     proposal.at, bytes_of(proposal.text), proposal.text.size(),
                                                     parties.data(), parties.size()});
  }
  c.acknowledged = out.acks.data();
  c.acknowledged_count = out.acks.size();
  c.comments = out.comments.data();
  c.comment_count = out.comments.size();
  c.proposals = out.proposals.data();
  c.proposal_count = out.proposals.size();
  if (in.resolution) {
    const Resolution& r = *in.resolution;
    out.resolution.by = static_cast<parley_resolved_by>(r.by);
    if (r.proposal) {
      out.resolution_proposal = from_message_ref(*r.proposal);
      out.resolution.proposal = &out.resolution_proposal;
    }
    out.resolution.resolved_by = from_message_ref(r.resolved_by);
    out.resolution.at_ms = r.at;
    out.resolution.text = bytes_of(r.text);
    out.resolution.text_len = r.text.size();
    c.resolution = &out.resolution;
  }
}

}  // namespace

namespace parley::cabi {

void fill_notice_view(const DeconflictionNotice& in, NoticeView& out) {
  parley_notice& n = out.notice;
  n = parley_notice{};
  n.struct_size = sizeof n;
  if (const auto* circle = std::get_if<Circle>(&in.area)) {
    n.area.kind = PARLEY_AREA_CIRCLE;
    n.area.center = from_point(circle->center);
    n.area.radius_m = circle->radius_m;
  } else {
    const auto& polygon = std::get<Polygon>(in.area);
    n.area.kind = PARLEY_AREA_POLYGON;
    out.vertices.clear();
    for (const auto& v : polygon.vertices) out.vertices.push_back(from_point(v));
    n.area.vertices = out.vertices.data();
    n.area.vertex_count = out.vertices.size();
  }
  n.start_ms = in.window.start;
  n.end_ms = in.window.end;
  n.description = bytes_of(in.description);
  n.description_len = in.description.size();
}

}  // namespace parley::cabi

// `views[i]` shows `source[i]`; both are filled once and never resized after.
struct parley_incident_list {
  std::vector<Incident> source;
  std::vector<std::unique_ptr<IncidentView>> views;
};

struct NoticeEntryView {
  NoticeView notice;
  std::vector<parley_message_ref> conflicts;
  parley_notice_entry entry{};
};

struct parley_notice_list {
  std::vector<NoticeEntry> source;
  std::vector<std::unique_ptr<NoticeEntryView>> views;
};

namespace {

void wipe_string(std::string& s) { wipe(s.data(), s.size()); }

}  // namespace

extern "C" {

void parley_new_incident_init(parley_new_incident* incident) {
  if (!incident) return;
  *incident = parley_new_incident{};
  incident->struct_size = sizeof *incident;
  incident->severity = PARLEY_SEVERITY_MEDIUM;
}

parley_status parley_incident_open(parley_client* client, parley_cell_id cell, const char* channel,
                                   const parley_new_incident* incident, parley_precedence precedence,
                                   parley_incident_id* out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    auto open = to_incident_open(incident);
    if (!open) return fail(err, open.error());
    auto level = to_precedence(precedence);
    if (!level) return fail(err, level.error());
    auto id = client->client->open_incident(to_cell_id(cell), channel, std::move(*open), *level);
    if (!id) return fail(err, id.error());
    std::memcpy(out->bytes, id->data(), sizeof out->bytes);
    return succeed(err);
  });
}

parley_status parley_incident_acknowledge(parley_client* client, parley_cell_id cell, const char* channel,
                                          parley_incident_id incident, parley_message_id* id, parley_error* err) {
  return update(client, cell, channel, incident, id, err,
                [&]() -> Result<IncidentAction> { return IncidentAction{IncidentAcknowledge{}}; });
}

parley_status parley_incident_comment(parley_client* client, parley_cell_id cell, const char* channel,
                                      parley_incident_id incident, const uint8_t* text, size_t text_len,
                                      parley_message_id* id, parley_error* err) {
  return update(client, cell, channel, incident, id, err, [&]() -> Result<IncidentAction> {
    PARLEY_TRY(check_slice(text, text_len, "text"));
    return IncidentAction{IncidentComment{slice_string(text, text_len)}};
  });
}

parley_status parley_incident_propose(parley_client* client, parley_cell_id cell, const char* channel,
                                      parley_incident_id incident, const uint8_t* text, size_t text_len,
                                      parley_message_id* id, parley_error* err) {
  return update(client, cell, channel, incident, id, err, [&]() -> Result<IncidentAction> {
    PARLEY_TRY(check_slice(text, text_len, "text"));
    return IncidentAction{IncidentPropose{slice_string(text, text_len)}};
  });
}

parley_status parley_incident_resolve(parley_client* client, parley_cell_id cell, const char* channel,
                                      parley_incident_id incident, const parley_message_ref* proposal,
                                      const uint8_t* text, size_t text_len, parley_message_id* id,
                                      parley_error* err) {
  return update(client, cell, channel, incident, id, err, [&]() -> Result<IncidentAction> {
    PARLEY_TRY(check_slice(text, text_len, "text"));
    IncidentResolve resolve{std::nullopt, slice_string(text, text_len)};
    if (proposal) {
      auto ref = to_message_ref(*proposal, "proposal.sender");
      if (!ref) return std::move(ref).error();
      resolve.proposal = std::move(*ref);
    }
    return IncidentAction{std::move(resolve)};
  });
}

parley_status parley_channel_incidents(const parley_client* client, parley_cell_id cell, const char* channel,
                                       parley_incident_list** out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto incidents = client->client->incidents(to_cell_id(cell), channel);
    if (!incidents) return fail(err, incidents.error());
    auto list = std::make_unique<parley_incident_list>();
    list->source = std::move(*incidents);  // in place from here: the views point into it
    list->views.reserve(list->source.size());
    for (const auto& incident : list->source) {
      auto view = std::make_unique<IncidentView>();
      fill_view(incident, *view);
      list->views.push_back(std::move(view));
    }
    *out = list.release();
    return succeed(err);
  });
}

size_t parley_incident_list_count(const parley_incident_list* list) { return list ? list->views.size() : 0; }

const parley_incident* parley_incident_list_at(const parley_incident_list* list, size_t index) {
  return list && index < list->views.size() ? &list->views[index]->incident : nullptr;
}

void parley_incident_list_free(parley_incident_list* list) {
  if (!list) return;
  for (auto& incident : list->source) {
    wipe_string(incident.title);
    wipe_string(incident.details);
    for (auto& comment : incident.comments) wipe_string(comment.text);
    for (auto& proposal : incident.proposals) wipe_string(proposal.text);
    if (incident.resolution) wipe_string(incident.resolution->text);
  }
  delete list;
}

void parley_notice_init(parley_notice* notice) {
  if (!notice) return;
  *notice = parley_notice{};
  notice->struct_size = sizeof *notice;
  notice->area.kind = PARLEY_AREA_CIRCLE;
}

parley_status parley_channel_post_notice(parley_client* client, parley_cell_id cell, const char* channel,
                                         const parley_notice* notice, parley_precedence precedence,
                                         parley_message_id* id, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    auto converted = to_notice(notice);
    if (!converted) return fail(err, converted.error());
    auto level = to_precedence(precedence);
    if (!level) return fail(err, level.error());
    auto posted = client->client->post_notice(to_cell_id(cell), channel, std::move(*converted), *level);
    if (!posted) return fail(err, posted.error());
    if (id) *id = from_message_id(*posted);
    return succeed(err);
  });
}

parley_status parley_channel_notices(const parley_client* client, parley_cell_id cell, const char* channel,
                                     parley_notice_list** out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto notices = client->client->notices(to_cell_id(cell), channel);
    if (!notices) return fail(err, notices.error());
    auto list = std::make_unique<parley_notice_list>();
    list->source = std::move(*notices);  // in place from here: the views point into it
    list->views.reserve(list->source.size());
    for (const auto& n : list->source) {
      auto view = std::make_unique<NoticeEntryView>();
      fill_notice_view(n.notice, view->notice);
      for (const auto& c : n.conflicts) view->conflicts.push_back(from_message_ref(c));
      parley_notice_entry& e = view->entry;
      e.struct_size = sizeof e;
      e.ref = from_message_ref(n.ref);
      e.party = n.party.c_str();
      e.sent_at_ms = n.sent_at;
      e.notice = &view->notice.notice;
      e.conflicts = view->conflicts.data();
      e.conflict_count = view->conflicts.size();
      list->views.push_back(std::move(view));
    }
    *out = list.release();
    return succeed(err);
  });
}

size_t parley_notice_list_count(const parley_notice_list* list) { return list ? list->views.size() : 0; }

const parley_notice_entry* parley_notice_list_at(const parley_notice_list* list, size_t index) {
  return list && index < list->views.size() ? &list->views[index]->entry : nullptr;
}

void parley_notice_list_free(parley_notice_list* list) {
  if (!list) return;
  for (auto& n : list->source) wipe_string(n.notice.description);
  delete list;
}

}  // extern "C"
