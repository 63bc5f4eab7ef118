// SPDX-License-Identifier: GPL-3.0-or-later
// browser_random() on Web Crypto, for the wasm build (see browser_random.hpp for why).
#include <emscripten.h>

#include "crypto/browser_random.hpp"

namespace {

// getRandomValues refuses more than 65,536 bytes per call. The view is taken per chunk
// because memory growth may replace HEAPU8 between calls.
EM_JS(int, parley_fill_random, (std::uint8_t * data, std::size_t len), {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') return -1;
  for (let done = 0; done < len; done += 65536) {
    const n = Math.min(65536, len - done);
    c.getRandomValues(HEAPU8.subarray(data + done, data + done + n));
  }
  return 0;
});

}  // namespace

namespace parley::crypto {

int browser_random(std::uint8_t* data, std::size_t len) {
  if (len == 0) return 0;
  return parley_fill_random(data, len);
}

}  // namespace parley::crypto
