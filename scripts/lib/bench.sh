# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/bench and the smoke run in scripts/test: run every benchmark, collect their result
# lines (R: SDK figures, L: relay/NATS figures, S: series, E: errors, P: phase marks) and write
# the report with scripts/lib/bench_report.py. Nothing here asserts a speed.

# run_benchmarks BUILD_DIR WORK_DIR MODE(full|smoke) -> WORK_DIR/results.tsv
run_benchmarks() {
  local build=$1 work=$2 mode=$3
  local bin=$build/tests/bench
  local results=$work/results.tsv
  mkdir -p "$work"
  : >"$results"
  local shm=/dev/shm/parley-bench-$$
  [ -d /dev/shm ] || shm=$work/shm
  local smoke=()
  [ "$mode" = smoke ] && smoke=(--smoke)

  # --- SDK: the whole engine vs raw libsignal-protocol-c ---
  log "bench: SDK figures (whole engine vs raw libsignal-protocol-c)"
  local cells=10,100
  [ "$mode" = full ] && cells=${PARLEY_BENCH_CELLS:-10,100,300,1024}
  local t0=$SECONDS
  "$bin/parley_sdk_bench" "${smoke[@]}" --cells "$([ "$mode" = smoke ] && echo 4 || echo "$cells")" \
    --disk "$work/disk" --tmpfs "$shm" >>"$results" || { rm -rf "$shm"; return 1; }
  log "bench: SDK end to end (parley::Client over a real relay)"
  local posts=1000
  [ "$mode" = smoke ] && posts=10
  "$bin/parley_client_bench" "$posts" "$work/client-disk" disk >>"$results" || { rm -rf "$shm"; return 1; }
  "$bin/parley_client_bench" "$posts" "$shm/client" tmpfs >>"$results" || { rm -rf "$shm"; return 1; }
  echo "T	sdk	$((SECONDS - t0))" >>"$results"
  rm -rf "$shm" "$work/disk" "$work/client-disk"

  # --- relay load vs NATS JetStream ---
  local seconds=5 light_seconds=5 idle=1000 backlog=100000
  local -a runs=("10 1" "10 10" "100 1" "100 10" "100 100" "1000 1" "1000 10" "1000 100")
  if [ "$mode" = smoke ]; then
    seconds=0.5 light_seconds=0.5 idle=20 backlog=200
    runs=("10 1" "10 10")
  fi
  t0=$SECONDS
  log "bench: relay load (parley-relay, loopback)"
  local run
  for run in "${runs[@]}"; do
    set -- $run
    "$bin/parley_relay_load" --data "$work/relay" throughput "$1" "$2" "$seconds" >>"$results" || return 1
  done
  "$bin/parley_relay_load" --data "$work/relay" light 100 "$light_seconds" >>"$results" || return 1
  "$bin/parley_relay_load" --data "$work/relay" idle "$idle" >>"$results" || return 1
  "$bin/parley_relay_load" --data "$work/relay" drain "$backlog" 10 >>"$results" || return 1
  rm -rf "$work/relay" "$work/relay.log"
  echo "T	relay	$((SECONDS - t0))" >>"$results"

  t0=$SECONDS
  if [ -x "$bin/parley_nats_load" ] && command -v nats-server >/dev/null; then
    log "bench: the same load on NATS JetStream (file storage)"
    for run in "${runs[@]}"; do
      set -- $run
      with_nats "$work" "$bin/parley_nats_load" "$1" "$2" "$seconds" 1000 >>"$results" || return 1
    done
    with_nats "$work" "$bin/parley_nats_load" 100 1 "$light_seconds" 1 >>"$results" || return 1
  else
    echo "E	nats	all	nats-server or libnats-dev missing: no peer figures" >>"$results"
  fi
  echo "T	nats	$((SECONDS - t0))" >>"$results"

  if [ "$mode" = full ]; then profile_engine "$bin" "$work" "$results"; fi
  return 0
}

# with_nats WORK COMMAND ARGS...: a fresh nats-server -js on a free loopback port for one run;
# the URL is passed as the command's first argument.
with_nats() {
  local work=$1
  shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/nats"
  mkdir -p "$work/nats"
  nats-server -js -sd "$work/nats" -a 127.0.0.1 -p "$port" >"$work/nats.log" 2>&1 &
  local pid=$!
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  local status=0
  timeout 120 "$1" "nats://127.0.0.1:$port" "${@:2}" || status=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  rm -rf "$work/nats"
  return $status
}

# perf report as a plain table: no comments, no call graph, columns squeezed.
perf_table() {
  local data=$1
  shift
  perf report -i "$data" --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' |
    sed -E 's/ +- +- *$//; s/ {2,}/  /g' || true
}

# What bounds the engine's post/receive path: a CPU profile (perf, else callgrind) and the
# number of fdatasync calls (one per store transaction: WAL with synchronous=FULL) per message.
profile_engine() {
  local bin=$1 work=$2 results=$3
  log "bench: profiling the engine's post/receive path"
  local shm=/dev/shm/parley-bench-prof-$$
  # Flat profile (frame pointers are enough), then inclusive time per engine function from
  # DWARF call graphs (the Debian libraries have no frame pointers) on a smaller run.
  if perf record -e cpu-clock -F 999 -o "$work/perf.data" -- \
       "$bin/parley_sdk_bench" --profile --backlog 2000 --tmpfs "$shm" >"$work/profile.tsv" 2>/dev/null; then
    perf_table "$work/perf.data" --sort dso | head -12 >"$work/profile_dso.txt" || true
    perf_table "$work/perf.data" --sort dso,symbol | head -30 >"$work/profile_symbols.txt" || true
    if perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$work/perf-dwarf.data" -- \
         "$bin/parley_sdk_bench" --profile --backlog 300 --tmpfs "$shm" >/dev/null 2>&1; then
      perf_table "$work/perf-dwarf.data" --children --sort symbol |
        grep -E 'parley::(engine|store|pairwise|cells|charter|envelope)::|sqlite3_step|sqlcipher_page_cipher|group_cipher_|session_cipher_|fdatasync|pwrite|pread' |
        head -45 >"$work/profile_children.txt" || true
    fi
    rm -f "$work/perf-dwarf.data"
  else
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
      "$bin/parley_sdk_bench" --profile --backlog 200 --tmpfs "$shm" >"$work/profile.tsv" 2>/dev/null || true
    { callgrind_annotate --inclusive=no "$work/callgrind.out" 2>/dev/null | head -60 >"$work/profile_symbols.txt"; } || true
  fi
  rm -rf "$shm" "$work/perf.data"
  # Store transactions: fdatasync/fsync calls on a disk store, per phase (strace -ttt).
  strace -f -ttt -e trace=fdatasync,fsync,pwrite64 -o "$work/strace.txt" \
    "$bin/parley_sdk_bench" --profile --backlog 300 --tmpfs "$work/strace-disk" >"$work/strace_phases.tsv" 2>/dev/null || true
  rm -rf "$work/strace-disk"
}
