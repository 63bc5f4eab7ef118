// SPDX-License-Identifier: GPL-3.0-or-later
// The wasm module's C exports: one device = its SQLCipher store + the sans-IO engine, driven
// by JS (wasm/js/core.js), which only moves bytes between the engine and a WebSocket and
// persists the file system. No protocol logic lives in JS, none in this file either: each
// export converts arguments, calls the engine, and converts the result.
//
// Errors: calls return a parley error code (0 = ok); parley_last_error() has the message.
// Byte and text results are left in the device's result buffer (parley_device_result*).
#include <emscripten.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "common/address.hpp"
#include "charter/model.hpp"
#include "charter/seed_template.hpp"
#include "engine/engine.hpp"
#include "hotline/bodies.hpp"
#include "pairwise/device_keys.hpp"
#include "store/device_store.hpp"
#include "wasm_events.hpp"

namespace {

using namespace parley;

struct Device {
  std::unique_ptr<store::DeviceStore> store;
  std::unique_ptr<engine::Engine> engine;
  std::string result;  // the last byte or text result, valid until the next call
};

std::string& last_error() {
  static std::string message;
  return message;
}

int fail(const Error& error) {
  last_error() = error.message;
  return static_cast<int>(error.code);
}

int ok() {
  last_error().clear();
  return 0;
}

template <class T>
int keep(Device* device, const Result<T>& result, std::string text) {
  if (!result) return fail(result.error());
  device->result = std::move(text);
  return ok();
}

int done(const Status& status) { return status ? ok() : fail(status.error()); }

// Adding a device gives its user a role only if the user is new to the cell (roles change
// through SetRole): the rule Client::add_member and Client::propose apply.
charter::Operation add_device(const engine::Engine& engine, const CellId& cell, CellMember member) {
  const auto* log = engine.charter(cell);
  std::optional<charter::Role> role;
  if (!log || !log->state().users.count(member.device.user)) role = static_cast<charter::Role>(member.role);
  return charter::AddDevice{std::move(member.device), std::move(member.party), role, std::move(member.identity_key)};
}

int commit(Device* device, const char* cell_hex, Result<charter::Operation> operation, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  if (!operation) return fail(operation.error());
  return done(device->engine->commit(*cell, {std::move(*operation)}, static_cast<TimeMs>(now)));
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* parley_last_error() { return last_error().c_str(); }

// Opens (or creates, with a new identity) the device store at `path` with the passphrase
// `passphrase`, and the engine over it. *out receives the handle.
EMSCRIPTEN_KEEPALIVE int parley_device_open(const char* path, const char* passphrase, const char* user,
                                            std::uint32_t device_id, double now, Device** out) {
  *out = nullptr;
  const Address address{user, device_id};
  if (auto valid = validate_address(address); !valid) return fail(valid.error());
  auto store = store::DeviceStore::open(path, StoreKey::passphrase(passphrase));
  if (!store) return fail(store.error());
  auto identity = (*store)->local_identity();
  if (!identity) return fail(identity.error());
  if (!identity->has_value()) {
    if (auto made = pairwise::create_device_identity(**store, address, 100, static_cast<TimeMs>(now)); !made)
      return fail(made.error());
  } else if ((*identity)->address != address) {
    return fail(make_error(Errc::invalid_argument, "this store belongs to device " +
                                                       (*identity)->address.to_string() + ", not " +
                                                       address.to_string()));
  }
  auto engine = engine::Engine::create(**store);
  if (!engine) return fail(engine.error());
  *out = new Device{std::move(*store), std::move(*engine), {}};
  return ok();
}

EMSCRIPTEN_KEEPALIVE void parley_device_close(Device* device) { delete device; }

EMSCRIPTEN_KEEPALIVE const char* parley_device_result(Device* device) { return device->result.data(); }
EMSCRIPTEN_KEEPALIVE std::size_t parley_device_result_size(Device* device) { return device->result.size(); }

EMSCRIPTEN_KEEPALIVE void parley_device_on_open(Device* device, double now) {
  device->engine->on_open(static_cast<TimeMs>(now));
}

EMSCRIPTEN_KEEPALIVE void parley_device_on_close(Device* device, const char* reason, double now) {
  device->engine->on_close(make_error(Errc::not_connected, reason), static_cast<TimeMs>(now));
}

EMSCRIPTEN_KEEPALIVE int parley_device_on_frame(Device* device, const std::uint8_t* data, std::size_t size,
                                                double now) {
  auto status = device->engine->on_frame(ByteView(data, size), static_cast<TimeMs>(now));
  return status ? ok() : fail(status.error());
}

// The engine's timed work (acknowledgement deadlines, withheld commits, refused sends): JS
// arms one setTimeout for poll_timeout after every pump and calls handle_timeout when it fires.
EMSCRIPTEN_KEEPALIVE void parley_device_handle_timeout(Device* device, double now) {
  device->engine->handle_timeout(static_cast<TimeMs>(now));
}

// When handle_timeout next has something to do, in ms since the epoch; -1: nothing is timed.
EMSCRIPTEN_KEEPALIVE double parley_device_poll_timeout(Device* device) {
  auto at = device->engine->poll_timeout();
  return at ? static_cast<double>(*at) : -1.0;
}

// The next frame for the relay into the result buffer: 1, or 0 when there is none.
EMSCRIPTEN_KEEPALIVE int parley_device_poll_transmit(Device* device) {
  auto frame = device->engine->poll_transmit();
  if (!frame) return 0;
  device->result.assign(frame->begin(), frame->end());
  return 1;
}

// The next event as JSON text into the result buffer: 1, or 0 when there is none.
EMSCRIPTEN_KEEPALIVE int parley_device_poll_event(Device* device) {
  auto event = device->engine->poll_event();
  if (!event) return 0;
  device->result = wasm::to_text(wasm::event_json(*event));
  return 1;
}

// This device's address and identity key, as JSON.
EMSCRIPTEN_KEEPALIVE int parley_device_info(Device* device) {
  auto identity = device->store->local_identity();
  if (!identity) return fail(identity.error());
  if (!identity->has_value()) return fail(make_error(Errc::internal, "the store lost its identity"));
  return keep(device, identity,
              wasm::to_text(nlohmann::json{{"user", device->engine->address().user},
                             {"device", device->engine->address().device},
                             {"identityKey", wasm::hex((*identity)->identity_public)}}));
}

EMSCRIPTEN_KEEPALIVE int parley_device_send_text(Device* device, const char* user, std::uint32_t device_id,
                                                 const char* text, double now) {
  auto id = device->engine->send_text(Address{user, device_id}, text, static_cast<TimeMs>(now));
  return keep(device, id, id ? id->to_hex() : std::string());
}

// Creates a cell from the standard template (JSON options: name, members [{user, device,
// party, role, identityKey}]); the result is the cell id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_create_cell(Device* device, const char* options_json, double now) {
  auto options = wasm::seed_options(options_json);
  if (!options) return fail(options.error());
  auto cell = device->engine->create_cell(std::move(*options), static_cast<TimeMs>(now));
  return keep(device, cell, cell ? wasm::hex(*cell) : std::string());
}

// Posts `text` with a precedence ("routine" if empty; wasm::precedence_of); the result is
// the message id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_post(Device* device, const char* cell_hex, const char* channel,
                                            const char* text, const char* precedence_name, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto precedence = wasm::precedence_of(precedence_name);
  if (!precedence) return fail(precedence.error());
  auto id = device->engine->post(*cell, channel, text, static_cast<TimeMs>(now), *precedence);
  return keep(device, id, id ? id->to_hex() : std::string());
}

