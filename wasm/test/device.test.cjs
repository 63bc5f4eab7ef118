// SPDX-License-Identifier: GPL-3.0-or-later
// The JS API (CommonJS flavour) over the wasm SDK against the real relay: two wasm devices
// register, exchange messages both ways, build a cell and post on a channel; typed errors
// and close() behave as documented.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { build } = require('./paths.cjs');
const { startRelay } = require('./relay.cjs');
const { init, ParleyError } = require(path.join(build, 'pkg', 'parley.cjs'));

// Resolves with the first event that satisfies `match`, or rejects after `ms`.
function nextEvent(device, match, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error('timed out waiting for an event')); }, ms);
    const off = device.onEvent((event) => {
      if (match(event)) { clearTimeout(timer); off(); resolve(event); }
    });
  });
}

test('two wasm devices talk through the real relay', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const parley = await init();
  const alice = await parley.openDevice({ path: '/stores/alice.db', passphrase: 'a pass', user: 'alice' });
  const bob = await parley.openDevice({ path: '/stores/bob.db', passphrase: 'b pass', user: 'bob' });
  t.after(() => Promise.all([alice.close(), bob.close()]));
  assert.equal(alice.info().identityKey.length, 66);

  const connected = Promise.all([nextEvent(alice, (e) => e.type === 'connected'),
    nextEvent(bob, (e) => e.type === 'connected')]);
  await Promise.all([alice.connect(relay.url), bob.connect(relay.url)]);
  await connected;

  const atBob = nextEvent(bob, (e) => e.type === 'messageReceived');
  const sent = nextEvent(alice, (e) => e.type === 'messageSent');
  const id = await alice.sendText({ user: 'bob', device: 1 }, 'hello bob, from wasm');
  assert.match(id, /^[0-9a-f]{32}$/);
  const received = await atBob;
  assert.equal(received.text, 'hello bob, from wasm');
  assert.deepEqual(received.sender, { user: 'alice', device: 1 });
  assert.equal(received.id, id);
  assert.equal((await sent).id, id);

  const atAlice = nextEvent(alice, (e) => e.type === 'messageReceived');
  await bob.sendText({ user: 'alice', device: 1 }, 'hello alice');
  assert.equal((await atAlice).text, 'hello alice');

  // A cell: alice supervises, bob is an IL member; the charter reaches bob, then a post.
  const joined = nextEvent(bob, (e) => e.type === 'charterChanged' && e.joined);
  const cell = await alice.createCell({
    name: 'wasm cell',
    members: [{ user: 'bob', device: 1, party: 'IL', role: 'member', identityKey: bob.info().identityKey }],
  });
  assert.equal((await joined).cell, cell);
  const bobCells = bob.cells();
  assert.equal(bobCells.length, 1);
  const intel = bobCells[0].channels.find((c) => c.id === 'intel');
  assert.deepEqual([intel.read, intel.post], [true, true]);

  const posted = nextEvent(alice, (e) => e.type === 'channelMessage');
  await bob.post(cell, 'intel', 'channel message from bob');
  const message = await posted;
  assert.equal(message.text, 'channel message from bob');
  assert.equal(message.channel, 'intel');
  assert.deepEqual(alice.history(cell, 'intel').map((m) => m.text), ['channel message from bob']);
});

test('errors are ParleyErrors with code and message; closed devices refuse calls', async () => {
  const parley = await init();
  const device = await parley.openDevice({ path: '/stores/carol.db', passphrase: 'c', user: 'carol' });
  await assert.rejects(device.post('00'.repeat(16), 'intel', 'x'), (e) =>
    e instanceof ParleyError && e.code > 0 && /cell/i.test(e.message));
  await assert.rejects(device.sendText({ user: '', device: 1 }, 'x'), ParleyError);
  // Malformed options are errors, not aborts: the module keeps working afterwards.
  await assert.rejects(device.createCell({ members: 5 }), (e) => e instanceof ParleyError && e.code === 1);
  await assert.rejects(device.createCell({ members: [{ user: 'dan', device: 'one', identityKey: 'zz' }] }),
    (e) => e instanceof ParleyError && e.code === 1);
  assert.equal(device.info().user, 'carol');
  await device.close();
  await device.close();  // idempotent
  assert.throws(() => device.info(), (e) => e instanceof ParleyError && e.code === 89);
  // Wrong passphrase on an existing store: store_wrong_key (20).
  await assert.rejects(parley.openDevice({ path: '/stores/carol.db', passphrase: 'wrong', user: 'carol' }),
    (e) => e instanceof ParleyError && e.code === 20);
});
