// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/codec.hpp"

#include <flatbuffers/flatbuffers.h>

#include <cstring>

#include "charter/syntax.hpp"
#include "hotline/geometry.hpp"
#include "hotline/text.hpp"
#include "wire/frames.hpp"
#include "wire/hotline_generated.h"
#include "wire/size_prefixed.hpp"

namespace parley::hotline {
namespace {

namespace fb = parley::wire;

constexpr const char* kAckId = "PLA1";
constexpr const char* kReceiptId = "PLY1";
constexpr const char* kIncidentId = "PLI1";
constexpr const char* kDeconflictionId = "PLV1";
constexpr const char* kEscalationId = "PLX1";
constexpr flatbuffers::uoffset_t kMaxDepth = 8;
constexpr flatbuffers::uoffset_t kMaxTables = 32;

Bytes finish(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::uoffset_t root, const char* identifier) {
  fbb.FinishSizePrefixed(flatbuffers::Offset<void>(root), identifier);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

flatbuffers::Offset<fb::MessageRef> make_ref(flatbuffers::FlatBufferBuilder& fbb, const MessageRef& ref) {
  auto sender = fb::make_address(fbb, ref.sender);
  return fb::CreateMessageRef(fbb, sender, fbb.CreateVector(ref.id.bytes.data(), ref.id.bytes.size()));
}

fb::GeoPoint to_wire(const GeoPoint& p) { return fb::GeoPoint(p.lat_e7, p.lon_e7); }
GeoPoint from_wire(const fb::GeoPoint& p) { return {p.lat_e7(), p.lon_e7()}; }

struct Encoder {
  flatbuffers::FlatBufferBuilder& fbb;

  Bytes operator()(const Acknowledgement& ack) {
    auto root = fb::CreateAcknowledgement(fbb, kHotlineWireVersion, make_ref(fbb, ack.target));
    return finish(fbb, root.o, kAckId);
  }
  Bytes operator()(const DeliveryReceipt& receipt) {
    auto root = fb::CreateDeliveryReceipt(fbb, kHotlineWireVersion, make_ref(fbb, receipt.target));
    return finish(fbb, root.o, kReceiptId);
  }
  Bytes operator()(const EscalationNotice& n) {
    auto target = make_ref(fbb, n.target);
    auto party = fbb.CreateString(n.overdue_party);
    auto root = fb::CreateEscalationNotice(fbb, kHotlineWireVersion, target, party, static_cast<std::uint64_t>(n.deadline));
    return finish(fbb, root.o, kEscalationId);
  }
  Bytes operator()(const DeconflictionNotice& n) {
    flatbuffers::Offset<void> area;
    fb::Area type = fb::Area::NONE;
    if (const auto* c = std::get_if<Circle>(&n.area)) {
      const fb::GeoPoint center = to_wire(c->center);
      area = fb::CreateCircle(fbb, &center, c->radius_m).Union();
      type = fb::Area::Circle;
    } else {
      std::vector<fb::GeoPoint> points;
      for (const auto& v : std::get<Polygon>(n.area).vertices) points.push_back(to_wire(v));
      area = fb::CreatePolygon(fbb, fbb.CreateVectorOfStructs(points)).Union();
      type = fb::Area::Polygon;
    }
    auto description = fbb.CreateString(n.description);
    auto root = fb::CreateDeconflictionNotice(fbb, kHotlineWireVersion, type, area, static_cast<std::uint64_t>(n.window.start),
                                              static_cast<std::uint64_t>(n.window.end), description);
    return finish(fbb, root.o, kDeconflictionId);
  }
  Bytes operator()(const IncidentOperation& op) {
    flatbuffers::Offset<void> action;
    fb::IncidentAction type = fb::IncidentAction::NONE;
    if (const auto* open = std::get_if<IncidentOpen>(&op.action)) {
      auto title = fbb.CreateString(open->title);
      auto details = fbb.CreateString(open->details);
      auto respondent = fbb.CreateString(open->respondent_party);
      std::optional<fb::GeoPoint> location;
      if (open->location) location = to_wire(*open->location);
      action = fb::CreateIncidentOpen(fbb, title, details, static_cast<fb::Severity>(open->severity), respondent,
                                      location ? &*location : nullptr)
                   .Union();
      type = fb::IncidentAction::IncidentOpen;
    } else if (std::holds_alternative<IncidentAcknowledge>(op.action)) {
      action = fb::CreateIncidentAcknowledge(fbb).Union();
      type = fb::IncidentAction::IncidentAcknowledge;
    } else if (const auto* comment = std::get_if<IncidentComment>(&op.action)) {
      action = fb::CreateIncidentComment(fbb, fbb.CreateString(comment->text)).Union();
      type = fb::IncidentAction::IncidentComment;
    } else if (const auto* propose = std::get_if<IncidentPropose>(&op.action)) {
      action = fb::CreateIncidentProposeResolution(fbb, fbb.CreateString(propose->text)).Union();
      type = fb::IncidentAction::IncidentProposeResolution;
    } else {
      const auto& resolve = std::get<IncidentResolve>(op.action);
      flatbuffers::Offset<fb::MessageRef> proposal;
      if (resolve.proposal) proposal = make_ref(fbb, *resolve.proposal);
      action = fb::CreateIncidentResolve(fbb, proposal, fbb.CreateString(resolve.text)).Union();
      type = fb::IncidentAction::IncidentResolve;
    }
    auto id = fbb.CreateVector(op.incident.data(), op.incident.size());
    auto root = fb::CreateIncidentOperation(fbb, kHotlineWireVersion, id, type, action);
    return finish(fbb, root.o, kIncidentId);
  }
};

// --- decoding ---------------------------------------------------------------------------

template <class Table>
Result<const Table*> verified(ByteView bytes, const char* identifier, const char* what) {
  auto root = wire::verify_size_prefixed<Table>(bytes, identifier, what, {kMaxBodyBytes, kMaxDepth, kMaxTables});
  if (!root) return std::move(root).error();
  if ((*root)->version() != kHotlineWireVersion)
    return make_error(Errc::unsupported_version, std::string(what) + " version " + std::to_string((*root)->version()) +
                                                     ", this build speaks " + std::to_string(kHotlineWireVersion));
  return root;
}

Result<MessageRef> to_ref(const fb::MessageRef* ref) {
  auto sender = fb::to_address(ref->sender());
  if (!sender) return make_error(Errc::malformed_frame, "message reference sender: " + sender.error().message);
  auto id = fb::to_message_id(ref->message_id());
  if (!id) return std::move(id).error();
  return MessageRef{std::move(*sender), *id};
}

Result<TimeMs> to_time(std::uint64_t value, const char* what) {
  if (value > static_cast<std::uint64_t>(INT64_MAX))
    return make_error(Errc::malformed_frame, std::string(what) + " is out of range");
  return static_cast<TimeMs>(value);
}

Status check_party(std::string_view party, const char* what) {
  if (auto ok = charter::check_party(party); !ok)
    return make_error(Errc::malformed_frame, std::string(what) + ": " + ok.error().message);
  return {};
}

Result<Body> decode_ack(ByteView bytes) {
  auto root = verified<fb::Acknowledgement>(bytes, kAckId, "acknowledgement");
  if (!root) return std::move(root).error();
  auto target = to_ref((*root)->target());
  if (!target) return std::move(target).error();
  return Body{Acknowledgement{std::move(*target)}};
}

Result<Body> decode_receipt(ByteView bytes) {
  auto root = verified<fb::DeliveryReceipt>(bytes, kReceiptId, "delivery receipt");
  if (!root) return std::move(root).error();
  auto target = to_ref((*root)->target());
  if (!target) return std::move(target).error();
  return Body{DeliveryReceipt{std::move(*target)}};
}

Result<Body> decode_escalation(ByteView bytes) {
  auto root = verified<fb::EscalationNotice>(bytes, kEscalationId, "escalation notice");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  EscalationNotice out;
  auto target = to_ref(r->target());
  if (!target) return std::move(target).error();
  out.target = std::move(*target);
  PARLEY_TRY(check_party(r->overdue_party()->string_view(), "escalation notice party"));
  out.overdue_party = r->overdue_party()->str();
  auto deadline = to_time(r->deadline_ms(), "escalation notice deadline");
  if (!deadline) return std::move(deadline).error();
  out.deadline = *deadline;
  return Body{std::move(out)};
}

Result<Area> to_area(const fb::DeconflictionNotice* r) {
  // The Verifier accepts a union type without its value: check for it before reading.
  if (!r->area()) return make_error(Errc::malformed_frame, "deconfliction notice area is missing");
  switch (r->area_type()) {
    case fb::Area::Circle: {
      const auto* c = r->area_as_Circle();
      return Area{Circle{from_wire(*c->center()), c->radius_m()}};
    }
    case fb::Area::Polygon: {
      const auto* vertices = r->area_as_Polygon()->vertices();
      // Bound the count before copying: check_area repeats it with the geometric rules.
      if (vertices->size() > kMaxPolygonVertices)
        return make_error(Errc::hotline_invalid_area, "polygon has " + std::to_string(vertices->size()) +
                                                          " vertices, limit " + std::to_string(kMaxPolygonVertices));
      Polygon polygon;
      for (const auto* v : *vertices) polygon.vertices.push_back(from_wire(*v));
      return Area{std::move(polygon)};
    }
    default:
      return make_error(Errc::malformed_frame, "deconfliction notice area is missing or of an unknown kind");
  }
}

Result<Body> decode_deconfliction(ByteView bytes) {
  auto root = verified<fb::DeconflictionNotice>(bytes, kDeconflictionId, "deconfliction notice");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  DeconflictionNotice out;
  auto area = to_area(r);
  if (!area) return std::move(area).error();
  PARLEY_TRY(check_area(*area));
  out.area = std::move(*area);
  auto start = to_time(r->start_ms(), "deconfliction window start");
  if (!start) return std::move(start).error();
  auto end = to_time(r->end_ms(), "deconfliction window end");
  if (!end) return std::move(end).error();
  out.window = {*start, *end};
  PARLEY_TRY(check_window(out.window));
  PARLEY_TRY(check_text(r->description()->string_view(), kMaxDescriptionBytes, Lines::multi, "deconfliction description"));
  out.description = r->description()->str();
  return Body{std::move(out)};
}

Result<IncidentAction> to_action(const fb::IncidentOperation* r) {
  if (!r->action()) return make_error(Errc::malformed_frame, "incident action is missing");
  switch (r->action_type()) {
    case fb::IncidentAction::IncidentOpen: {
      const auto* o = r->action_as_IncidentOpen();
      IncidentOpen open;
      PARLEY_TRY(check_text(o->title()->string_view(), kMaxTitleBytes, Lines::single, "incident title"));
      open.title = o->title()->str();
      PARLEY_TRY(check_text(o->details()->string_view(), kMaxTextBytes, Lines::multi, "incident details", true));
      open.details = o->details()->str();
      const auto severity = static_cast<std::uint8_t>(o->severity());
      if (severity < 1 || severity > 4)
        return make_error(Errc::malformed_frame, "incident severity " + std::to_string(severity) + " is unknown");
      open.severity = static_cast<Severity>(severity);
      PARLEY_TRY(check_party(o->respondent_party()->string_view(), "incident respondent"));
      open.respondent_party = o->respondent_party()->str();
      if (o->location()) {
        open.location = from_wire(*o->location());
        PARLEY_TRY(check_area(Circle{*open.location, 1}));  // the point's range rules
      }
      return IncidentAction{std::move(open)};
    }
    case fb::IncidentAction::IncidentAcknowledge:
      return IncidentAction{IncidentAcknowledge{}};
    case fb::IncidentAction::IncidentComment: {
      const auto* text = r->action_as_IncidentComment()->text();
      PARLEY_TRY(check_text(text->string_view(), kMaxTextBytes, Lines::multi, "incident comment"));
      return IncidentAction{IncidentComment{text->str()}};
    }
    case fb::IncidentAction::IncidentProposeResolution: {
      const auto* text = r->action_as_IncidentProposeResolution()->text();
      PARLEY_TRY(check_text(text->string_view(), kMaxTextBytes, Lines::multi, "incident proposal"));
      return IncidentAction{IncidentPropose{text->str()}};
    }
    case fb::IncidentAction::IncidentResolve: {
      const auto* o = r->action_as_IncidentResolve();
      IncidentResolve resolve;
      if (o->proposal()) {
        auto proposal = to_ref(o->proposal());
        if (!proposal) return std::move(proposal).error();
        resolve.proposal = std::move(*proposal);
      }
      if (o->text()) {
        PARLEY_TRY(check_text(o->text()->string_view(), kMaxTextBytes, Lines::multi, "incident resolution", true));
        resolve.text = o->text()->str();
      }
      return IncidentAction{std::move(resolve)};
    }
    default:
      return make_error(Errc::malformed_frame, "incident action is missing or of an unknown kind");
  }
}

Result<Body> decode_incident(ByteView bytes) {
  auto root = verified<fb::IncidentOperation>(bytes, kIncidentId, "incident operation");
  if (!root) return std::move(root).error();
  const auto* r = *root;
  IncidentOperation out;
  if (r->incident_id()->size() != out.incident.size())
    return make_error(Errc::malformed_frame, "incident id must be 16 bytes, got " + std::to_string(r->incident_id()->size()));
  std::copy(r->incident_id()->begin(), r->incident_id()->end(), out.incident.begin());
  auto action = to_action(r);
  if (!action) return std::move(action).error();
  out.action = std::move(*action);
  return Body{std::move(out)};
}

}  // namespace

Bytes encode(const Body& body) {
  flatbuffers::FlatBufferBuilder fbb(512);
  return std::visit(Encoder{fbb}, body);
}

Result<Body> decode_body(ByteView bytes) {
  // Size and prefix first, so the identifier peek below reads only bytes that exist; the
  // per-kind decoder repeats these checks through the shared verifier.
  if (bytes.size() > kMaxBodyBytes)
    return make_error(Errc::frame_too_large,
                      "hotline body is " + std::to_string(bytes.size()) + " bytes, limit " + std::to_string(kMaxBodyBytes));
  if (bytes.size() < 12) return make_error(Errc::truncated, "hotline body is " + std::to_string(bytes.size()) + " bytes");
  const std::string_view id(reinterpret_cast<const char*>(bytes.data()) + 8, 4);
  if (id == kAckId) return decode_ack(bytes);
  if (id == kReceiptId) return decode_receipt(bytes);
  if (id == kIncidentId) return decode_incident(bytes);
  if (id == kDeconflictionId) return decode_deconfliction(bytes);
  if (id == kEscalationId) return decode_escalation(bytes);
  return make_error(Errc::malformed_frame, "hotline body has no known identifier");
}

std::string_view body_name(const Body& body) {
  switch (body.index()) {
    case 0: return "acknowledgement";
    case 1: return "receipt";
    case 2: return "incident";
    case 3: return "deconfliction";
    default: return "escalation";
  }
}

}  // namespace parley::hotline
