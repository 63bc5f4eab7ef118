#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The dynamic symbols libparley.so defines are exactly the functions parley.h declares.
# usage: abi_symbols.sh path/to/libparley.so path/to/parley.h
set -euo pipefail
lib=$1 header=$2
declared=$(tr '\n' ' ' <"$header" | grep -oE 'PARLEY_API [^;]*' | grep -oE '\bparley_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
if [ "$declared" != "$exported" ]; then
  echo "libparley.so exports differ from parley.h (< only declared, > only exported):"
  diff <(echo "$declared") <(echo "$exported") || true
  echo "0 passed, 1 failed"
  exit 1
fi
count=$(echo "$exported" | wc -l)
[ "$count" -ge 30 ] || { echo "only $count symbols: header parse broke"; exit 1; }
echo "libparley.so exports exactly the $count parley_* functions of parley.h"
echo "1 passed, 0 failed"
