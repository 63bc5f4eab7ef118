// SPDX-License-Identifier: GPL-3.0-or-later
// The browser's CSPRNG (crypto.getRandomValues) for the wasm build. Emscripten 3.1.6's
// getentropy() asks for one byte per call (~0.8 MB/s), which halves group-encrypt speed;
// this fills the whole buffer in chunks of the Web Crypto limit instead (~400 MB/s).
#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::crypto {

// Fills `data[0, len)`. 0 on success, -1 if the host has no crypto.getRandomValues.
int browser_random(std::uint8_t* data, std::size_t len);

}  // namespace parley::crypto
