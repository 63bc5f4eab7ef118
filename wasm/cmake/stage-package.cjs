// SPDX-License-Identifier: GPL-3.0-or-later
// `npm pack` in wasm/ runs this first (prepack): it copies the built package files from the
// wasm build (PARLEY_WASM_BUILD, default build/wasm/wasm) into wasm/dist/, which package.json
// publishes: the page's ES module, the SDK's Worker, the Node flavour, the wasm and the types.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const wasmDir = path.resolve(__dirname, '..');
const build = process.env.PARLEY_WASM_BUILD || path.join(wasmDir, '..', 'build', 'wasm', 'wasm');
const files = ['parley.mjs', 'parley-worker.mjs', 'parley_wasm.mjs', 'parley_wasm.wasm', 'parley.cjs',
  'parley_wasm_node.cjs', 'parley_wasm_node.wasm', 'parley.d.ts'];
const dist = path.join(wasmDir, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist);
for (const name of files) {
  const from = path.join(build, 'pkg', name);
  if (!fs.existsSync(from)) {
    console.error(`${from} is missing: build the wasm preset first (cmake --build --preset wasm)`);
    process.exit(1);
  }
  fs.copyFileSync(from, path.join(dist, name));
}
