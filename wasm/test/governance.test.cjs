// SPDX-License-Identifier: GPL-3.0-or-later
// Governing a cell from JS, through the real relay: a wasm supervisor adds and removes members,
// changes roles, creates, restricts and archives channels, answers a wasm party admin's
// proposals, and exports an attested channel's transcript; the SDK refuses what the charter
// does not allow, with named errors.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { build } = require('./paths.cjs');
const { startRelay } = require('./relay.cjs');
const { nextEvent } = require('./events.cjs');
const { init, ParleyError, ErrorCode } = require(path.join(build, 'pkg', 'parley.cjs'));


const named = (codeName) => (e) => e instanceof ParleyError && e.codeName === codeName && e.code === ErrorCode[codeName];

test('a wasm supervisor governs a cell; a wasm party admin proposes', async (t) => {
  const relay = await startRelay();
  t.after(() => relay.stop());
  const parley = await init();
  const open = (user) => parley.openDevice({ path: `/gov/${user}.db`, passphrase: user, user });
  const [sup, admin, carol] = await Promise.all(['sup', 'iladmin', 'carol'].map(open));
  t.after(() => Promise.all([sup, admin, carol].map((d) => d.close())));
  const connected = Promise.all([sup, admin, carol].map((d) => nextEvent(d, (e) => e.type === 'connected')));
  await Promise.all([sup, admin, carol].map((d) => d.connect(relay.url)));
  await connected;
  // Members trust this supervisor's cells (join anchors given out of band).
  await admin.addJoinAnchor(sup.supervisorAnchor());
  await carol.addJoinAnchor(sup.supervisorAnchor());

  const adminJoined = nextEvent(admin, (e) => e.type === 'charterChanged' && e.joined);
  const cell = await sup.createCell({
    name: 'governed',
    members: [{ user: 'iladmin', device: 1, party: 'IL', role: 'party_admin', identityKey: admin.info().identityKey }],
  });
  await adminJoined;
  assert.equal(admin.cell(cell).role, 'party_admin');

  // Channels: create, restrict to IL, check what the admin's SDK says it may do.
  const target = sup.cell(cell).epoch + 2;  // a commit each
  const policyChanged = nextEvent(admin, (e) => e.type === 'charterChanged' && e.epoch === target);
  await sup.createChannel(cell, 'ops', 'Operations');
  await sup.setChannelPolicy(cell, 'ops', {
    readGrants: [{ kind: 'party', name: 'IL' }, { kind: 'party', name: 'US' }],
    postGrants: [{ kind: 'party', name: 'IL' }],
    attested: true,
  });
  await policyChanged;
  const ops = admin.cell(cell).channels.find((c) => c.id === 'ops');
  assert.deepEqual([ops.name, ops.read, ops.post, ops.attested, ops.archived], ['Operations', true, true, true, false]);
  assert.deepEqual(ops.postGrants, [{ kind: 'party', name: 'IL' }]);

  // A party admin may not commit, only propose; the supervisor accepts: carol joins.
  await assert.rejects(admin.addMember(cell, { user: 'carol', party: 'IL', identityKey: carol.info().identityKey }),
    named('charter_not_authorized'));
  const proposed = nextEvent(sup, (e) => e.type === 'proposalReceived');
  const proposal = await admin.propose(cell, {
    add: [{ user: 'carol', device: 1, party: 'IL', role: 'member', identityKey: carol.info().identityKey }],
  });
  assert.match(proposal, /^[0-9a-f]{32}$/);
  const received = await proposed;
  assert.equal(received.id, proposal);
  assert.deepEqual(received.changes, { add: [{ user: 'carol', device: 1, party: 'IL', role: 'member',
    identityKey: carol.info().identityKey }], remove: [], roles: [] });
  const pending = sup.cell(cell).pendingProposals;
  assert.deepEqual(pending.map((p) => [p.id, p.proposer.user, p.changes.add.map((a) => a.user)]),
    [[proposal, 'iladmin', ['carol']]]);
  const carolJoined = nextEvent(carol, (e) => e.type === 'charterChanged' && e.joined);
  const withCarol = sup.cell(cell).epoch + 1;
  const adminSeesCarol = nextEvent(admin, (e) => e.type === 'charterChanged' && e.epoch === withCarol);
  await sup.acceptProposal(cell, proposal);
  await Promise.all([carolJoined, adminSeesCarol]);  // the admin's next proposal names carol
  assert.deepEqual(sup.cell(cell).pendingProposals, []);
  assert.equal(carol.cell(cell).role, 'member');
  // The digits people compare, for any device's fingerprint.
  const view = sup.cell(cell);
  assert.equal(await parley.fingerprintDigits(view.supervisorFingerprint), view.supervisorFingerprintDigits);
  const carolDevice = view.members.find((m) => m.user === 'carol').devices[0];
  assert.match(await parley.fingerprintDigits(carolDevice.identityFingerprint), /^(\d{5} ){5}\d{5}$/);
  await assert.rejects(parley.fingerprintDigits('abc'), named('invalid_argument'));

  // A second proposal, rejected: nothing changes.
  const second = nextEvent(sup, (e) => e.type === 'proposalReceived');
  const roleProposal = await admin.propose(cell, { roles: [{ user: 'carol', role: 'observer' }] });
  await second;
  const epoch = sup.cell(cell).epoch;
  await sup.rejectProposal(cell, roleProposal);
  assert.deepEqual([sup.cell(cell).pendingProposals, sup.cell(cell).epoch], [[], epoch]);
  await assert.rejects(sup.acceptProposal(cell, roleProposal), named('store_not_found'));

  // Roles, then removal.
  await sup.setRole(cell, 'carol', 'observer');
  assert.equal(sup.cell(cell).members.find((m) => m.user === 'carol').role, 'observer');
  await sup.removeMember(cell, { user: 'carol', device: 1 });
  assert.equal(sup.cell(cell).members.find((m) => m.user === 'carol'), undefined);

  // An attested channel's transcript: bytes for parley-verify; a plain channel has none.
  const seen = nextEvent(sup, (e) => e.type === 'channelMessage' && e.channel === 'ops');
  await admin.post(cell, 'ops', 'attested post');
  await seen;
  const transcript = sup.exportTranscript(cell, 'ops');
  assert.ok(transcript instanceof Uint8Array && transcript.length > 100);
  assert.throws(() => sup.exportTranscript(cell, 'intel'), named('hotline_not_attested'));
  // ...and verified offline, from JS as by parley-verify.
  const genesis = sup.cell(cell).genesis;
  const report = await parley.verifyTranscript(transcript, { expectedGenesis: genesis });
  assert.deepEqual([report.cell, report.channel, report.genesis, report.allValid], [cell, 'ops', genesis, true]);
  assert.deepEqual(report.messages.map((m) => [m.verdict, m.ref.sender.user, m.precedence]),
    [['valid', 'iladmin', 'routine']]);
  assert.equal(JSON.stringify(report).includes('attested post'), false);  // never bodies
  await assert.rejects(parley.verifyTranscript(transcript, { expectedGenesis: '00'.repeat(32) }),
    named('hotline_transcript_invalid'));
  const cut = transcript.slice(0, transcript.length - 7);
  await assert.rejects(parley.verifyTranscript(cut), (e) => e instanceof ParleyError && e.code >= 40 && e.code <= 43);

  await sup.renameChannel(cell, 'ops', 'Operations room');
  assert.equal(sup.cell(cell).channels.find((c) => c.id === 'ops').name, 'Operations room');
  await assert.rejects(sup.renameChannel(cell, 'nope', 'Nope'), named('charter_invalid_operation'));
  await sup.archiveChannel(cell, 'ops');
  assert.equal(sup.cell(cell).channels.find((c) => c.id === 'ops').archived, true);
});

