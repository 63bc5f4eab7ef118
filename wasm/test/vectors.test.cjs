// SPDX-License-Identifier: GPL-3.0-or-later
// Replays the shared vector files (tests/vectors/*.json) through the wasm build: every case
// must produce exactly the "expect" the native build recorded and replays
// (tests/vectors/vectors_test.cpp).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { build, vectorsDir } = require('./paths.cjs');

let modulePromise;
function vectorsModule() {
  modulePromise ??= require(path.join(build, 'parley_vectors.cjs'))();
  return modulePromise;
}

async function replay(text) {
  const m = await vectorsModule();
  const size = m.lengthBytesUTF8(text) + 1;
  const input = m._malloc(size);
  m.stringToUTF8(text, input, size);
  const output = m._parley_vectors_replay(input);
  m._free(input);
  const result = m.UTF8ToString(output);
  m._parley_vectors_free(output);
  return JSON.parse(result);
}

for (const name of ['crypto.json', 'charter.json', 'envelope.json']) {
  test(`wasm replays ${name} with the native expectations`, async () => {
    const text = fs.readFileSync(path.join(vectorsDir, name), 'utf8');
    const file = JSON.parse(text);
    const result = await replay(text);
    assert.equal(result.error, undefined);
    assert.equal(result.kind, file.kind);
    assert.ok(file.cases.length > 5);
    assert.equal(result.results.length, file.cases.length);
    file.cases.forEach((c, i) => {
      assert.equal(result.results[i].name, c.name);
      assert.deepEqual(result.results[i].actual, c.expect, c.name);
    });
  });
}

test('wasm replayer refuses a file of an unknown version', async () => {
  const result = await replay('{"format":"parley-vectors","version":2,"kind":"crypto"}');
  assert.match(result.error, /version-1/);
});
