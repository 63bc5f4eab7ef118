// SPDX-License-Identifier: GPL-3.0-or-later
#include "wasm_events.hpp"

#include <cmath>
#include <limits>
#include <set>

#include "cells/codec.hpp"
#include "charter/policy.hpp"
#include "store/database.hpp"
#include "event_types.hpp"

namespace parley::wasm {
namespace {

using nlohmann::json;

json address_json(const Address& a) { return {{"user", a.user}, {"device", a.device}}; }
json error_json(const Error& e) { return {{"code", static_cast<int>(e.code)}, {"name", errc_name(e.code)}, {"message", e.message}}; }
json ref_json(const MessageRef& r) { return {{"sender", address_json(r.sender)}, {"id", r.id.to_hex()}}; }

// Degrees for reading, and the exact fixed-point integers the SDK keeps.
json point_json(const GeoPoint& p) {
  return {{"lat", p.lat_e7 / 1e7}, {"lon", p.lon_e7 / 1e7}, {"latE7", p.lat_e7}, {"lonE7", p.lon_e7}};
}

struct AreaToJson {
  json operator()(const Circle& c) const {
    json circle = point_json(c.center);
    circle["radiusM"] = c.radius_m;
    return {{"circle", circle}};
  }
  json operator()(const Polygon& p) const {
    json vertices = json::array();
    for (const auto& v : p.vertices) vertices.push_back(point_json(v));
    return {{"polygon", vertices}};
  }
};

// The notice's own fields, shared by the noticeReceived event and notices().
void put_notice(json& out, const DeconflictionNotice& n) {
  out["area"] = std::visit(AreaToJson{}, n.area);
  out["window"] = {{"start", n.window.start}, {"end", n.window.end}};
  out["description"] = n.description;
}

std::string_view severity_text(Severity severity) {
  switch (severity) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "medium";
}

// The event and invitations() share it; hex() is defined below, outside this namespace.
json invitation_json(const Invitation& i);

// A proposal's changes, as the proposalReceived event and a cell view's pendingProposals show them.
json proposal_changes_json(const CellProposal& changes) {
  const auto role = [](CellRole r) { return charter::role_name(static_cast<charter::Role>(r)); };
  json add = json::array(), remove = json::array(), roles = json::array();
  for (const auto& m : changes.add)
    add.push_back({{"user", m.device.user}, {"device", m.device.device}, {"party", m.party},
                   {"role", role(m.role)}, {"identityKey", hex(ByteView(m.identity_key))}});
  for (const auto& a : changes.remove) remove.push_back(address_json(a));
  for (const auto& r : changes.roles) roles.push_back({{"user", r.user}, {"role", role(r.role)}});
  return {{"add", add}, {"remove", remove}, {"roles", roles}};
}

struct EventToJson {
  json operator()(const Connected& e) const { return {{"prekeysRemaining", e.prekeys_remaining}}; }
  json operator()(const Disconnected& e) const { return {{"error", error_json(e.reason)}}; }
  json operator()(const MessageReceived& e) const {
    return {{"sender", address_json(e.sender)}, {"id", e.id.to_hex()},
            {"sentAt", e.sent_at}, {"text", e.text}};
  }
  json operator()(const MessageSent& e) const {
    return {{"id", e.id.to_hex()}, {"recipient", address_json(e.recipient)}};
  }
  json operator()(const SendFailed& e) const {
    return {{"id", e.id.to_hex()}, {"recipient", address_json(e.recipient)},
            {"error", error_json(e.error)}};
  }
  json operator()(const DecryptFailed& e) const {
    return {{"sender", address_json(e.sender)}, {"error", error_json(e.error)}};
  }
  json operator()(const PreKeysReplenished& e) const { return {{"count", e.count}}; }
  json operator()(const ProtocolError& e) const { return {{"error", error_json(e.error)}}; }
  json operator()(const ChannelMessageReceived& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"epoch", e.epoch},
            {"sentAt", e.sent_at}, {"text", e.text}, {"precedence", precedence_text(e.precedence)}};
  }
  json operator()(const CharterChanged& e) const {
    return {{"cell", hex(e.cell)}, {"epoch", e.epoch}, {"joined", e.joined}};
  }
  json operator()(const PermissionDenied& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"error", error_json(e.error)}};
  }
  json operator()(const SecurityAlert& e) const {
    // The proof (both commits, PLS1 bytes, hex; empty unless two commits share an epoch).
    return {{"cell", hex(e.cell)}, {"sender", address_json(e.sender)}, {"epoch", e.epoch},
            {"error", error_json(e.error)}, {"applied", hex(e.applied)}, {"conflicting", hex(e.conflicting)}};
  }
  json operator()(const ProposalReceived& e) const {
    return {{"cell", hex(e.cell)}, {"id", hex(e.id)}, {"proposer", address_json(e.proposer)},
            {"baseEpoch", e.base_epoch}, {"changes", proposal_changes_json(e.changes)}};
  }
  json operator()(const AcknowledgementReceived& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"by", address_json(e.by)}};
  }
  json operator()(const MessageOverdue& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"deadline", e.deadline}};
  }
  json operator()(const EscalationReceived& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"from", address_json(e.from)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"deadline", e.deadline}};
  }
  json operator()(const IncidentUpdated& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"incident", hex(e.incident)}, {"by", address_json(e.by)}, {"id", e.id.to_hex()}};
  }
  json operator()(const NoticeReceived& e) const {
    json out{{"cell", hex(e.cell)}, {"channel", e.channel},
             {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"party", e.party},
             {"sentAt", e.sent_at}, {"precedence", precedence_text(e.precedence)}};
    put_notice(out, e.notice);
    return out;
  }
  json operator()(const NoticesConflict& e) const {
    return {{"cell", hex(e.cell)}, {"channel", e.channel},
            {"first", ref_json(e.first)}, {"second", ref_json(e.second)},
            {"firstParty", e.first_party}, {"secondParty", e.second_party}};
  }
  json operator()(const InvitationReceived& e) const { return invitation_json(e.invitation); }
  // No catch-all: an event kind added to the SDK without a mapping here, or without a JS name in
  // event_types.hpp, fails the wasm build.
};

