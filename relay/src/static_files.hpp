// SPDX-License-Identifier: GPL-3.0-or-later
// Optional static files (--static DIR), so the relay can serve the browser client (page, JS,
// wasm) from the same origin as its WebSocket. Only regular files under DIR are reachable:
// no "..", no absolute or backslash paths, no escapes through symlinks.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace parley::relay {

// Largest file served; the wasm build is a few MB.
inline constexpr std::size_t kMaxStaticFileBytes = 32u << 20;

// The file `target` (an HTTP request target such as "/app/index.html?x=1") names under
// `root`, or nullopt if it names nothing servable. "/" and paths ending in "/" mean
// index.html. Percent-escapes are refused rather than decoded.
std::optional<std::filesystem::path> static_file_path(const std::filesystem::path& root,
                                                      std::string_view target);

// Content-Type by extension; browsers need application/wasm for streaming compilation.
std::string_view mime_type(const std::filesystem::path& file);

// The whole file, or nullopt if it cannot be read or exceeds kMaxStaticFileBytes.
std::optional<std::string> read_static_file(const std::filesystem::path& file);

}  // namespace parley::relay
