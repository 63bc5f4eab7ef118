// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between the engine's values and the JSON the JS API reads: events, cells,
// history, cell options. Representation only; every rule stays in the engine.
#pragma once

#include <nlohmann/json.hpp>

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

// SeedCellOptions from {"name", "members": [{"user", "device", "party", "role", "identityKey"}]}.
Result<charter::SeedCellOptions> seed_options(std::string_view json_text);

// [{"id", "name", "epoch", "channels": [{"id", "name", "read", "post", "archived"}]}] for
// the engine's device.
nlohmann::json cells_json(const engine::Engine& engine);

nlohmann::json history_json(const std::vector<store::HistoryRecord>& records);

}  // namespace parley::wasm