std::string_view ack_state_text(AckState state) {
  switch (state) {
    case AckState::pending: return "pending";
    case AckState::acknowledged: return "acknowledged";
    case AckState::late: return "late";
    case AckState::overdue: return "overdue";
  }
  return "unknown";
}

// json::value() throws on a wrong type; these return the fallback instead.
std::string text_or(const json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::uint32_t number_or(const json& object, const char* key, std::uint32_t fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() && it->get<std::uint64_t>() <= UINT32_MAX
             ? it->get<std::uint32_t>()
             : fallback;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Bytes> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return make_error(Errc::invalid_argument, "hex text has an odd length");
  Bytes out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return make_error(Errc::invalid_argument, "hex text has a non-hex digit");
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

// --- JSON from JS into SDK values; every accessor checks the type first (a throw aborts) ---

Error bad_input(const std::string& message) { return make_error(Errc::invalid_argument, message); }

const json* field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

Result<json> parse_object(std::string_view text, const char* what) {
  json value = json::parse(text.begin(), text.end(), nullptr, false);
  if (value.is_discarded() || !value.is_object()) return bad_input(std::string(what) + " is not a JSON object");
  return value;
}

Result<std::string> text_field(const json& object, const char* key, const char* what) {
  const json* value = field(object, key);
  if (!value) return std::string();
  if (!value->is_string()) return bad_input(std::string(what) + "." + key + " must be a string");
  return value->get<std::string>();
}

// latE7 (exact) or lat in degrees, rounded to the nearest 10^-7 degree.
Result<std::int32_t> coordinate(const json& point, const char* e7_key, const char* degrees_key, const char* what) {
  constexpr double kMax = std::numeric_limits<std::int32_t>::max();
  if (const json* e7 = field(point, e7_key)) {
    if (!e7->is_number_integer()) return bad_input(std::string(what) + "." + e7_key + " must be an integer");
    const bool in_range = e7->is_number_unsigned() ? e7->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMax)
                                                   : e7->get<std::int64_t>() >= -static_cast<std::int64_t>(kMax);
    if (!in_range)
      return make_error(Errc::hotline_invalid_area, std::string(what) + "." + e7_key + " is out of range");
    return static_cast<std::int32_t>(e7->get<std::int64_t>());
  }
  const json* degrees = field(point, degrees_key);
  if (!degrees) return bad_input(std::string(what) + " needs " + degrees_key + " (degrees) or " + e7_key);
  if (!degrees->is_number()) return bad_input(std::string(what) + "." + degrees_key + " must be a number");
  const double scaled = std::round(degrees->get<double>() * 1e7);
  if (!std::isfinite(scaled) || std::fabs(scaled) > kMax)
    return make_error(Errc::hotline_invalid_area, std::string(what) + "." + degrees_key + " is out of range");
  return static_cast<std::int32_t>(scaled);
}

Result<GeoPoint> point_of(const json& value, const char* what) {
  if (!value.is_object()) return bad_input(std::string(what) + " must be an object {lat, lon}");
  auto lat = coordinate(value, "latE7", "lat", what);
  if (!lat) return std::move(lat).error();
  auto lon = coordinate(value, "lonE7", "lon", what);
  if (!lon) return std::move(lon).error();
  return GeoPoint{*lat, *lon};
}

Result<Area> area_of(const json* value) {
  if (!value || !value->is_object()) return bad_input("notice.area must be {circle: {...}} or {polygon: [...]}");
  if (const json* c = field(*value, "circle")) {
    auto center = point_of(*c, "area.circle");
    if (!center) return std::move(center).error();
    const json* radius = field(*c, "radiusM");
    if (!radius || !radius->is_number_unsigned() || radius->get<std::uint64_t>() > UINT32_MAX)
      return bad_input("area.circle.radiusM must be a whole number of metres");
    return Area{Circle{*center, radius->get<std::uint32_t>()}};
  }
  if (const json* p = field(*value, "polygon")) {
    if (!p->is_array()) return bad_input("area.polygon must be an array of points");
    Polygon polygon;
    for (const auto& v : *p) {
      auto vertex = point_of(v, "area.polygon[]");
      if (!vertex) return std::move(vertex).error();
      polygon.vertices.push_back(*vertex);
    }
    return Area{std::move(polygon)};
  }
  return bad_input("notice.area must be {circle: {...}} or {polygon: [...]}");
}

Result<TimeMs> time_field(const json& object, const char* key, const char* what) {
  const json* value = field(object, key);
  if (!value || !value->is_number_integer())
    return bad_input(std::string(what) + "." + key + " must be an integer (ms since the epoch)");
  if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    return bad_input(std::string(what) + "." + key + " is out of range");
  return value->get<TimeMs>();
}

Result<MessageRef> ref_of(const json& value, const char* what) {
  if (!value.is_object()) return bad_input(std::string(what) + " must be {sender: {user, device}, id}");
  const json* sender = field(value, "sender");
  auto user = sender && sender->is_object() ? text_field(*sender, "user", what) : Result<std::string>(std::string());
  if (!user || user->empty()) return bad_input(std::string(what) + ".sender must be {user, device}");
  auto id = text_field(value, "id", what);
  if (!id) return std::move(id).error();
  auto message = message_id(*id);
  if (!message) return std::move(message).error();
  return MessageRef{Address{*user, number_or(*sender, "device", 1)}, *message};
}

// What history_json and notices_json say about acknowledgements of (sender, id).
struct AckView {
  json acks;
  bool must_acknowledge = false;
};

class AckReader {
 public:
  AckReader(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now)
      : engine_(engine), cell_(cell), channel_(channel), now_(now) {
    // This device's party, and whether it may post (an acknowledgement is a post).
    if (const charter::CharterLog* log = engine.charter(cell)) {
      if (const auto* user = log->state().user_of(engine.address())) party_ = user->party;
      may_post_ = charter::may_post(log->state(), channel, engine.address());
    }
  }
  AckView read(const MessageRef& ref) const {
    const auto status = engine_.ack_status(cell_, channel_, ref, now_);
    const auto mine = party_.empty() ? status.end() : status.find(party_);
    const bool must = may_post_ && ref.sender != engine_.address() && mine != status.end() &&
                      (mine->second == AckState::pending || mine->second == AckState::overdue);
    return {ack_status_json(status), must};
  }

 private:
  engine::Engine& engine_;
  const CellId& cell_;
  std::string_view channel_;
  TimeMs now_;
  std::string party_;
  bool may_post_ = false;
};

}  // namespace

