// SPDX-License-Identifier: GPL-3.0-or-later
// C exports of the test module: the shared vector replayer (tests/vectors/replay.hpp) for
// the Node tests. Strings cross the boundary as NUL-terminated UTF-8 owned by the module.
#include <emscripten.h>

#include <cstdlib>
#include <cstring>

#include "vectors/replay.hpp"

extern "C" {

// Replays one vector file; the result (JSON text) is freed with parley_vectors_free.
EMSCRIPTEN_KEEPALIVE char* parley_vectors_replay(const char* file_json) {
  const std::string result = parley::vectors::replay(file_json ? file_json : "");
  char* out = static_cast<char*>(std::malloc(result.size() + 1));
  if (out) std::memcpy(out, result.c_str(), result.size() + 1);
  return out;
}

EMSCRIPTEN_KEEPALIVE void parley_vectors_free(char* text) { std::free(text); }
}
