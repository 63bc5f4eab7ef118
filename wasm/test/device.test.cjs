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
const { nextEvent } = require('./events.cjs');
const { startPeer } = require('./peer.cjs');
const { init, ParleyError } = require(path.join(build, 'pkg', 'parley.cjs'));

// Resolves with the first event that satisfies `match`, or rejects after `ms`.

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

  // A cell: alice supervises, bob is an IL member. Nobody gave bob alice's anchor, so the
  // Welcome is only an invitation until bob accepts it (docs/protocol.md "Joining").
  const invited = nextEvent(bob, (e) => e.type === 'invitationReceived');
  const cell = await alice.createCell({
    name: 'wasm cell',
    members: [{ user: 'bob', device: 1, party: 'IL', role: 'member', identityKey: bob.info().identityKey }],
  });
  const invitation = await invited;
  assert.equal(invitation.cell, cell);
  assert.equal(invitation.name, 'wasm cell');
  assert.deepEqual(invitation.from, { user: 'alice', device: 1 });
  assert.equal(`parley-supervisor:${invitation.supervisorFingerprint}`, alice.supervisorAnchor());
  assert.match(invitation.fingerprintDigits, /^(\d{5} ){5}\d{5}$/);
  assert.deepEqual(bob.cells(), []);
  assert.equal(bob.invitations().length, 1);
  await assert.rejects(bob.addJoinAnchor('parley-cell:00'), (e) => e instanceof ParleyError && e.code === 1);
  const joined = nextEvent(bob, (e) => e.type === 'charterChanged' && e.joined);
  await bob.acceptInvitation(invitation.genesis);
  assert.equal((await joined).cell, cell);
  assert.deepEqual(bob.invitations(), []);
  assert.equal(bob.joinAnchor(cell), alice.joinAnchor(cell));
  const bobCells = bob.cells();
  assert.equal(bobCells.length, 1);
  const intel = bobCells[0].channels.find((c) => c.id === 'intel');
  assert.deepEqual([intel.read, intel.post], [true, true]);
  // The SDK's cell view: genesis and supervisor fingerprint are the anchors, on both devices.
  const view = bobCells[0];
  assert.deepEqual(bob.cell(cell), view);
  assert.equal(`parley-cell:${view.genesis}`, alice.joinAnchor(cell));
  assert.equal(`parley-supervisor:${view.supervisorFingerprint}`, alice.supervisorAnchor());
  assert.equal(view.supervisorFingerprintDigits, invitation.fingerprintDigits);
  assert.deepEqual([view.name, view.party, view.role, view.supervisorParty], ['wasm cell', 'IL', 'member', 'US']);
  assert.deepEqual(view.members.map((m) => [m.user, m.party, m.role]),
    [['alice', 'US', 'supervisor'], ['bob', 'IL', 'member']]);
  assert.deepEqual(view.members[1].devices.map((d) => [d.address, d.identityKey]),
    [[{ user: 'bob', device: 1 }, bob.info().identityKey]]);
  assert.match(view.members[1].devices[0].identityFingerprint, /^[0-9a-f]{64}$/);
  assert.deepEqual(intel.readGrants, [{ kind: 'party', name: 'IL' }, { kind: 'party', name: 'SY' },
    { kind: 'party', name: 'US' }]);
  assert.deepEqual(intel.postGrants, [{ kind: 'party', name: 'IL' }, { kind: 'party', name: 'SY' }]);
  assert.deepEqual(view.pendingProposals, []);
  const own = alice.cell(cell);
  assert.deepEqual([own.party, own.role, own.genesis], ['US', 'supervisor', view.genesis]);
  assert.deepEqual(own.channels.find((c) => c.id === 'intel').post, false);
  assert.throws(() => bob.cell('00'.repeat(16)), (e) => e instanceof ParleyError && e.code === 110);

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

