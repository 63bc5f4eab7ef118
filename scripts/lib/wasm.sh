# SPDX-License-Identifier: GPL-3.0-or-later
# The browser build, sourced after common.sh: builds preset "wasm" (its C dependencies come
# from Debian source packages, cached in build/wasm-deps by wasm/deps/build.sh), then runs
# the Node tests (shared vectors, JS API against the real relay) and the Chromium tests.

build_wasm() {
  cd "$PARLEY_ROOT"
  export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs it
  log "configuring and building (wasm, Emscripten)"
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm -j "$(nproc)"
}

run_wasm_tests() {
  build_wasm
  log "installing the browser-test packages (npm ci; no browser download)"
  (cd wasm/browser-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  log "running the wasm test suites (Node, Chromium)"
  PARLEY_RELAY_BINARY="$PARLEY_BUILD/relay/parley-relay" \
    PARLEY_PEER_BINARY="$PARLEY_BUILD/tests/wasm_peer/parley-test-peer" \
    ctest --preset wasm
}

# run_web_demo [PORT]: after build_native, builds the wasm client and runs scripts/lib/web-demo.cjs:
# the relay serves the sample web app on PORT (default 8080; a free port if taken) next to two
# native devices, and ONE URL is printed. With a terminal on stdin it serves until Enter or
# Ctrl-C (state kept in build/web-demo, so the browser finds its cell again next time);
# otherwise (CI, pipes) it checks that the URL serves the page and the wasm, plays the browser
# with the same wasm SDK in Node, and returns.
run_web_demo() {
  local port=${1:-8080} mode=--serve
  [ -t 0 ] || mode=--check
  build_wasm
  node --experimental-websocket "$PARLEY_ROOT/scripts/lib/web-demo.cjs" \
    --relay "$PARLEY_BUILD/relay/parley-relay" --peer "$PARLEY_BUILD/tests/wasm_peer/parley-test-peer" \
    --site "$PARLEY_ROOT/build/wasm/wasm/site" --pkg "$PARLEY_ROOT/build/wasm/wasm/pkg" \
    --state "$PARLEY_ROOT/build/web-demo" --port "$port" "$mode"
}

# run_web_store_bench [COUNT] [HISTORY]: after build_native and build_wasm, the browser store
# benchmark (wasm/bench/store-bench.cjs): post and receive rates of a Chromium device on OPFS vs
# in memory, on an empty store and after HISTORY messages. scripts/test runs it tiny, as a smoke run.
run_web_store_bench() {
  (cd "$PARLEY_ROOT/wasm/browser-tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  PARLEY_RELAY_BINARY="$PARLEY_BUILD/relay/parley-relay" PARLEY_SITE_DIR="$PARLEY_ROOT/build/wasm/wasm/site" \
    NODE_PATH="$PARLEY_ROOT/wasm/browser-tests/node_modules" node "$PARLEY_ROOT/wasm/bench/store-bench.cjs" "$@"
}