// Acknowledges the message (sender, id) of an ack_required channel for this device's party;
// the result is the acknowledgement's own message id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_acknowledge(Device* device, const char* cell_hex, const char* channel,
                                                   const char* sender_user, std::uint32_t sender_device,
                                                   const char* id_hex, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto id = wasm::message_id(id_hex);
  if (!id) return fail(id.error());
  auto ack = device->engine->acknowledge(*cell, channel, hotline::MessageRef{Address{sender_user, sender_device}, *id},
                                         static_cast<TimeMs>(now));
  return keep(device, ack, ack ? ack->to_hex() : std::string());
}

// Each required party's acknowledgement state of (sender, id) as JSON ({} if not tracked).
EMSCRIPTEN_KEEPALIVE int parley_device_ack_status(Device* device, const char* cell_hex, const char* channel,
                                                  const char* sender_user, std::uint32_t sender_device,
                                                  const char* id_hex, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto id = wasm::message_id(id_hex);
  if (!id) return fail(id.error());
  const auto status = device->engine->ack_status(
      *cell, channel, hotline::MessageRef{Address{sender_user, sender_device}, *id}, static_cast<TimeMs>(now));
  device->result = wasm::to_text(wasm::ack_status_json(status));
  return ok();
}

// Opens an incident on the channel (incident JSON: wasm::incident_open_of) with a precedence;
// the result is the new incident's id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_open_incident(Device* device, const char* cell_hex, const char* channel,
                                                     const char* incident_json, const char* precedence_name,
                                                     double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto open = wasm::incident_open_of(incident_json);
  if (!open) return fail(open.error());
  auto precedence = wasm::precedence_of(precedence_name);
  if (!precedence) return fail(precedence.error());
  auto id = device->engine->open_incident(*cell, channel, std::move(*open), *precedence, static_cast<TimeMs>(now));
  return keep(device, id, id ? wasm::hex(*id) : std::string());
}

