// SPDX-License-Identifier: GPL-3.0-or-later
// The JS error and event tables come from the C++ ones (wasm/tools/js_tables.cpp): ErrorCode
// equals PARLEY_ERROR_CODES (read here from error.hpp independently of the generator),
// ParleyError names its code from it, EventTypes has one name per parley::Event alternative,
// and parley.d.ts's ParleyEvent has a member for each.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('./paths.cjs');
const { init, ParleyError, ErrorCode, EventTypes } = require(path.join(build, 'pkg', 'parley.cjs'));

const root = path.resolve(__dirname, '..', '..');
const errorHpp = fs.readFileSync(path.join(root, 'sdk', 'include', 'parley', 'error.hpp'), 'utf8');
const eventsHpp = fs.readFileSync(path.join(root, 'sdk', 'include', 'parley', 'events.hpp'), 'utf8');
const dts = fs.readFileSync(path.join(__dirname, '..', 'js', 'parley.d.ts'), 'utf8');

// Events only the JS layer raises (not SDK events): the IndexedDB fallback's sync failure and
// the events() iterator's overflow marker.
const JS_ONLY_EVENTS = ['storageError', 'eventsDropped'];

test('ErrorCode is PARLEY_ERROR_CODES', () => {
  const table = Object.fromEntries([...errorHpp.matchAll(/^\s*X\((\w+), (\d+), "/gm)].map((m) => [m[1], Number(m[2])]));
  assert.ok(Object.keys(table).length > 40);
  assert.deepEqual({ ...ErrorCode }, table);
  assert.ok(Object.isFrozen(ErrorCode));
  // The .d.ts declares the same names and numbers (the build checks the whole block).
  for (const [name, number] of Object.entries(table)) assert.match(dts, new RegExp(`readonly ${name}: ${number};`));
});

test('ParleyError carries code, codeName and description from the table', () => {
  const e = new ParleyError(ErrorCode.store_wrong_key, 'wrong key');
  assert.ok(e instanceof Error);
  assert.deepEqual([e.name, e.code, e.codeName, e.message], ['ParleyError', 20, 'store_wrong_key', 'wrong key']);
  assert.match(e.description, /passphrase/);
  const bare = new ParleyError(ErrorCode.cell_unknown);
  assert.equal(bare.codeName, 'cell_unknown');
  assert.match(bare.message, /^cell_unknown: /);
  assert.equal(new ParleyError(65535).codeName, 'unknown');
});

test('errors from the SDK are named', async () => {
  const parley = await init();
  const device = await parley.openDevice({ path: '/tables/a.db', passphrase: 'a', user: 'tables' });
  await assert.rejects(device.post('00'.repeat(16), 'intel', 'x'),
    (e) => e instanceof ParleyError && e.code === ErrorCode.cell_unknown && e.codeName === 'cell_unknown');
  await device.close();
  assert.throws(() => device.info(), (e) => e.code === ErrorCode.closed && e.codeName === 'closed');
  await assert.rejects(parley.openDevice({ path: '/tables/a.db', passphrase: 'wrong', user: 'tables' }),
    (e) => e.codeName === 'store_wrong_key');
});

test('EventTypes has one name per parley::Event alternative, and parley.d.ts a member for each', () => {
  const variant = eventsHpp.match(/using Event = std::variant<([^>]*)>;/);
  assert.ok(variant);
  const alternatives = variant[1].split(',').map((s) => s.trim()).filter(Boolean);
  assert.equal(EventTypes.length, alternatives.length);
  assert.equal(new Set(EventTypes).size, EventTypes.length);
  const start = dts.indexOf('export type ParleyEvent =');
  const union = dts.slice(start, dts.indexOf(';\n', dts.indexOf('eventsDropped', start)));
  const declared = new Set([...union.matchAll(/type: '([A-Za-z]+)'/g)].map((m) => m[1]));
  assert.deepEqual([...declared].sort(), [...EventTypes, ...JS_ONLY_EVENTS].sort());
});
