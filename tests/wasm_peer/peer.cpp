// SPDX-License-Identifier: GPL-3.0-or-later
// parley-test-peer: a native device (parley::Client) driven by JSON lines, so the browser
// tests (wasm/browser-tests) can put a native device and a browser device in one cell.
//
//   parley-test-peer --relay HOST:PORT --store PATH --passphrase P --user U [--device N]
//
// stdin, one command per line:
//   {"cmd":"info"}                                  -> {"reply":"info","identityKey":hex,"anchor":text}
//   {"cmd":"add_join_anchor","anchor":text}         -> {"reply":"add_join_anchor"}
//   {"cmd":"create_cell","name":..,"members":[{"user","device","party","role","identityKey"}]}
//                                                   -> {"reply":"create_cell","cell":hex}
//   {"cmd":"add_member","cell":hex,"user":..,"device":n,"party":..,"role":..,"identityKey":hex}
//                                                   -> {"reply":"add_member"}
//   {"cmd":"policy","cell":hex,"channel":..,"read":[party..],"post":[party..],
//    "ackRequired":bool,"ackDeadlineSeconds":n}       -> {"reply":"policy"}
//   {"cmd":"post","cell":hex,"channel":..,"text":..,"precedence":"flash"|..} -> {"reply":"post","id":hex}
//   {"cmd":"acknowledge","cell":hex,"channel":..,"sender":"user.device","id":hex} -> {"reply":"acknowledge","id":hex}
//   {"cmd":"ack_status","cell":hex,"channel":..,"sender":"user.device","id":hex}
//                                                   -> {"reply":"ack_status","status":{party:state}}
//   {"cmd":"incidents","cell":hex,"channel":..}   -> {"reply":"incidents","incidents":[{"id","title","state",
//                                                      "openerParty","respondentParty","acknowledged":[party..]}]}
//   {"cmd":"update_incident","cell":hex,"channel":..,"incident":hex,"type":"acknowledge"|"comment"|"propose","text":..}
//                                                   -> {"reply":"update_incident","id":hex}
//   {"cmd":"post_notice","cell":hex,"channel":..,"lat":deg,"lon":deg,"radiusM":n,"start":ms,"end":ms,"description":..}
//                                                   -> {"reply":"post_notice","id":hex}
// stdout: the replies (or {"reply":..,"error":..}) and every event as {"event":..,...}.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>

#include "parley/client.hpp"