// Acknowledges, comments on, proposes a resolution for or resolves an incident (action JSON:
// wasm::incident_action_of); the result is the operation's message id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_update_incident(Device* device, const char* cell_hex, const char* channel,
                                                       const char* incident_hex, const char* action_json, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto incident = wasm::incident_id(incident_hex);
  if (!incident) return fail(incident.error());
  auto action = wasm::incident_action_of(action_json);
  if (!action) return fail(action.error());
  auto id = device->engine->update_incident(*cell, channel, *incident, std::move(*action), static_cast<TimeMs>(now));
  return keep(device, id, id ? id->to_hex() : std::string());
}

// The channel's incidents as JSON (wasm::incidents_json).
EMSCRIPTEN_KEEPALIVE int parley_device_incidents(Device* device, const char* cell_hex, const char* channel) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto incidents = wasm::incidents_json(*device->engine, *cell, channel);
  if (!incidents) return fail(incidents.error());
  device->result = wasm::to_text(*incidents);
  return ok();
}

// Posts a deconfliction notice (notice JSON: wasm::notice_of) with a precedence on an
// ack_required channel; the result is the notice's message id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_post_notice(Device* device, const char* cell_hex, const char* channel,
                                                   const char* notice_json, const char* precedence_name, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto notice = wasm::notice_of(notice_json);
  if (!notice) return fail(notice.error());
  auto precedence = wasm::precedence_of(precedence_name);
  if (!precedence) return fail(precedence.error());
  auto id = device->engine->post_notice(*cell, channel, std::move(*notice), *precedence, static_cast<TimeMs>(now));
  return keep(device, id, id ? id->to_hex() : std::string());
}

// The channel's notices with their conflicts and acknowledgement state (wasm::notices_json).
EMSCRIPTEN_KEEPALIVE int parley_device_notices(Device* device, const char* cell_hex, const char* channel, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto notices = wasm::notices_json(*device->engine, *cell, channel, static_cast<TimeMs>(now));
  if (!notices) return fail(notices.error());
  device->result = wasm::to_text(*notices);
  return ok();
}

