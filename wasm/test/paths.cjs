// SPDX-License-Identifier: GPL-3.0-or-later
// Where the Node tests find the wasm build and the shared vectors (set by ctest).
'use strict';
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
module.exports = {
  build: process.env.PARLEY_WASM_BUILD || path.join(root, 'build', 'wasm', 'wasm'),
  vectorsDir: process.env.PARLEY_VECTORS_DIR || path.join(root, 'tests', 'vectors'),
};