namespace {

using nlohmann::json;

std::mutex out_mutex;

void emit(const json& line) {
  std::lock_guard lock(out_mutex);
  std::cout << line.dump() << std::endl;
}

std::string hex(parley::ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

parley::Bytes unhex(const std::string& text) {
  parley::Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

const char* precedence_name(parley::Precedence p) {
  switch (p) {
    case parley::Precedence::routine: return "routine";
    case parley::Precedence::priority: return "priority";
    case parley::Precedence::immediate: return "immediate";
    case parley::Precedence::flash: return "flash";
  }
  return "?";
}

parley::Precedence precedence_of(const std::string& name) {
  if (name == "priority") return parley::Precedence::priority;
  if (name == "immediate") return parley::Precedence::immediate;
  if (name == "flash") return parley::Precedence::flash;
  return parley::Precedence::routine;
}

const char* ack_state_name(parley::AckState s) {
  switch (s) {
    case parley::AckState::pending: return "pending";
    case parley::AckState::acknowledged: return "acknowledged";
    case parley::AckState::late: return "late";
    case parley::AckState::overdue: return "overdue";
  }
  return "?";
}

// "user.device" -> Address (device 1 when absent).
parley::Address address_of(const std::string& text) {
  const auto dot = text.rfind('.');
  if (dot == std::string::npos) return {text, 1};
  return {text.substr(0, dot), static_cast<std::uint32_t>(std::stoul(text.substr(dot + 1)))};
}

parley::MessageId message_id_of(const json& command) {
  parley::MessageId id;
  const auto bytes = unhex(command.value("id", ""));
  std::copy_n(bytes.begin(), std::min(bytes.size(), id.bytes.size()), id.bytes.begin());
  return id;
}

parley::CellId cell_of(const json& command) {
  parley::CellId id{};
  const auto bytes = unhex(command.value("cell", ""));
  std::copy_n(bytes.begin(), std::min(bytes.size(), id.size()), id.begin());
  return id;
}

json event_json(const parley::Event& event) {
  if (auto* c = std::get_if<parley::Connected>(&event)) return {{"event", "connected"}, {"prekeys", c->prekeys_remaining}};
  if (std::get_if<parley::Disconnected>(&event)) return {{"event", "disconnected"}};
  if (auto* m = std::get_if<parley::MessageReceived>(&event))
    return {{"event", "message"}, {"from", m->sender.to_string()}, {"text", m->text}};
  if (auto* m = std::get_if<parley::ChannelMessageReceived>(&event))
    return {{"event", "channelMessage"}, {"cell", hex(m->cell)}, {"channel", m->channel},
            {"from", m->sender.to_string()}, {"id", m->id.to_hex()}, {"text", m->text},
            {"precedence", precedence_name(m->precedence)}};
  if (auto* a = std::get_if<parley::AcknowledgementReceived>(&event))
    return {{"event", "acknowledgement"}, {"cell", hex(a->cell)}, {"channel", a->channel},
            {"sender", a->sender.to_string()}, {"id", a->id.to_hex()}, {"party", a->party}, {"by", a->by.to_string()}};
  if (auto* o = std::get_if<parley::MessageOverdue>(&event))
    return {{"event", "overdue"}, {"channel", o->channel}, {"id", o->id.to_hex()}, {"party", o->party}};
  if (auto* i = std::get_if<parley::IncidentUpdated>(&event))
    return {{"event", "incidentUpdated"}, {"cell", hex(i->cell)}, {"channel", i->channel},
            {"incident", hex(i->incident)}, {"by", i->by.to_string()}, {"id", i->id.to_hex()}};
  if (auto* n = std::get_if<parley::NoticeReceived>(&event))
    return {{"event", "noticeReceived"}, {"channel", n->channel}, {"from", n->sender.to_string()},
            {"id", n->id.to_hex()}, {"party", n->party}, {"description", n->notice.description}};
  if (auto* n = std::get_if<parley::NoticesConflict>(&event))
    return {{"event", "noticesConflict"}, {"channel", n->channel}, {"first", n->first.id.to_hex()},
            {"second", n->second.id.to_hex()}};
  if (auto* c = std::get_if<parley::CharterChanged>(&event))
    return {{"event", "charterChanged"}, {"cell", hex(c->cell)}, {"epoch", c->epoch}};
  if (auto* s = std::get_if<parley::MessageSent>(&event)) return {{"event", "sent"}, {"id", s->id.to_hex()}};
  if (auto* f = std::get_if<parley::SendFailed>(&event)) return {{"event", "sendFailed"}, {"error", f->error.to_string()}};
  if (auto* d = std::get_if<parley::DecryptFailed>(&event)) return {{"event", "decryptFailed"}, {"error", d->error.to_string()}};
  if (auto* p = std::get_if<parley::PermissionDenied>(&event)) return {{"event", "permissionDenied"}, {"error", p->error.to_string()}};
  if (auto* s = std::get_if<parley::SecurityAlert>(&event)) return {{"event", "securityAlert"}, {"error", s->error.to_string()}};
  return {{"event", "other"}};
}

json run(parley::Client& client, const json& command) {
  const std::string cmd = command.value("cmd", "");
  json reply{{"reply", cmd}};
  auto failed = [&](const parley::Error& error) {
    reply["error"] = error.to_string();
    return reply;
  };
  if (cmd == "info") {
    auto key = client.identity_key();
    if (!key) return failed(key.error());
    reply["identityKey"] = hex(*key);
    auto anchor = client.supervisor_anchor();
    if (!anchor) return failed(anchor.error());
    reply["anchor"] = parley::to_string(*anchor);
  } else if (cmd == "add_join_anchor") {
    auto anchor = parley::parse_join_anchor(command.value("anchor", ""));
    if (!anchor) return failed(anchor.error());
    if (auto added = client.add_join_anchor(*anchor); !added) return failed(added.error());
  } else if (cmd == "create_cell") {
    parley::CellTemplate cell;
    cell.name = command.value("name", cell.name);
    for (const auto& m : command.value("members", json::array())) {
      const std::string role = m.value("role", "member");
      cell.members.push_back({{m.value("user", ""), m.value("device", 1u)},
                              m.value("party", ""),
                              role == "observer" ? parley::CellRole::observer
                              : role == "party_admin" ? parley::CellRole::party_admin
                                                      : parley::CellRole::member,
                              unhex(m.value("identityKey", ""))});
    }
    auto id = client.create_cell(std::move(cell));
    if (!id) return failed(id.error());
    reply["cell"] = hex(*id);
  } else if (cmd == "add_member") {
    const std::string role = command.value("role", "member");
    auto added = client.add_member(cell_of(command),
                                   {{command.value("user", ""), command.value("device", 1u)},
                                    command.value("party", ""),
                                    role == "observer" ? parley::CellRole::observer
                                    : role == "party_admin" ? parley::CellRole::party_admin
                                                            : parley::CellRole::member,
                                    unhex(command.value("identityKey", ""))});
    if (!added) return failed(added.error());
  } else if (cmd == "policy") {
    parley::ChannelPolicySpec policy;
    for (const auto& p : command.value("read", json::array())) policy.read.push_back(parley::CellGrant::party(p));
    for (const auto& p : command.value("post", json::array())) policy.post.push_back(parley::CellGrant::party(p));
    policy.ack_required = command.value("ackRequired", false);
    policy.ack_deadline_seconds = command.value("ackDeadlineSeconds", policy.ack_required ? 3600u : 0u);
    auto set = client.set_channel_policy(cell_of(command), command.value("channel", ""), std::move(policy));
    if (!set) return failed(set.error());
  } else if (cmd == "post") {
    auto id = client.post(cell_of(command), command.value("channel", ""), command.value("text", ""),
                          precedence_of(command.value("precedence", "routine")));
    if (!id) return failed(id.error());
    reply["id"] = id->to_hex();
  } else if (cmd == "acknowledge") {
    auto id = client.acknowledge(cell_of(command), command.value("channel", ""),
                                 address_of(command.value("sender", "")), message_id_of(command));
    if (!id) return failed(id.error());
    reply["id"] = id->to_hex();
  } else if (cmd == "ack_status") {
    json status = json::object();
    for (const auto& [party, state] : client.ack_status(cell_of(command), command.value("channel", ""),
                                                        address_of(command.value("sender", "")), message_id_of(command)))
      status[party] = ack_state_name(state);
    reply["status"] = status;
  } else if (cmd == "incidents") {
    auto incidents = client.incidents(cell_of(command), command.value("channel", ""));
    if (!incidents) return failed(incidents.error());
    json list = json::array();
    for (const auto& i : *incidents) {
      json acknowledged = json::array();
      for (const auto& [party, at] : i.acknowledged) acknowledged.push_back(party);
      list.push_back({{"id", hex(i.id)}, {"title", i.title},
                      {"state", i.resolved() ? "resolved" : i.acknowledged.empty() ? "open" : "acknowledged"},
                      {"openerParty", i.opener_party}, {"respondentParty", i.respondent_party},
                      {"acknowledged", acknowledged}});
    }
    reply["incidents"] = list;
  } else if (cmd == "update_incident") {
    parley::IncidentId incident{};
    const auto bytes = unhex(command.value("incident", ""));
    std::copy_n(bytes.begin(), std::min(bytes.size(), incident.size()), incident.begin());
    const std::string type = command.value("type", "");
    const std::string text = command.value("text", "");
    parley::IncidentAction action = parley::IncidentAcknowledge{};
    if (type == "comment") action = parley::IncidentComment{text};
    else if (type == "propose") action = parley::IncidentPropose{text};
    auto id = client.update_incident(cell_of(command), command.value("channel", ""), incident, std::move(action));
    if (!id) return failed(id.error());
    reply["id"] = id->to_hex();
  } else if (cmd == "post_notice") {
    const auto e7 = [&](const char* key) { return static_cast<std::int32_t>(std::llround(command.value(key, 0.0) * 1e7)); };
    parley::DeconflictionNotice notice{parley::Circle{{e7("lat"), e7("lon")}, command.value("radiusM", 1000u)},
                                       {command.value("start", parley::TimeMs{0}), command.value("end", parley::TimeMs{0})},
                                       command.value("description", "")};
    auto id = client.post_notice(cell_of(command), command.value("channel", ""), std::move(notice));
    if (!id) return failed(id.error());
    reply["id"] = id->to_hex();
  } else {
    reply["error"] = "unknown command";
  }
  return reply;
}

}  // namespace

int main(int argc, char** argv) {
  std::string relay, store, passphrase, user;
  std::uint32_t device = 1;
  CLI::App app{"parley-test-peer: a native device driven by JSON lines (browser tests)"};
  app.add_option("--relay", relay, "relay HOST:PORT")->required();
  app.add_option("--store", store, "store file")->required();
  app.add_option("--passphrase", passphrase, "store passphrase")->required();
  app.add_option("--user", user, "user name")->required();
  app.add_option("--device", device, "device number");
  CLI11_PARSE(app, argc, argv);

  parley::ClientOptions options;
  options.address = {user, device};
  options.store_path = store;
  options.store_key = parley::StoreKey::passphrase(passphrase);
  const auto colon = relay.rfind(':');
  options.relay_host = relay.substr(0, colon);
  options.relay_port = static_cast<std::uint16_t>(std::stoi(relay.substr(colon + 1)));
  auto client = parley::Client::open(std::move(options));
  if (!client) {
    std::cerr << "parley-test-peer: " << client.error().to_string() << "\n";
    return 1;
  }
  (*client)->set_event_handler([](const parley::Event& event) { emit(event_json(event)); });
  if (auto started = (*client)->start(); !started) {
    std::cerr << "parley-test-peer: " << started.error().to_string() << "\n";
    return 1;
  }
  for (std::string line; std::getline(std::cin, line);) {
    const json command = json::parse(line, nullptr, false);
    emit(command.is_object() ? run(**client, command) : json{{"reply", "?"}, {"error", "not JSON"}});
  }
  (*client)->stop();
}
