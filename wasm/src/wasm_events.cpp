// SPDX-License-Identifier: GPL-3.0-or-later
#include "wasm_events.hpp"

#include "cells/codec.hpp"
#include "charter/policy.hpp"
#include "store/database.hpp"

namespace parley::wasm {
namespace {

using nlohmann::json;

json address_json(const Address& a) { return {{"user", a.user}, {"device", a.device}}; }
json error_json(const Error& e) { return {{"code", static_cast<int>(e.code)}, {"name", errc_name(e.code)}, {"message", e.message}}; }

struct EventToJson {
  json operator()(const Connected& e) const { return {{"type", "connected"}, {"prekeysRemaining", e.prekeys_remaining}}; }
  json operator()(const Disconnected& e) const { return {{"type", "disconnected"}, {"error", error_json(e.reason)}}; }
  json operator()(const MessageReceived& e) const {
    return {{"type", "messageReceived"}, {"sender", address_json(e.sender)}, {"id", e.id.to_hex()},
            {"sentAt", e.sent_at}, {"text", e.text}};
  }
  json operator()(const MessageSent& e) const {
    return {{"type", "messageSent"}, {"id", e.id.to_hex()}, {"recipient", address_json(e.recipient)}};
  }
  json operator()(const SendFailed& e) const {
    return {{"type", "sendFailed"}, {"id", e.id.to_hex()}, {"recipient", address_json(e.recipient)},
            {"error", error_json(e.error)}};
  }
  json operator()(const DecryptFailed& e) const {
    return {{"type", "decryptFailed"}, {"sender", address_json(e.sender)}, {"error", error_json(e.error)}};
  }
  json operator()(const PreKeysReplenished& e) const { return {{"type", "preKeysReplenished"}, {"count", e.count}}; }
  json operator()(const ProtocolError& e) const { return {{"type", "protocolError"}, {"error", error_json(e.error)}}; }
  json operator()(const ChannelMessageReceived& e) const {
    return {{"type", "channelMessage"}, {"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"epoch", e.epoch},
            {"sentAt", e.sent_at}, {"text", e.text}, {"precedence", precedence_text(e.precedence)}};
  }
  json operator()(const CharterChanged& e) const {
    return {{"type", "charterChanged"}, {"cell", hex(e.cell)}, {"epoch", e.epoch}, {"joined", e.joined}};
  }
  json operator()(const PermissionDenied& e) const {
    return {{"type", "permissionDenied"}, {"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"error", error_json(e.error)}};
  }
  json operator()(const SecurityAlert& e) const {
    return {{"type", "securityAlert"}, {"cell", hex(e.cell)}, {"sender", address_json(e.sender)},
            {"epoch", e.epoch}, {"error", error_json(e.error)}};
  }
  json operator()(const ProposalReceived& e) const {
    return {{"type", "proposalReceived"}, {"cell", hex(e.cell)}, {"id", hex(e.id)},
            {"proposer", address_json(e.proposer)}, {"baseEpoch", e.base_epoch}};
  }
  json operator()(const AcknowledgementReceived& e) const {
    return {{"type", "acknowledgement"}, {"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"by", address_json(e.by)}};
  }
  json operator()(const MessageOverdue& e) const {
    return {{"type", "messageOverdue"}, {"cell", hex(e.cell)}, {"channel", e.channel},
            {"sender", address_json(e.sender)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"deadline", e.deadline}};
  }
  json operator()(const EscalationReceived& e) const {
    return {{"type", "escalation"}, {"cell", hex(e.cell)}, {"channel", e.channel},
            {"from", address_json(e.from)}, {"id", e.id.to_hex()}, {"party", e.party},
            {"deadline", e.deadline}};
  }
  // An event kind added to the SDK but not mapped here yet still reaches JS, by name only,
  // rather than breaking the wasm build of whoever added it.
  template <class Other>
  json operator()(const Other&) const {
    return {{"type", "unmapped"}};
  }
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

}  // namespace

std::string hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string to_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json event_json(const Event& event) { return std::visit(EventToJson{}, event); }

Result<CellId> cell_id(std::string_view hex_text) {
  auto bytes = unhex(hex_text);
  if (!bytes) return std::move(bytes).error();
  if (bytes->size() != 16) return make_error(Errc::invalid_argument, "a cell id is 32 hex digits");
  CellId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
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

json cells_json(const engine::Engine& engine) {
  json cells = json::array();
  for (const auto& id : engine.cells()) {
    const charter::CharterLog* log = engine.charter(id);
    if (!log) continue;
    const auto& state = log->state();
    json channels = json::array();
    for (const auto& [channel, record] : state.channels) {
      channels.push_back({{"id", channel},
                          {"name", record.display_name},
                          {"archived", record.archived},
                          {"read", charter::may_read(state, channel, engine.address())},
                          {"post", charter::may_post(state, channel, engine.address())},
                          {"ackRequired", record.policy.ack_required},
                          {"ackDeadlineSeconds", record.policy.ack_deadline_seconds},
                          {"attested", record.policy.attested}});
    }
    const charter::UserRecord* user = state.user_of(engine.address());
    cells.push_back({{"id", hex(id)},
                     {"name", state.name},
                     {"epoch", state.epoch},
                     {"party", user ? json(user->party) : json(nullptr)},
                     {"role", user ? json(charter::role_name(user->role)) : json(nullptr)},
                     {"channels", channels}});
  }
  return cells;
}

Result<json> history_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now) {
  auto records = engine.history(cell, channel);
  if (!records) return std::move(records).error();
  // This device's party, and whether it may post (an acknowledgement is a post).
  std::string party;
  bool may_post = false;
  if (const charter::CharterLog* log = engine.charter(cell)) {
    if (const auto* user = log->state().user_of(engine.address())) party = user->party;
    may_post = charter::may_post(log->state(), channel, engine.address());
  }
  json out = json::array();
  for (const auto& r : *records) {
    // Hotline bodies (acknowledgements, delivery receipts) are binary and shown through the
    // state of the message they name, not as messages of their own.
    if (r.kind != static_cast<std::uint8_t>(cells::ChannelMessageKind::text)) continue;
    const auto status = engine.ack_status(cell, channel, hotline::MessageRef{r.sender, r.message_id}, now);
    const auto mine = party.empty() ? status.end() : status.find(party);
    const bool must_acknowledge = may_post && r.sender != engine.address() && mine != status.end() &&
                                  (mine->second == AckState::pending || mine->second == AckState::overdue);
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
                   {"acks", ack_status_json(status)},
                   {"mustAcknowledge", must_acknowledge}});
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

}  // namespace parley::wasm