std::string hex(ByteView bytes) { return to_hex(bytes); }

std::string to_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json event_json(const Event& event) {
  json out = std::visit(EventToJson{}, event);
  out["type"] = std::string(kEventTypes[event.index()]);  // the one JS table (event_types.hpp)
  return out;
}

namespace {
json invitation_json(const Invitation& i) {
  return {{"type", "invitationReceived"},
          {"cell", hex(i.cell)},
          {"name", i.name},
          {"supervisorParty", i.supervisor_party},
          {"from", address_json(i.from)},
          {"epoch", i.epoch},
          {"genesis", hex(i.genesis)},
          {"supervisorFingerprint", hex(i.supervisor_fingerprint)},
          {"fingerprintDigits", fingerprint_digits(i.supervisor_fingerprint)},
          {"receivedAt", i.received_at}};
}
}  // namespace

json invitations_json(const std::vector<Invitation>& invitations) {
  json out = json::array();
  for (const auto& i : invitations) {
    json one = invitation_json(i);
    one.erase("type");
    out.push_back(std::move(one));
  }
  return out;
}

Result<CellId> cell_id(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  if (bytes->size() != 16) return make_error(Errc::invalid_argument, "a cell id is 32 hex digits");
  CellId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

Result<Digest> digest(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  Digest out{};
  if (bytes->size() != out.size()) return make_error(Errc::invalid_argument, "a genesis or fingerprint is 64 hex digits");
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Result<MessageId> message_id(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  MessageId id;
  if (bytes->size() != id.bytes.size()) return make_error(Errc::invalid_argument, "a message id is 32 hex digits");
  std::copy(bytes->begin(), bytes->end(), id.bytes.begin());
  return id;
}

Result<Precedence> precedence_of(std::string_view name) {
  if (name.empty() || name == "routine") return Precedence::routine;
  if (name == "priority") return Precedence::priority;
  if (name == "immediate") return Precedence::immediate;
  if (name == "flash") return Precedence::flash;
  return make_error(Errc::invalid_argument, "precedence \"" + std::string(name) +
                                                "\" is not one of routine, priority, immediate, flash");
}

std::string_view precedence_text(Precedence precedence) {
  switch (precedence) {
    case Precedence::routine: return "routine";
    case Precedence::priority: return "priority";
    case Precedence::immediate: return "immediate";
    case Precedence::flash: return "flash";
  }
  return "routine";
}

json ack_status_json(const std::map<std::string, AckState>& status) {
  json out = json::object();
  for (const auto& [party, state] : status) out[party] = ack_state_text(state);
  return out;
}

Result<charter::SeedCellOptions> seed_options(std::string_view json_text) {
  const json in = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (in.is_discarded() || !in.is_object()) return make_error(Errc::invalid_argument, "cell options are not a JSON object");
  charter::SeedCellOptions options;
  options.cell_name = text_or(in, "name", options.cell_name);
  const auto members = in.find("members");
  if (members == in.end() || !members->is_array())
    return make_error(Errc::invalid_argument, "cell options need a members array");
  for (const auto& m : *members) {
    if (!m.is_object() || text_or(m, "user", "").empty())
      return make_error(Errc::invalid_argument, "a cell member needs a user name");
    auto key = unhex(text_or(m, "identityKey", ""));
    if (!key) return std::move(key).error();
    charter::TemplateDevice device;
    device.device = Address{text_or(m, "user", ""), number_or(m, "device", 1)};
    device.party = text_or(m, "party", "");
    const std::string role = text_or(m, "role", "member");
    device.role = role == "supervisor"    ? charter::Role::supervisor
                  : role == "party_admin" ? charter::Role::party_admin
                  : role == "observer"    ? charter::Role::observer
                                          : charter::Role::member;
    device.identity_key = std::move(*key);
    options.members.push_back(std::move(device));
  }
  return options;
}

namespace {

std::string_view role_text(CellRole role) { return charter::role_name(static_cast<charter::Role>(role)); }

json grants_json(const std::vector<CellGrant>& grants) {
  json out = json::array();
  for (const auto& g : grants) {
    switch (g.kind) {
      case CellGrant::Kind::party:
        out.push_back({{"kind", "party"}, {"name", g.name}});
        break;
      case CellGrant::Kind::user:
        out.push_back({{"kind", "user"}, {"name", g.name}});
        break;
      case CellGrant::Kind::device:
        out.push_back({{"kind", "device"}, {"name", g.name}, {"device", g.device}});
        break;
    }
  }
  return out;
}

}  // namespace

// The SDK's CellView (cells/cell_view.cpp), field for field: the wasm layer computes nothing.
json cell_json(const CellView& view) {
  json members = json::array();
  for (const auto& m : view.members) {
    json devices = json::array();
    for (const auto& d : m.devices)
      devices.push_back({{"address", address_json(d.address)},
                         {"identityKey", hex(ByteView(d.identity_key))},
                         {"identityFingerprint", hex(d.identity_fingerprint)}});
    members.push_back({{"user", m.user}, {"party", m.party}, {"role", role_text(m.role)}, {"devices", devices}});
  }
  json channels = json::array();
  for (const auto& c : view.channels) {
    channels.push_back({{"id", c.name},
                        {"name", c.display_name},
                        {"archived", c.archived},
                        {"read", c.can_read},
                        {"post", c.can_post},
                        {"readGrants", grants_json(c.policy.read)},
                        {"postGrants", grants_json(c.policy.post)},
                        {"ackRequired", c.policy.ack_required},
                        {"ackDeadlineSeconds", c.policy.ack_deadline_seconds},
                        {"attested", c.policy.attested},
                        {"retentionSeconds", c.policy.retention_seconds}});
  }
  json pending = json::array();
  for (const auto& p : view.pending_proposals) {
    pending.push_back({{"id", hex(p.id)},
                       {"proposer", address_json(p.proposer)},
                       {"baseEpoch", p.base_epoch},
                       {"receivedAt", p.received_at},
                       {"summary", p.summary},
                       {"changes", proposal_changes_json(p.changes)}});
  }
  return {{"id", hex(view.id)},
          {"name", view.name},
          {"epoch", view.epoch},
          {"party", view.party ? json(*view.party) : json(nullptr)},
          {"role", view.role ? json(role_text(*view.role)) : json(nullptr)},
          {"supervisorParty", view.supervisor_party},
          {"parties", view.parties},
          {"genesis", hex(view.genesis)},
          {"supervisorFingerprint", hex(view.supervisor_fingerprint)},
          {"supervisorFingerprintDigits", view.supervisor_fingerprint_digits},
          {"members", members},
          {"channels", channels},
          {"pendingProposals", pending}};
}

Result<json> cells_json(const engine::Engine& engine) {
  auto views = engine.cell_views();
  if (!views) return std::move(views).error();
  json cells = json::array();
  for (const auto& view : *views) cells.push_back(cell_json(view));
  return cells;
}

Result<json> history_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now) {
  auto records = engine.history(cell, channel);
  if (!records) return std::move(records).error();
  const AckReader acks(engine, cell, channel, now);
  json out = json::array();
  for (const auto& r : *records) {
    // The engine's history is the raw channel log (Client::history filters the same way):
    // hotline bodies (acknowledgements, receipts, incident operations, notices) have their
    // own calls and are shown through them, not as messages.
    if (r.kind != static_cast<std::uint8_t>(cells::ChannelMessageKind::text)) continue;
    const AckView view = acks.read(MessageRef{r.sender, r.message_id});
    const auto precedence = r.precedence >= 1 && r.precedence <= 4 ? static_cast<Precedence>(r.precedence)
                                                                   : Precedence::routine;
    out.push_back({{"channel", r.channel},
                   {"sender", address_json(r.sender)},
                   {"id", r.message_id.to_hex()},
                   {"epoch", r.epoch},
                   {"sentAt", r.sent_at},
                   {"receivedAt", r.received_at},
                   {"precedence", precedence_text(precedence)},
                   {"text", std::string(r.body.begin(), r.body.end())},
                   {"acks", view.acks},
                   {"mustAcknowledge", view.must_acknowledge}});
  }
  return out;
}

Result<json> channel_key_records_json(store::DeviceStore& store) {
  auto stmt = store.db().prepare("SELECT group_id, user, device FROM sender_keys ORDER BY group_id, user, device");
  if (!stmt) return std::move(stmt).error();
  json out = json::array();
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    const Bytes group = stmt->column_blob(0);
    json record{{"sender", {{"user", stmt->column_text(1)}, {"device", stmt->column_int(2)}}}};
    // The channel layer's group id: "PLG1", cell id, generation (u32), channel name. Decoded
    // here and checked by encoding it again, so a change of that format shows as "unknown".
    CellId cell{};
    if (group.size() >= 24 && std::equal(group.begin(), group.begin() + 4, "PLG1")) {
      std::copy(group.begin() + 4, group.begin() + 20, cell.begin());
      const std::uint32_t generation = std::uint32_t(group[20]) << 24 | std::uint32_t(group[21]) << 16 |
                                       std::uint32_t(group[22]) << 8 | group[23];
      const std::string channel(group.begin() + 24, group.end());
      if (cells::group_id(cell, channel, generation) == group) {
        record["cell"] = hex(cell);
        record["channel"] = channel;
        record["generation"] = generation;
      }
    }
    if (!record.contains("channel")) record["unknown"] = hex(group);
    out.push_back(std::move(record));
  }
  return out;
}