// Joining (docs/protocol.md "Joining"): anchors as text ("parley-cell:HEX", "parley-supervisor:HEX").
EMSCRIPTEN_KEEPALIVE int parley_device_add_join_anchor(Device* device, const char* anchor, double now) {
  auto parsed = parse_join_anchor(anchor);
  if (!parsed) return fail(parsed.error());
  auto added = device->engine->add_join_anchor(*parsed, static_cast<TimeMs>(now));
  return added ? ok() : fail(added.error());
}

EMSCRIPTEN_KEEPALIVE int parley_device_supervisor_anchor(Device* device) {
  auto anchor = device->engine->supervisor_anchor();
  return keep(device, anchor, anchor ? to_string(*anchor) : std::string());
}

EMSCRIPTEN_KEEPALIVE int parley_device_join_anchor(Device* device, const char* cell_hex) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto anchor = device->engine->join_anchor(*cell);
  return keep(device, anchor, anchor ? to_string(*anchor) : std::string());
}

// `accept` 1: accept_invitation, 0: decline_invitation, by the genesis in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_answer_invitation(Device* device, const char* genesis_hex, int accept,
                                                         double now) {
  auto genesis = wasm::digest(genesis_hex);
  if (!genesis) return fail(genesis.error());
  auto done = accept ? device->engine->accept_invitation(*genesis, static_cast<TimeMs>(now))
                     : device->engine->decline_invitation(*genesis);
  return done ? ok() : fail(done.error());
}

EMSCRIPTEN_KEEPALIVE int parley_device_invitations(Device* device) {
  auto list = device->engine->invitations();
  if (!list) return fail(list.error());
  device->result = wasm::to_text(wasm::invitations_json(*list));
  return ok();
}

// The SDK's view of every cell (Engine::cell_views; wasm::cell_json for the shape).
EMSCRIPTEN_KEEPALIVE int parley_device_cells(Device* device) {
  auto cells = wasm::cells_json(*device->engine);
  if (!cells) return fail(cells.error());
  device->result = wasm::to_text(*cells);
  return ok();
}

// The SDK's view of one cell: cell_unknown.
EMSCRIPTEN_KEEPALIVE int parley_device_cell(Device* device, const char* cell_hex) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto view = device->engine->cell_view(*cell);
  if (!view) return fail(view.error());
  device->result = wasm::to_text(wasm::cell_json(*view));
  return ok();
}

// The channel's messages with precedence and acknowledgement state (wasm::history_json).
EMSCRIPTEN_KEEPALIVE int parley_device_history(Device* device, const char* cell_hex, const char* channel, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto history = wasm::history_json(*device->engine, *cell, channel, static_cast<TimeMs>(now));
  if (!history) return fail(history.error());
  device->result = wasm::to_text(*history);
  return ok();
}

// Diagnostics: the sender-key chains the store holds, by name (wasm::channel_key_records_json).
EMSCRIPTEN_KEEPALIVE int parley_device_channel_key_records(Device* device) {
  auto records = wasm::channel_key_records_json(*device->store);
  if (!records) return fail(records.error());
  device->result = wasm::to_text(*records);
  return ok();
}

// --- governance: supervisor devices commit charter changes, party admins propose them
// (the engine checks who may do what: charter_not_authorized, cell_unknown, ...) ---

// Adds a device (member JSON: wasm::member_of); `role` counts only for a user new to the cell.
EMSCRIPTEN_KEEPALIVE int parley_device_add_member(Device* device, const char* cell_hex, const char* member_json,
                                                  double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto member = wasm::member_of(member_json);
  if (!member) return fail(member.error());
  return commit(device, cell_hex, add_device(*device->engine, *cell, std::move(*member)), now);
}

EMSCRIPTEN_KEEPALIVE int parley_device_remove_member(Device* device, const char* cell_hex, const char* user,
                                                     std::uint32_t device_id, double now) {
  return commit(device, cell_hex, charter::Operation{charter::RemoveDevice{Address{user, device_id}}}, now);
}

EMSCRIPTEN_KEEPALIVE int parley_device_set_role(Device* device, const char* cell_hex, const char* user,
                                                const char* role_name, double now) {
  auto role = wasm::role_of(role_name);
  if (!role) return fail(role.error());
  return commit(device, cell_hex, charter::Operation{charter::SetRole{user, static_cast<charter::Role>(*role)}}, now);
}

