#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fetches the Debian source packages of the wasm build's C dependencies (libsignal-protocol-c,
# libtomcrypt, sqlcipher, libsodium), builds them with Emscripten and installs them into a
# cache prefix. libsodium gives the store's passphrase KDFs (Argon2id, scrypt): libtomcrypt
# has neither.
#
#   wasm/deps/build.sh CACHE_DIR     prints the prefix (include/, lib/) on its last line
#
# The prefix is named after the package versions and a hash of this script, so a second
# build reuses it without touching the network, and a changed recipe or package rebuilds.
# The system's apt configuration is never changed: a private source list and private state
# live under CACHE_DIR/apt.
set -euo pipefail

cache=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
recipe=$(sha256sum <"$here/build.sh" | cut -c1-12)
packages=(libsignal-protocol-c libtomcrypt sqlcipher libsodium)
export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs it

log() { printf '\033[1m==> wasm deps: %s\033[0m\n' "$*" >&2; }

# Reuse a finished prefix of this recipe without asking the network.
for done_marker in "$cache"/*-"$recipe"/.complete; do
  if [ -f "$done_marker" ]; then
    dirname "$done_marker"
    exit 0
  fi
done

# Private apt state: the system's Debian entries, as source entries.
apt_dir=$cache/apt
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$apt_dir/parts/debian-src.sources"
else
  grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$apt_dir/parts/debian-src.list"
fi
apt_opts=(-oDir::Etc::SourceList=/dev/null "-oDir::Etc::SourceParts=$apt_dir/parts"
  "-oDir::State::Lists=$apt_dir/lists" "-oDir::Cache=$apt_dir/cache" -oAPT::Sandbox::User=root -qq)
log "updating the private Debian source index"
apt-get "${apt_opts[@]}" update

versions=()
for pkg in "${packages[@]}"; do
  versions+=("$(apt-cache "${apt_opts[@]}" showsrc "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)")
done
prefix=$cache/signal-${versions[0]}_tomcrypt-${versions[1]}_sqlcipher-${versions[2]}_sodium-${versions[3]}-$recipe
src=$prefix/src
rm -rf "$prefix"
mkdir -p "$src" "$prefix/include" "$prefix/lib"

log "fetching source packages: ${packages[*]}"
for i in "${!packages[@]}"; do
  (cd "$src" && apt-get "${apt_opts[@]}" source --download-only "${packages[$i]}=${versions[$i]}" >/dev/null &&
    dpkg-source -x --no-check "${packages[$i]}"_"${versions[$i]#*:}".dsc "${packages[$i]}" >/dev/null)
done

jobs=${PARLEY_JOBS:-2}

log "building libtomcrypt (emcc)"
(cd "$src/libtomcrypt" &&
  emmake make -j"$jobs" CC=emcc AR=emar RANLIB=emranlib IGNORE_SPEED=1 \
    CFLAGS="-O2 -DLTC_NO_ASM" libtomcrypt.a >build.log 2>&1) || { tail -30 "$src/libtomcrypt/build.log"; exit 1; }
cp "$src/libtomcrypt/libtomcrypt.a" "$prefix/lib/"
cp "$src"/libtomcrypt/src/headers/*.h "$prefix/include/"

log "building libsignal-protocol-c (emcmake)"
(cd "$src/libsignal-protocol-c" &&
  emcmake cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" >build.log 2>&1 &&
  cmake --build build -j"$jobs" >>build.log 2>&1 &&
  cmake --install build >>build.log 2>&1) || { tail -30 "$src/libsignal-protocol-c/build.log"; exit 1; }

log "generating the SQLCipher amalgamation (native tclsh) and compiling it (emcc -Oz)"
(cd "$src/sqlcipher" &&
  ./configure --enable-tempstore=yes --disable-tcl CFLAGS=-DSQLITE_HAS_CODEC LDFLAGS=-lcrypto \
    >build.log 2>&1 &&
  make sqlite3.c >>build.log 2>&1 &&
  # -Oz on this one file saves ~40 % of its size; it is not on the hot path of messaging.
  emcc -Oz -c sqlite3.c -o sqlite3.o -I"$prefix/include" \
    -DSQLITE_HAS_CODEC -DSQLCIPHER_CRYPTO_LIBTOMCRYPT -DSQLITE_OMIT_LOAD_EXTENSION \
    -DSQLITE_THREADSAFE=0 -DSQLITE_TEMP_STORE=2 >>build.log 2>&1 &&
  emar rcs "$prefix/lib/libsqlcipher.a" sqlite3.o) || { tail -30 "$src/sqlcipher/build.log"; exit 1; }
mkdir -p "$prefix/include/sqlcipher"
cp "$src/sqlcipher/sqlite3.h" "$prefix/include/sqlcipher/"

log "building libsodium (emcc, every source file, no assembly, no threads)"
# Debian's libsodium source is the upstream git tree without a generated configure script;
# rather than pull autotools in, compile every file as libsodium's own dist-build/emscripten.sh
# would (no assembly, no CPU-specific code paths: those files compile to nothing), and let the
# linker take what is used (crypto_pwhash_*: the store KDF, sdk/src/crypto/sodium_kdf.cpp).
(cd "$src/libsodium/src/libsodium" &&
  sed -e 's/@VERSION@/'"${versions[3]%%-*}"'/' -e 's/@SODIUM_LIBRARY_VERSION_MAJOR@/10/' \
    -e 's/@SODIUM_LIBRARY_VERSION_MINOR@/3/' -e 's/@SODIUM_LIBRARY_MINIMAL_DEF@//' \
    include/sodium/version.h.in >include/sodium/version.h &&
  find . -name '*.c' | sort | xargs -P"$jobs" -I{} sh -c \
    'emcc -O3 -c -DNATIVE_LITTLE_ENDIAN=1 -DCONFIGURED=1 -Iinclude/sodium -Iinclude "$1" -o "$(echo "$1" | sed "s|^\./||; s|/|_|g; s|\.c$|.o|")"' \
    sh {} >build.log 2>&1 &&
  emar rcs "$prefix/lib/libsodium.a" ./*.o &&
  cp -r include/sodium.h include/sodium "$prefix/include/") || { tail -30 "$src/libsodium/src/libsodium/build.log"; exit 1; }

# Sources are not needed once installed; keep the cache small.
rm -rf "$src"
touch "$prefix/.complete"
log "done: ${prefix#$cache/}"
echo "$prefix"