// --- incidents and deconfliction notices ---

namespace {

json incident_json(const Incident& i) {
  json acknowledged = json::object();
  for (const auto& [party, at] : i.acknowledged) acknowledged[party] = at;
  json comments = json::array();
  for (const auto& c : i.comments)
    comments.push_back({{"ref", ref_json(c.ref)}, {"party", c.party}, {"at", c.at}, {"text", c.text}});
  json proposals = json::array();
  for (const auto& p : i.proposals)
    proposals.push_back({{"ref", ref_json(p.ref)}, {"party", p.party}, {"at", p.at}, {"text", p.text},
                         {"agreed", json(std::vector<std::string>(p.agreed.begin(), p.agreed.end()))}});
  json resolution = nullptr;
  if (i.resolution) {
    const Resolution& r = *i.resolution;
    resolution = {{"by", r.by == ResolvedBy::supervisor ? "supervisor" : "agreement"},
                  {"proposal", r.proposal ? ref_json(*r.proposal) : json(nullptr)},
                  {"resolvedBy", ref_json(r.resolved_by)},
                  {"at", r.at},
                  {"text", r.text}};
  }
  return {{"id", hex(i.id)},
          {"state", i.resolved() ? "resolved" : !i.acknowledged.empty() ? "acknowledged" : "open"},
          {"openedBy", ref_json(i.opened_by)},
          {"openerParty", i.opener_party},
          {"respondentParty", i.respondent_party},
          {"openedAt", i.opened_at},
          {"title", i.title},
          {"details", i.details},
          {"severity", severity_text(i.severity)},
          {"location", i.location ? point_json(*i.location) : json(nullptr)},
          {"acknowledged", acknowledged},
          {"comments", comments},
          {"proposals", proposals},
          {"resolution", resolution}};
}

}  // namespace

