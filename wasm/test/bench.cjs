// SPDX-License-Identifier: GPL-3.0-or-later
// node wasm/test/bench.cjs [MESSAGES] [SIZE]: wasm channel encrypt/decrypt speed, the same
// code as the native parley_channel_bench. Not part of the test run.
'use strict';
const path = require('node:path');
const { build } = require('./paths.cjs');

(async () => {
  const messages = Number(process.argv[2] || 5000);
  const size = Number(process.argv[3] || 1024);
  const m = await require(path.join(build, 'parley_bench.cjs'))();
  const out = m._malloc(8);
  const encrypt = m._parley_channel_bench(messages, size, out);
  const decrypt = m.HEAPF64[out >> 3];
  if (encrypt < 0) process.exit(1);
  console.log(`wasm (node): ${messages} x ${size} B: encrypt ${encrypt.toFixed(0)}/s, decrypt ${decrypt.toFixed(0)}/s`);
})();