EMSCRIPTEN_KEEPALIVE int parley_device_create_channel(Device* device, const char* cell_hex, const char* channel,
                                                      const char* display_name, double now) {
  return commit(device, cell_hex, charter::Operation{charter::CreateChannel{channel, display_name}}, now);
}

EMSCRIPTEN_KEEPALIVE int parley_device_archive_channel(Device* device, const char* cell_hex, const char* channel,
                                                       double now) {
  return commit(device, cell_hex, charter::Operation{charter::ArchiveChannel{channel}}, now);
}

EMSCRIPTEN_KEEPALIVE int parley_device_rename_channel(Device* device, const char* cell_hex, const char* channel,
                                                      const char* display_name, double now) {
  return commit(device, cell_hex, charter::Operation{charter::RenameChannel{channel, display_name}}, now);
}

// Replaces a channel's policy (policy JSON: wasm::policy_of).
EMSCRIPTEN_KEEPALIVE int parley_device_set_channel_policy(Device* device, const char* cell_hex, const char* channel,
                                                          const char* policy_json, double now) {
  auto spec = wasm::policy_of(policy_json);
  if (!spec) return fail(spec.error());
  charter::ChannelPolicy policy;
  for (const auto& g : spec->read) policy.read.push_back({static_cast<charter::GrantKind>(g.kind), g.name, g.device});
  for (const auto& g : spec->post) policy.post.push_back({static_cast<charter::GrantKind>(g.kind), g.name, g.device});
  policy.ack_required = spec->ack_required;
  policy.ack_deadline_seconds = spec->ack_deadline_seconds;
  policy.attested = spec->attested;
  policy.retention_seconds = spec->retention_seconds;
  return commit(device, cell_hex, charter::Operation{charter::SetChannelPolicy{channel, std::move(policy)}}, now);
}

// A party admin's proposal (JSON: wasm::proposal_of) to the cell's supervisor devices; the
// result is the proposal id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_propose(Device* device, const char* cell_hex, const char* proposal_json,
                                               double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto changes = wasm::proposal_of(proposal_json);
  if (!changes) return fail(changes.error());
  std::vector<charter::Operation> operations;
  for (auto& m : changes->add) operations.push_back(add_device(*device->engine, *cell, std::move(m)));
  for (const auto& d : changes->remove) operations.push_back(charter::RemoveDevice{d});
  for (const auto& r : changes->roles) operations.push_back(charter::SetRole{r.user, static_cast<charter::Role>(r.role)});
  auto id = device->engine->propose(*cell, std::move(operations), static_cast<TimeMs>(now));
  return keep(device, id, id ? wasm::hex(*id) : std::string());
}

// `accept` 1: accept_proposal (commits its changes), 0: reject_proposal; by id in hex.
EMSCRIPTEN_KEEPALIVE int parley_device_answer_proposal(Device* device, const char* cell_hex, const char* id_hex,
                                                       int accept, double now) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto id = wasm::proposal_id(id_hex);
  if (!id) return fail(id.error());
  return done(accept ? device->engine->accept_proposal(*cell, *id, static_cast<TimeMs>(now))
                     : device->engine->reject_proposal(*cell, *id));
}

// An attested channel's transcript for [from, to] (ms; to 0 = now), the bytes parley-verify
// checks, in the result buffer.
EMSCRIPTEN_KEEPALIVE int parley_device_export_transcript(Device* device, const char* cell_hex, const char* channel,
                                                         double from, double to) {
  auto cell = wasm::cell_id(cell_hex);
  if (!cell) return fail(cell.error());
  auto transcript = device->engine->export_transcript(*cell, channel, static_cast<TimeMs>(from), static_cast<TimeMs>(to));
  return keep(device, transcript, transcript ? std::string(transcript->begin(), transcript->end()) : std::string());
}

}  // extern "C"