Result<IncidentId> incident_id(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  IncidentId id{};
  if (bytes->size() != id.size()) return make_error(Errc::invalid_argument, "an incident id is 32 hex digits");
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

Result<IncidentOpen> incident_open_of(std::string_view json_text) {
  auto in = parse_object(json_text, "the incident");
  if (!in) return std::move(in).error();
  IncidentOpen open;
  for (auto [key, out] : {std::pair{"title", &open.title}, std::pair{"details", &open.details},
                          std::pair{"respondentParty", &open.respondent_party}}) {
    auto text = text_field(*in, key, "incident");
    if (!text) return std::move(text).error();
    *out = std::move(*text);
  }
  auto severity = text_field(*in, "severity", "incident");
  if (!severity) return std::move(severity).error();
  if (severity->empty() || *severity == "medium") open.severity = Severity::medium;
  else if (*severity == "low") open.severity = Severity::low;
  else if (*severity == "high") open.severity = Severity::high;
  else if (*severity == "critical") open.severity = Severity::critical;
  else return bad_input("severity \"" + *severity + "\" is not one of low, medium, high, critical");
  if (const json* location = field(*in, "location")) {
    auto point = point_of(*location, "incident.location");
    if (!point) return std::move(point).error();
    open.location = *point;
  }
  return open;
}

Result<IncidentAction> incident_action_of(std::string_view json_text) {
  auto in = parse_object(json_text, "the incident action");
  if (!in) return std::move(in).error();
  auto type = text_field(*in, "type", "action");
  if (!type) return std::move(type).error();
  auto text = text_field(*in, "text", "action");
  if (!text) return std::move(text).error();
  if (*type == "acknowledge") return IncidentAction{IncidentAcknowledge{}};
  if (*type == "comment") return IncidentAction{IncidentComment{std::move(*text)}};
  if (*type == "propose") return IncidentAction{IncidentPropose{std::move(*text)}};
  if (*type == "resolve") {
    IncidentResolve resolve{std::nullopt, std::move(*text)};
    if (const json* proposal = field(*in, "proposal")) {
      auto ref = ref_of(*proposal, "action.proposal");
      if (!ref) return std::move(ref).error();
      resolve.proposal = *ref;
    }
    return IncidentAction{std::move(resolve)};
  }
  return bad_input("action.type \"" + *type + "\" is not one of acknowledge, comment, propose, resolve");
}

Result<DeconflictionNotice> notice_of(std::string_view json_text) {
  auto in = parse_object(json_text, "the notice");
  if (!in) return std::move(in).error();
  DeconflictionNotice notice;
  auto area = area_of(field(*in, "area"));
  if (!area) return std::move(area).error();
  notice.area = std::move(*area);
  const json* window = field(*in, "window");
  if (!window || !window->is_object()) return bad_input("notice.window must be {start, end} (ms since the epoch)");
  auto start = time_field(*window, "start", "notice.window");
  if (!start) return std::move(start).error();
  auto end = time_field(*window, "end", "notice.window");
  if (!end) return std::move(end).error();
  notice.window = TimeWindow{*start, *end};
  auto description = text_field(*in, "description", "notice");
  if (!description) return std::move(description).error();
  notice.description = std::move(*description);
  return notice;
}

Result<json> incidents_json(engine::Engine& engine, const CellId& cell, std::string_view channel) {
  auto incidents = engine.incidents(cell, channel);
  if (!incidents) return std::move(incidents).error();
  json out = json::array();
  for (const auto& i : *incidents) out.push_back(incident_json(i));
  return out;
}

Result<json> notices_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now) {
  auto notices = engine.notices(cell, channel);
  if (!notices) return std::move(notices).error();
  const AckReader acks(engine, cell, channel, now);
  json out = json::array();
  for (const auto& n : *notices) {
    json conflicts = json::array();
    for (const auto& c : n.conflicts) conflicts.push_back(ref_json(c));
    const AckView view = acks.read(n.ref);
    json entry{{"sender", address_json(n.ref.sender)}, {"id", n.ref.id.to_hex()}, {"party", n.party},
               {"sentAt", n.sent_at}};
    put_notice(entry, n.notice);
    entry["conflicts"] = std::move(conflicts);
    entry["acks"] = view.acks;
    entry["mustAcknowledge"] = view.must_acknowledge;
    out.push_back(std::move(entry));
  }
  return out;
}