// A native supervisor (tests/wasm_peer) and two wasm members, bob (IL) and sam (SY); the
// supervisor makes `intel` ask for acknowledgements. bob's FLASH post awaits SY; sam
// acknowledges it from JS. The events() iterator sees what the callbacks see.
test('precedence, acknowledgements and the events() iterator', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const supervisor = startPeer(relay.port, 'ack_sup');
  t.after(() => supervisor.stop());
  const parley = await init();
  const open = (user) => parley.openDevice({ path: `/stores/ack-${user}.db`, passphrase: user, user });
  const [bob, sam] = await Promise.all(['bob2', 'sam2'].map(open));
  t.after(() => Promise.all([bob.close(), sam.close()]));
  const samEvents = sam.events();
  // Registered (connected event), not just connected: the supervisor fetches their bundles.
  const registered = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'connected')));
  await Promise.all([bob, sam].map((d) => d.connect(relay.url)));
  await registered;
  await supervisor.waitFor((l) => l.event === 'connected');

  const { anchor } = await supervisor.cmd({ cmd: 'info' });
  await Promise.all([bob, sam].map((d) => d.addJoinAnchor(anchor)));
  const joined = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'charterChanged' && e.joined)));
  const { cell } = await supervisor.cmd({ cmd: 'create_cell', name: 'ack cell',
    members: [{ user: 'bob2', device: 1, party: 'IL', identityKey: bob.info().identityKey },
      { user: 'sam2', device: 1, party: 'SY', identityKey: sam.info().identityKey }] });
  await joined;
  const policy = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'charterChanged' && !e.joined)));
  await supervisor.cmd({ cmd: 'policy', cell, channel: 'intel', read: ['US', 'IL', 'SY'], post: ['IL', 'SY'],
    ackRequired: true, ackDeadlineSeconds: 3600 });
  await policy;
  assert.deepEqual([bob.cells()[0].party, bob.cells()[0].role], ['IL', 'member']);
  const intel = bob.cells()[0].channels.find((c) => c.id === 'intel');
  assert.deepEqual([intel.ackRequired, intel.ackDeadlineSeconds], [true, 3600]);
  await assert.rejects(bob.post(cell, 'intel', 'x', { precedence: 'urgent' }),
    (e) => e instanceof ParleyError && e.code === 1 && /precedence/.test(e.message));

  const atSam = nextEvent(sam, (e) => e.type === 'channelMessage');
  const id = await bob.post(cell, 'intel', 'flash from bob', { precedence: 'flash' });
  assert.equal((await atSam).precedence, 'flash');
  const bobAddress = { user: 'bob2', device: 1 };
  const [entry] = sam.history(cell, 'intel');
  assert.deepEqual([entry.text, entry.precedence, entry.acks, entry.mustAcknowledge],
    ['flash from bob', 'flash', { SY: 'pending' }, true]);
  assert.equal(bob.history(cell, 'intel')[0].mustAcknowledge, false);  // own post: nothing to do

  const atBob = nextEvent(bob, (e) => e.type === 'acknowledgement');
  await sam.acknowledge(cell, 'intel', bobAddress, id);
  const ack = await atBob;
  assert.deepEqual([ack.id, ack.party, ack.by], [id, 'SY', { user: 'sam2', device: 1 }]);
  assert.deepEqual(bob.ackStatus(cell, 'intel', bobAddress, id), { SY: 'acknowledged' });
  assert.deepEqual(sam.history(cell, 'intel').map((m) => [m.text, m.acks, m.mustAcknowledge]),
    [['flash from bob', { SY: 'acknowledged' }, false]]);  // the acknowledgement is no message
  await assert.rejects(sam.acknowledge(cell, 'intel', bobAddress, 'zz'), (e) => e instanceof ParleyError && e.code === 1);

  // The iterator saw what the callbacks saw, in order; break detaches it.
  const seen = [];
  for await (const event of samEvents) {
    seen.push(event.type);
    if (event.type === 'channelMessage') break;
  }
  assert.deepEqual(seen.filter((type) => type !== 'preKeysReplenished').slice(0, 1), ['connected']);
  assert.ok(seen.includes('charterChanged'), seen.join());
  assert.deepEqual(await samEvents.next(), { value: undefined, done: true });

  // An iterator waiting for the next event ends when the device closes.
  const later = sam.events();
  const ended = (async () => { const types = []; for await (const e of later) types.push(e.type); return types; })();
  await sam.close();
  assert.ok(Array.isArray(await ended));
  assert.deepEqual(await sam.events().next(), { value: undefined, done: true });  // closed: ends at once
});

test('events() buffers at most maxBuffered events and reports what it dropped', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const parley = await init();
  const alice = await parley.openDevice({ path: '/stores/it-alice.db', passphrase: 'a', user: 'italice' });
  const bob = await parley.openDevice({ path: '/stores/it-bob.db', passphrase: 'b', user: 'itbob' });
  t.after(() => Promise.all([alice.close(), bob.close()]));
  await Promise.all([alice.connect(relay.url), bob.connect(relay.url)]);
  const events = bob.events({ maxBuffered: 2 });
  assert.throws(() => bob.events({ maxBuffered: 0 }), ParleyError);
  let received = 0;
  const allIn = new Promise((resolve) => bob.onEvent((e) => {
    if (e.type === 'messageReceived' && ++received === 5) resolve();
  }));
  for (let i = 0; i < 5; i += 1) await alice.sendText({ user: 'itbob', device: 1 }, `m${i}`);
  await allIn;
  const first = (await events.next()).value;
  assert.equal(first.type, 'eventsDropped');
  assert.ok(first.count >= 3, JSON.stringify(first));
  const kept = [(await events.next()).value, (await events.next()).value];
  assert.deepEqual(kept.map((e) => e.text), ['m3', 'm4']);
  await events.return();

  // next() calls made before any event arrives settle in call order.
  const fresh = bob.events();
  const pending = [fresh.next(), fresh.next()];
  await alice.sendText({ user: 'itbob', device: 1 }, 'n0');
  await alice.sendText({ user: 'itbob', device: 1 }, 'n1');
  assert.deepEqual((await Promise.all(pending)).map((r) => r.value.text), ['n0', 'n1']);
  await fresh.return();
});
