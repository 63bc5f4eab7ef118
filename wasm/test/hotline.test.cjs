// SPDX-License-Identifier: GPL-3.0-or-later
// Incidents and deconfliction notices through the JS API: a native supervisor (tests/wasm_peer)
// and two wasm members, bob (IL) and sam (SY), on the real relay. The SDK decides everything;
// these tests check that JS sees the same state on both sides, the events, and typed errors.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { build } = require('./paths.cjs');
const { startRelay } = require('./relay.cjs');
const { nextEvent } = require('./events.cjs');
const { startPeer } = require('./peer.cjs');
const { init, ParleyError } = require(path.join(build, 'pkg', 'parley.cjs'));


const code = (expected, pattern) => (e) =>
  e instanceof ParleyError && e.code === expected && (!pattern || pattern.test(e.message));

test('incidents and deconfliction notices between two wasm devices', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const supervisor = startPeer(relay.port, 'hl_sup');
  t.after(() => supervisor.stop());
  const parley = await init();
  const open = (user) => parley.openDevice({ path: `/stores/hl-${user}.db`, passphrase: user, user });
  const [bob, sam] = await Promise.all(['hlbob', 'hlsam'].map(open));
  t.after(() => Promise.all([bob.close(), sam.close()]));
  const registered = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'connected')));
  await Promise.all([bob, sam].map((d) => d.connect(relay.url)));
  await registered;
  await supervisor.waitFor((l) => l.event === 'connected');

  const { anchor } = await supervisor.cmd({ cmd: 'info' });
  await Promise.all([bob, sam].map((d) => d.addJoinAnchor(anchor)));
  const joined = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'charterChanged' && e.joined)));
  const { cell } = await supervisor.cmd({ cmd: 'create_cell', name: 'hotline cell',
    members: [{ user: 'hlbob', device: 1, party: 'IL', identityKey: bob.info().identityKey },
      { user: 'hlsam', device: 1, party: 'SY', identityKey: sam.info().identityKey }] });
  await joined;
  assert.equal(bob.cells()[0].supervisorParty, 'US');
  const bobAddress = { user: 'hlbob', device: 1 };
  const samAddress = { user: 'hlsam', device: 1 };

  await t.test('an incident opened by IL and resolved by agreement: same state on both sides', async () => {
    const atSam = nextEvent(sam, (e) => e.type === 'incidentUpdated');
    const id = await bob.openIncident(cell, 'intel', {
      title: 'Shots near the crossing', details: 'Two rounds at 0310', severity: 'high', respondentParty: 'SY',
      location: { lat: 33.0123456, lon: 35.5 },
    }, { precedence: 'immediate' });
    assert.match(id, /^[0-9a-f]{32}$/);
    const opened = await atSam;
    assert.deepEqual([opened.cell, opened.channel, opened.incident, opened.by], [cell, 'intel', id, bobAddress]);
    const [seen] = sam.incidents(cell, 'intel');
    assert.deepEqual([seen.id, seen.state, seen.openerParty, seen.respondentParty, seen.severity, seen.title],
      [id, 'open', 'IL', 'SY', 'high', 'Shots near the crossing']);
    assert.deepEqual(seen.location, { lat: 33.0123456, lon: 35.5, latE7: 330123456, lonE7: 355000000 });

    // What the rules refuse is a typed error, checked before anything is sent.
    await assert.rejects(bob.updateIncident(cell, 'intel', id, { type: 'acknowledge' }), code(111));
    await assert.rejects(bob.openIncident(cell, 'intel', { title: 't', respondentParty: 'US' }), code(1));
    await assert.rejects(bob.openIncident(cell, 'intel', { title: 't', respondentParty: 'XX' }), code(1, /XX/));
    await assert.rejects(bob.openIncident(cell, 'intel', { title: 't', respondentParty: 'SY', severity: 'dire' }),
      code(1, /severity/));
    await assert.rejects(bob.updateIncident(cell, 'intel', id, { type: 'shrug' }), code(1, /type/));
    await assert.rejects(bob.updateIncident(cell, 'intel', '00'.repeat(16), { type: 'comment', text: 'x' }), code(1));
    await assert.rejects(sam.updateIncident(cell, 'intel', id, { type: 'resolve', text: 'over' }), code(1));

    const acked = nextEvent(bob, (e) => e.type === 'incidentUpdated' && e.by.user === 'hlsam');
    await sam.updateIncident(cell, 'intel', id, { type: 'acknowledge' });
    await acked;
    assert.equal(bob.incidents(cell, 'intel')[0].state, 'acknowledged');

    const proposed = nextEvent(sam, (e) => e.type === 'incidentUpdated' && e.by.user === 'hlbob');
    const proposal = await bob.updateIncident(cell, 'intel', id, { type: 'propose', text: 'Joint patrol at dawn' });
    await proposed;
    const [withProposal] = sam.incidents(cell, 'intel');
    assert.deepEqual(withProposal.proposals.map((p) => [p.ref, p.party, p.agreed]),
      [[{ sender: bobAddress, id: proposal }, 'IL', ['IL']]]);

    const resolved = nextEvent(bob, (e) => e.type === 'incidentUpdated' && e.by.user === 'hlsam');
    const agreement = await sam.updateIncident(cell, 'intel', id,
      { type: 'resolve', proposal: withProposal.proposals[0].ref, text: 'Agreed' });
    await resolved;
    const atBob = bob.incidents(cell, 'intel');
    assert.deepEqual(atBob, sam.incidents(cell, 'intel'));
    assert.equal(atBob[0].state, 'resolved');
    assert.deepEqual(atBob[0].resolution, { by: 'agreement', proposal: { sender: bobAddress, id: proposal },
      resolvedBy: { sender: samAddress, id: agreement }, at: atBob[0].resolution.at, text: 'Agreed' });
    assert.deepEqual(Object.keys(atBob[0].acknowledged), ['SY']);
    // Resolved: nothing reopens it; comments are still allowed.
    await assert.rejects(bob.updateIncident(cell, 'intel', id, { type: 'propose', text: 'again' }), code(1, /resolved/));
    await bob.updateIncident(cell, 'intel', id, { type: 'comment', text: 'thanks' });
    // Incident operations are not text posts: history() does not list them.
    assert.deepEqual(sam.history(cell, 'intel'), []);
  });

  await t.test('two overlapping notices raise a conflict on both devices', async () => {
    const policy = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'charterChanged' && !e.joined)));
    await supervisor.cmd({ cmd: 'policy', cell, channel: 'deescalation', read: ['US', 'IL', 'SY'],
      post: ['IL', 'SY'], ackRequired: true, ackDeadlineSeconds: 3600 });
    await policy;
    const hour = 3600 * 1000;
    const start = Date.now() + hour;
    const window = { start, end: start + 2 * hour };
    // A notice only exists to be acknowledged: not on a channel without acknowledgements.
    await assert.rejects(bob.postNotice(cell, 'intel', { area: { circle: { lat: 33, lon: 35.5, radiusM: 5000 } }, window }),
      code(1, /ack_required/));

    const conflicts = Promise.all([bob, sam].map((d) => nextEvent(d, (e) => e.type === 'noticesConflict')));
    const received = nextEvent(sam, (e) => e.type === 'noticeReceived');
    const ilNotice = await bob.postNotice(cell, 'deescalation', {
      area: { circle: { lat: 33.0, lon: 35.5, radiusM: 5000 } }, window, description: 'IL convoy',
    }, { precedence: 'priority' });
    const atSam = await received;
    assert.deepEqual([atSam.id, atSam.party, atSam.precedence, atSam.description, atSam.window],
      [ilNotice, 'IL', 'priority', 'IL convoy', window]);
    assert.deepEqual(atSam.area, { circle: { lat: 33, lon: 35.5, latE7: 330000000, lonE7: 355000000, radiusM: 5000 } });
    const syNotice = await sam.postNotice(cell, 'deescalation', {
      area: { polygon: [{ lat: 33.01, lon: 35.49 }, { lat: 33.01, lon: 35.52 }, { latE7: 329900000, lonE7: 355100000 }] },
      window: { start: start + hour, end: start + 3 * hour }, description: 'SY patrol',
    });
    const [atBob, atSam2] = await conflicts;
    for (const e of [atBob, atSam2]) {
      assert.deepEqual([e.cell, e.channel], [cell, 'deescalation']);
      assert.deepEqual(new Set([e.first.id, e.second.id]), new Set([ilNotice, syNotice]));
      assert.deepEqual(new Set([e.firstParty, e.secondParty]), new Set(['IL', 'SY']));
    }
    assert.deepEqual([atBob.first, atBob.second], [atSam2.first, atSam2.second]);

    // Both hold both notices (bob's conflict came from accepting sam's), each naming the other
    // as its conflict; SY owes IL's an acknowledgement.
    const strip = (list) => list.map(({ acks, mustAcknowledge, ...n }) => n);
    assert.deepEqual(strip(bob.notices(cell, 'deescalation')), strip(sam.notices(cell, 'deescalation')));
    const notices = sam.notices(cell, 'deescalation');
    assert.deepEqual(notices.map((n) => [n.party, n.conflicts.map((c) => c.id)]),
      [['IL', [syNotice]], ['SY', [ilNotice]]]);
    assert.equal(notices[1].area.polygon[2].lat, 32.99);
    assert.deepEqual([notices[0].acks, notices[0].mustAcknowledge], [{ SY: 'pending' }, true]);
    assert.equal(notices[1].mustAcknowledge, false);  // its own
    const ack = nextEvent(bob, (e) => e.type === 'acknowledgement' && e.id === ilNotice);
    await sam.acknowledge(cell, 'deescalation', bobAddress, ilNotice);
    await ack;
    assert.deepEqual(bob.notices(cell, 'deescalation')[0].acks, { SY: 'acknowledged' });
  });

  await t.test('an invalid area or window is a typed error', async () => {
    const window = { start: Date.now(), end: Date.now() + 3600 * 1000 };
    const post = (notice) => bob.postNotice(cell, 'deescalation', { window, description: 'x', ...notice });
    await assert.rejects(post({ area: { circle: { lat: 85, lon: 35, radiusM: 1000 } } }), code(123));
    await assert.rejects(post({ area: { circle: { lat: 33, lon: 35, radiusM: 0 } } }), code(123));
    await assert.rejects(post({ area: { polygon: [{ lat: 33, lon: 35 }, { lat: 33.1, lon: 35 }] } }), code(123));
    await assert.rejects(post({ area: { circle: { lat: 1e6, lon: 35, radiusM: 1000 } } }), code(123, /lat/));
    await assert.rejects(post({ area: { circle: { lat: 33, lon: 35, radiusM: 1000 } }, window: { start: 5, end: 5 } }),
      code(123));
    // Malformed input (not an area at all) is invalid_argument.
    await assert.rejects(post({ area: { square: 1 } }), code(1, /area/));
    await assert.rejects(post({ area: { circle: { lat: '33', lon: 35, radiusM: 1000 } } }), code(1, /lat/));
    await assert.rejects(post({ area: { circle: { lat: 33, lon: 35, radiusM: 1.5 } } }), code(1, /radiusM/));
    await assert.rejects(bob.postNotice(cell, 'deescalation', null), code(1));
    assert.equal(bob.notices(cell, 'deescalation').length, 2);  // nothing was sent
  });
});