// --- governance input ---

namespace {

Result<json> object_of(std::string_view json_text, const char* what) {
  json in = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (in.is_discarded() || !in.is_object())
    return make_error(Errc::invalid_argument, std::string(what) + " is not a JSON object");
  return in;
}

// A field that is absent gets its default; one of the wrong type is an error, not a default.
bool has_wrong(const json& object, const char* key, bool (json::*is)() const noexcept) {
  const auto it = object.find(key);
  return it != object.end() && !((*it).*is)();
}

Result<Address> address_from(const json& in, const char* what) {
  if (!in.is_object() || text_or(in, "user", "").empty() || has_wrong(in, "device", &json::is_number_unsigned))
    return make_error(Errc::invalid_argument, std::string(what) + " needs a user name and a device number");
  return Address{text_or(in, "user", ""), number_or(in, "device", 1)};
}

Result<CellMember> member_from(const json& in) {
  auto address = address_from(in, "a member");
  if (!address) return std::move(address).error();
  if (text_or(in, "party", "").empty()) return make_error(Errc::invalid_argument, "a member needs a party");
  auto role = role_of(text_or(in, "role", "member"));
  if (!role) return std::move(role).error();
  auto key = unhex(text_or(in, "identityKey", ""));
  if (!key) return std::move(key).error();
  if (key->empty()) return make_error(Errc::invalid_argument, "a member needs its identityKey (hex)");
  return CellMember{std::move(*address), text_or(in, "party", ""), *role, std::move(*key)};
}

Result<std::vector<CellGrant>> grants_from(const json& in, const char* key) {
  std::vector<CellGrant> out;
  const auto it = in.find(key);
  if (it == in.end()) return out;
  if (!it->is_array()) return make_error(Errc::invalid_argument, std::string(key) + " is not an array");
  for (const auto& g : *it) {
    const std::string kind = g.is_object() ? text_or(g, "kind", "") : "";
    const std::string name = g.is_object() ? text_or(g, "name", "") : "";
    if (name.empty()) return make_error(Errc::invalid_argument, std::string("a grant of ") + key + " needs a name");
    if (kind == "party") out.push_back(CellGrant{CellGrant::Kind::party, name, 0});
    else if (kind == "user") out.push_back(CellGrant{CellGrant::Kind::user, name, 0});
    else if (kind == "device") out.push_back(CellGrant{CellGrant::Kind::device, name, number_or(g, "device", 1)});
    else return make_error(Errc::invalid_argument, "a grant's kind is party, user or device, not '" + kind + "'");
  }
  return out;
}

}  // namespace

