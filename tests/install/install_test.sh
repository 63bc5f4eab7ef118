#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs this build into a temporary prefix, then builds applications outside the tree
# against it: with find_package(Parley) (shared C, static C++) and with pkg-config.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/parley.h include/parley/client.hpp lib/libparley.a lib/libparley.so lib/pkgconfig/parley.pc \
         lib/cmake/Parley/ParleyConfig.cmake; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; echo "0 passed, 1 failed"; exit 1; }
done

check() {  # name, expected output, command...
  local name=$1 expected=$2; shift 2
  local out
  if out=$("$@" 2>&1) && [[ $out == *"$expected"* ]]; then
    echo "ok: $name"; passed=$((passed + 1))
  else
    echo "FAILED: $name: $out"; failed=$((failed + 1))
  fi
}
passed=0 failed=0

cmake -S "$src/tests/install/consumer" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DPARLEY_SAMPLES="$src/samples" >/dev/null
cmake --build "$work/cmake" -j 2 >/dev/null
check "find_package C consumer runs" "parley 0.1.0" "$work/cmake/c_consumer" --version
check "it loads the installed libparley.so" "$prefix/lib/libparley.so.0" ldd "$work/cmake/c_consumer"
check "find_package C++ consumer (static) runs" "usage:" bash -c "'$work/cmake/cpp_consumer'; true"
check "find_package verifier (static) refuses a file that is no transcript" "parley-verify: refused:" \
  bash -c "'$work/cmake/verify_consumer' '$src/README.md'; [ \$? -eq 2 ]"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
cc -std=c11 -o "$work/pc_consumer" "$src/samples/c/join_and_post.c" $(pkg-config --cflags --libs parley) -lpthread
check "pkg-config C consumer runs" "parley 0.1.0" env LD_LIBRARY_PATH="$prefix/lib" "$work/pc_consumer" --version
# shellcheck disable=SC2046
c++ -o "$work/pc_static" -x c "$src/samples/c/join_and_post.c" -x none \
  $(pkg-config --static --cflags parley) "$prefix/lib/libparley.a" $(pkg-config --static --libs-only-l parley | sed 's/-lparley//')
check "pkg-config --static C consumer runs without libparley.so" "parley 0.1.0" "$work/pc_static" --version
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
