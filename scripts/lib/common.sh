# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by scripts/demo and scripts/test: install what is missing, configure, build.
set -euo pipefail

PARLEY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PARLEY_BUILD=${PARLEY_BUILD:-$PARLEY_ROOT/build/default}

# Debian packages the native build, tests and demo need.
PARLEY_DEBIAN_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libsignal-protocol-c-dev libsqlcipher-dev sqlcipher libssl-dev libsodium-dev
  libboost1.81-dev libflatbuffers-dev flatbuffers-compiler libcli11-dev
  libgtest-dev libbenchmark-dev nlohmann-json3-dev
  clang libclang-rt-14-dev
  emscripten nodejs tcl dpkg-dev chromium  # the wasm build and browser tests (scripts/lib/wasm.sh)
  python3 python3-pytest valgrind  # bindings/python tests, samples check, C ABI under valgrind
  openssl libtomlplusplus-dev  # relay: test certificates (openssl req), the TOML configuration file
  gnuplot-nox nats-server libnats-dev linux-perf strace  # scripts/bench: plots, the JetStream peer, profiles
  libpq-dev postgresql  # relay: storage = postgres, and the PostgreSQL its tests start themselves
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs only the packages that are missing; silent when everything is there.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_native() {
  ensure_packages "${PARLEY_DEBIAN_PACKAGES[@]}"
  cd "$PARLEY_ROOT"
  log "configuring and building (native) in ${PARLEY_BUILD#$PARLEY_ROOT/}"
  cmake --preset default -S "$PARLEY_ROOT" >/dev/null
  cmake --build --preset default -j "$(nproc)"
}

# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a bounded number of
# inputs from a generated seed corpus. A crash or sanitizer report fails the run.
run_fuzz_smoke() {
  local runs=${PARLEY_FUZZ_RUNS:-300000}
  cd "$PARLEY_ROOT"
  log "building the fuzz targets (clang, libFuzzer)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz --target parley_fuzz -j "$(nproc)" >/dev/null
  local dir="$PARLEY_ROOT/build/fuzz/tests/fuzz"
  "$dir/fuzz_make_seeds" "$dir/corpus"
  local passed=0 failed=0
  local targets
  mapfile -t targets <"$dir/targets.txt"
  for target in "${targets[@]}"; do
    if "$dir/fuzz_$target" -runs="$runs" -max_len=8192 "$dir/corpus/$target" >"$dir/$target.log" 2>&1; then
      passed=$((passed + 1)); echo "fuzz $target: $runs inputs, no finding"
    else
      failed=$((failed + 1)); echo "fuzz $target: FAILED (see ${dir#$PARLEY_ROOT/}/$target.log)"; tail -n 30 "$dir/$target.log"
    fi
  done
  echo "fuzz: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
