// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between the engine's values and the JSON the JS API reads: events, cells,
// history, cell options. Representation only; every rule stays in the engine.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string_view>
#include <vector>

#include "charter/seed_template.hpp"
#include "engine/engine.hpp"
#include "parley/events.hpp"
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

// "routine" | "priority" | "immediate" | "flash" (an empty name is routine); invalid_argument
// for anything else. The JS API names precedences and acknowledgement states in lower case.
Result<Precedence> precedence_of(std::string_view name);
std::string_view precedence_text(Precedence precedence);
// {"party": "pending" | "acknowledged" | "late" | "overdue"}.
nlohmann::json ack_status_json(const std::map<std::string, AckState>& status);

// SeedCellOptions from {"name", "members": [{"user", "device", "party", "role", "identityKey"}]}.
Result<charter::SeedCellOptions> seed_options(std::string_view json_text);

// [{"id", "name", "epoch", "party", "role", "channels": [{"id", "name", "read", "post",
// "archived", "ackRequired", "ackDeadlineSeconds", "attested"}]}] for the engine's device.
nlohmann::json cells_json(const engine::Engine& engine);

// The channel's messages (text posts; acknowledgements and receipts are folded into "acks"),
// each with its precedence, every required party's acknowledgement state, and whether this
// device's party is still asked to acknowledge it ("mustAcknowledge": the engine tracks it,
// this device's party is required and has not acknowledged, and this device may post there).
Result<nlohmann::json> history_json(engine::Engine& engine, const CellId& cell, std::string_view channel, TimeMs now);

// Which sender-key chains the store holds: [{"cell", "channel", "generation", "sender"}],
// names only, never key bytes (diagnostics; the browser test checks that a device without
// READ never holds a channel's key).
Result<nlohmann::json> channel_key_records_json(store::DeviceStore& store);

}  // namespace parley::wasm
