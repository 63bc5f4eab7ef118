// SPDX-License-Identifier: GPL-3.0-or-later
// Shared test vectors: one replayer, compiled into the native test suite and into the wasm
// test module, so both builds answer the same files with the same code path.
//
// A vector file is JSON: {"format": "parley-vectors", "version": 1, "kind": K, "cases": [...]}
// where every case is {"name", "input": {...}, "expect": {...}}. replay() computes, for each
// case, what this build produces for `input`, shaped exactly like `expect`:
//   kind "crypto"   : the libsignal crypto provider, SHA-256 and XEdDSA verification
//   kind "charter"  : signed commits offered in order to a CharterLog (status, error code,
//                     epoch, head, state digest after each step)
//   kind "envelope" : envelope / content decoders on untrusted bytes (fields or error code)
#pragma once

#include <string>
#include <string_view>

namespace parley::vectors {

inline constexpr int kFormatVersion = 1;

// Returns {"kind": K, "results": [{"name", "actual": {...}}, ...]} as JSON text, or
// {"error": "..."} when the file itself is unusable (bad JSON, unknown kind or version).
std::string replay(std::string_view vector_file_json);

}  // namespace parley::vectors
