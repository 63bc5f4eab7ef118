# SPDX-License-Identifier: GPL-3.0-or-later
# The browser build, sourced after common.sh: builds preset "wasm" (its C dependencies come
# from Debian source packages, cached in build/wasm-deps by wasm/deps/build.sh), then runs
# the Node tests (shared vectors, JS API against the real relay) and the Chromium tests.

run_wasm_tests() {
  cd "$PARLEY_ROOT"
  export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs it
  log "configuring and building (wasm, Emscripten)"
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm -j "$(nproc)"
  log "installing the browser-test packages (npm ci; no browser download)"
  (cd wasm/browser-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  log "running the wasm test suites (Node, Chromium)"
  PARLEY_RELAY_BINARY="$PARLEY_BUILD/relay/parley-relay" \
    PARLEY_PEER_BINARY="$PARLEY_BUILD/tests/wasm_peer/parley-test-peer" \
    ctest --preset wasm
}
