// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between the engine's values and the JSON the JS API reads: events, cells,
// history, incidents and notices, and the options and values JS passes in. Representation
// only; every rule stays in the engine.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string_view>
#include <vector>

#include "charter/seed_template.hpp"
#include "engine/engine.hpp"
#include "parley/events.hpp"
#include "parley/hotline_types.hpp"
#include "store/device_store.hpp"

namespace parley::wasm {

std::string hex(ByteView bytes);
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) { return hex(ByteView(bytes)); }

// JSON text for JS. Strings from peers (message texts) may hold invalid UTF-8: it is
// replaced (U+FFFD), never thrown about (a throw would abort the module).
std::string to_text(const nlohmann::json& value);

// {"type": "messageReceived", ...}: one object per event kind, fields in camelCase.
nlohmann::json event_json(const Event& event);

// The 16-byte cell id from 32 hex digits.
Result<CellId> cell_id(std::string_view hex_text);
// A message id from 32 hex digits.
Result<MessageId> message_id(std::string_view hex_text);
Result<Digest> digest(std::string_view hex_text);

// "routine" | "priority" | "immediate" | "flash" (an empty name is routine); invalid_argument
// for anything else. The JS API names precedences and acknowledgement states in lower case.
Result<Precedence> precedence_of(std::string_view name);
std::string_view precedence_text(Precedence precedence);
// {"party": "pending" | "acknowledged" | "late" | "overdue"}.
nlohmann::json ack_status_json(const std::map<std::string, AckState>& status);

// SeedCellOptions from {"name", "members": [{"user", "device", "party", "role", "identityKey"}]}.
Result<charter::SeedCellOptions> seed_options(std::string_view json_text);

// The SDK's CellView (parley/cells.hpp) as JSON, the shape of parley.d.ts's CellInfo: {"id", "name", "epoch",
// "party", "role", "supervisorParty", "parties", "genesis", "supervisorFingerprint",
// "supervisorFingerprintDigits", "members", "channels": [{"id", "name", "read", "post", "readGrants", ...}],
// "pendingProposals"}. cells_json: every cell of the engine's device (engine.cell_views()).
nlohmann::json cell_json(const CellView& view);
Result<nlohmann::json> cells_json(const engine::Engine& engine);
// Pending invitations (Engine::invitations), as the invitationReceived event shows each.
nlohmann::json invitations_json(const std::vector<Invitation>& invitations);

// The channel's messages (text posts; acknowledgements and receipts are folded into "acks"),
// each with its precedence, every required party's acknowledgement state, and whether this
// device's party is still asked to acknowledge it ("mustAcknowledge": the engine tracks it,
// this device's party is required and has not acknowledged, and this device may post there).
Result<nlohmann::json> history_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now);

// --- incidents and deconfliction notices (docs/hotline.md) ---
// Points are {"lat", "lon"} in degrees or {"latE7", "lonE7"} (degrees * 10^7, the exact value
// the SDK keeps; it wins when both are given). Degrees are rounded to the nearest 10^-7.
// Areas: {"circle": {lat, lon, "radiusM"}} or {"polygon": [point, ...]}; windows {"start",
// "end"} in ms since the epoch. Malformed JSON or a field of the wrong type: invalid_argument;
// a coordinate no int32 can hold: hotline_invalid_area. Everything else the SDK checks.
// Output points carry both forms.

// An incident id from 32 hex digits.
Result<IncidentId> incident_id(std::string_view hex_text);
// {"title", "details", "severity": "low" | "medium" (default) | "high" | "critical",
//  "respondentParty", "location"?: point}.
Result<IncidentOpen> incident_open_of(std::string_view json_text);
// {"type": "acknowledge"} | {"type": "comment", "text"} | {"type": "propose", "text"} |
// {"type": "resolve", "proposal"?: {"sender": {user, device}, "id"}, "text"?}.
Result<IncidentAction> incident_action_of(std::string_view json_text);
// {"area", "window", "description"}.
Result<DeconflictionNotice> notice_of(std::string_view json_text);
// Every incident of the channel as the engine folds it, in opening order; each with "state":
// "resolved" (it has a resolution), "acknowledged" (some party acknowledged it) or "open".
Result<nlohmann::json> incidents_json(engine::Engine& engine, const CellId& cell, std::string_view channel);
// The channel's notices in the engine's order, each with "sender", "id", "party", "sentAt",
// "area", "window", "description", "conflicts" ([{sender, id}], the other parties' notices it
// overlaps), and "acks" / "mustAcknowledge" as in history_json.
Result<nlohmann::json> notices_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now);

// --- governance (supervisor and party-admin devices): the JSON JS passes in, checked without
// throwing; malformed JSON, a field of the wrong type or an unknown name: invalid_argument ---

// "supervisor" | "party_admin" | "member" | "observer".
Result<CellRole> role_of(std::string_view name);
// A proposal id from 32 hex digits.
Result<ProposalId> proposal_id(std::string_view hex_text);
// {"user", "device"?: 1, "party", "role"?: "member", "identityKey": hex}.
Result<CellMember> member_of(std::string_view json_text);
// {"user", "device"?: 1}.
Result<Address> address_of(std::string_view json_text);
// The shape of a cell view's channel (parley.d.ts ChannelPolicyInput): {"readGrants",
// "postGrants": [{"kind": "party" | "user", "name"} | {"kind": "device", "name", "device"}],
// "ackRequired"?, "ackDeadlineSeconds"?, "attested"?, "retentionSeconds"?}.
Result<ChannelPolicySpec> policy_of(std::string_view json_text);
// {"add"?: [member], "remove"?: [{user, device}], "roles"?: [{"user", "role"}]}.
Result<CellProposal> proposal_of(std::string_view json_text);

// Which sender-key chains the store holds: [{"cell", "channel", "generation", "sender"}],
// names only, never key bytes (diagnostics; the browser test checks that a device without
// READ never holds a channel's key).
Result<nlohmann::json> channel_key_records_json(store::DeviceStore& store);

}  // namespace parley::wasm