test('governance input is checked without aborting the module', async (t) => {
  const parley = await init();
  const d = await parley.openDevice({ path: '/gov/alone.db', passphrase: 'x', user: 'alone' });
  t.after(() => d.close());
  const cell = await d.createCell({ name: 'alone', members: [] });
  await assert.rejects(d.setRole(cell, 'alone', 'king'), named('invalid_argument'));
  await assert.rejects(d.addMember(cell, { user: 'x', party: 'IL' }), named('invalid_argument'));
  await assert.rejects(d.addMember(cell, null), named('invalid_argument'));
  await assert.rejects(d.setChannelPolicy(cell, 'intel', { readGrants: [{ kind: 'planet', name: 'IL' }] }),
    named('invalid_argument'));
  await assert.rejects(d.setChannelPolicy(cell, 'intel', { ackRequired: 'yes' }), named('invalid_argument'));
  await assert.rejects(d.propose(cell, { add: 'carol' }), named('invalid_argument'));
  await assert.rejects(d.acceptProposal(cell, 'zz'), named('invalid_argument'));
  await assert.rejects(d.removeMember('00'.repeat(16), { user: 'x', device: 1 }), named('cell_unknown'));
  await assert.rejects(d.createChannel(cell, 'intel', 'again'), named('charter_invalid_operation'));
  // Still working, and the supervisor's own changes apply.
  await d.createChannel(cell, 'notes', 'Notes');
  assert.ok(d.cell(cell).channels.some((c) => c.id === 'notes' && c.name === 'Notes'));
});