Result<CellRole> role_of(std::string_view name) {
  if (name == "supervisor") return CellRole::supervisor;
  if (name == "party_admin") return CellRole::party_admin;
  if (name == "member") return CellRole::member;
  if (name == "observer") return CellRole::observer;
  return make_error(Errc::invalid_argument,
                    "a role is supervisor, party_admin, member or observer, not '" + std::string(name) + "'");
}

Result<ProposalId> proposal_id(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  ProposalId id{};
  if (bytes->size() != id.size()) return make_error(Errc::invalid_argument, "a proposal id is 32 hex digits");
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

Result<CellMember> member_of(std::string_view json_text) {
  auto in = object_of(json_text, "a member");
  if (!in) return std::move(in).error();
  return member_from(*in);
}

Result<Address> address_of(std::string_view json_text) {
  auto in = object_of(json_text, "a device address");
  if (!in) return std::move(in).error();
  return address_from(*in, "a device address");
}

Result<ChannelPolicySpec> policy_of(std::string_view json_text) {
  auto in = object_of(json_text, "a channel policy");
  if (!in) return std::move(in).error();
  if (has_wrong(*in, "ackRequired", &json::is_boolean) || has_wrong(*in, "attested", &json::is_boolean) ||
      has_wrong(*in, "ackDeadlineSeconds", &json::is_number_unsigned) ||
      has_wrong(*in, "retentionSeconds", &json::is_number_unsigned))
    return make_error(Errc::invalid_argument,
                      "a channel policy's ackRequired and attested are booleans, ackDeadlineSeconds and "
                      "retentionSeconds whole numbers");
  ChannelPolicySpec spec;
  auto read = grants_from(*in, "readGrants");
  if (!read) return std::move(read).error();
  auto post = grants_from(*in, "postGrants");
  if (!post) return std::move(post).error();
  spec.read = std::move(*read);
  spec.post = std::move(*post);
  spec.ack_required = in->value("ackRequired", false);
  spec.ack_deadline_seconds = number_or(*in, "ackDeadlineSeconds", 0);
  spec.attested = in->value("attested", false);
  const auto retention = in->find("retentionSeconds");
  spec.retention_seconds = retention != in->end() ? retention->get<std::uint64_t>() : 0;
  return spec;
}

Result<CellProposal> proposal_of(std::string_view json_text) {
  auto in = object_of(json_text, "a proposal");
  if (!in) return std::move(in).error();
  for (const char* key : {"add", "remove", "roles"})
    if (has_wrong(*in, key, &json::is_array))
      return make_error(Errc::invalid_argument, std::string("a proposal's ") + key + " is not an array");
  CellProposal out;
  for (const auto& m : in->value("add", json::array())) {
    auto member = member_from(m);
    if (!member) return std::move(member).error();
    out.add.push_back(std::move(*member));
  }
  for (const auto& d : in->value("remove", json::array())) {
    auto address = address_from(d, "a device to remove");
    if (!address) return std::move(address).error();
    out.remove.push_back(std::move(*address));
  }
  for (const auto& r : in->value("roles", json::array())) {
    if (!r.is_object() || text_or(r, "user", "").empty())
      return make_error(Errc::invalid_argument, "a role change needs a user name");
    auto role = role_of(text_or(r, "role", ""));
    if (!role) return std::move(role).error();
    out.roles.push_back(RoleChange{text_or(r, "user", ""), *role});
  }
  return out;
}

}  // namespace parley::wasm
