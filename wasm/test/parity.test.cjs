// SPDX-License-Identifier: GPL-3.0-or-later
// Parity of the JS API with the C ABI (issue 13, "full parity"): every PARLEY_API function of
// bindings/c/include/parley.h has a JS counterpart, or stands on the allow-list below with the
// reason it means nothing in JS. A counterpart must exist in all three places an app meets it:
// parley.d.ts, the in-process API (parley.cjs: Node, and the browser's Worker) and the page's
// proxy (proxy.js forwards DEVICE_CALLS to the Worker). A function added to parley.h without
// either fails here.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('./paths.cjs');

const root = path.resolve(__dirname, '..', '..');
const header = fs.readFileSync(process.env.PARLEY_C_HEADER || path.join(root, 'bindings', 'c', 'include', 'parley.h'), 'utf8');
const dts = fs.readFileSync(path.join(__dirname, '..', 'js', 'parley.d.ts'), 'utf8');
const commonJs = fs.readFileSync(path.join(__dirname, '..', 'js', 'common.js'), 'utf8');
const proxyJs = fs.readFileSync(path.join(__dirname, '..', 'js', 'proxy.js'), 'utf8');

// C function -> its JS counterpart: 'Class.member' (Device, Parley, ParleyError) or a name the
// module exports ('init', 'ErrorCode').
const COUNTERPARTS = {
  parley_status_name: 'ParleyError.codeName',
  parley_status_description: 'ParleyError.description',
  parley_client_open: 'Parley.openDevice',
  parley_client_destroy: 'Device.close',
  parley_client_address: 'Device.info',
  parley_client_identity_key: 'Device.info',
  parley_client_set_event_callback: 'Device.onEvent',
  parley_client_start: 'Device.connect',
  parley_client_stop: 'Device.disconnect',
  parley_client_send_text: 'Device.sendText',
  parley_cell_create: 'Device.createCell',
  parley_cell_add_member: 'Device.addMember',
  parley_cell_remove_member: 'Device.removeMember',
  parley_cell_set_role: 'Device.setRole',
  parley_cell_propose: 'Device.propose',
  parley_cell_accept_proposal: 'Device.acceptProposal',
  parley_cell_reject_proposal: 'Device.rejectProposal',
  parley_client_add_join_anchor: 'Device.addJoinAnchor',
  parley_client_supervisor_anchor: 'Device.supervisorAnchor',
  parley_cell_join_anchor: 'Device.joinAnchor',
  parley_client_accept_invitation: 'Device.acceptInvitation',
  parley_client_decline_invitation: 'Device.declineInvitation',
  parley_client_list_cells: 'Device.cells',
  parley_client_cell_view: 'Device.cell',
  parley_channel_create: 'Device.createChannel',
  parley_channel_archive: 'Device.archiveChannel',
  parley_channel_rename: 'Device.renameChannel',
  parley_channel_set_policy: 'Device.setChannelPolicy',
  parley_channel_post: 'Device.post',
  parley_channel_post_with_precedence: 'Device.post',
  parley_channel_acknowledge: 'Device.acknowledge',
  parley_channel_ack_status: 'Device.ackStatus',
  parley_channel_export_transcript: 'Device.exportTranscript',
  parley_channel_history: 'Device.history',
  parley_incident_open: 'Device.openIncident',
  // One JS call takes every incident operation ({type: 'acknowledge' | 'comment' | ...}).
  parley_incident_acknowledge: 'Device.updateIncident',
  parley_incident_comment: 'Device.updateIncident',
  parley_incident_propose: 'Device.updateIncident',
  parley_incident_resolve: 'Device.updateIncident',
  parley_channel_incidents: 'Device.incidents',
  parley_channel_post_notice: 'Device.postNotice',
  parley_channel_notices: 'Device.notices',
  parley_fingerprint_digits: 'Parley.fingerprintDigits',
  parley_transcript_verify: 'Parley.verifyTranscript',
};

// C functions with no JS meaning, and why.
const NO_JS_MEANING = {
  // The package's version is the JS one (package.json); the wasm module is built with it.
  parley_version: 'library version: the npm package version',
  // C memory management: JS values are garbage-collected copies (close() frees a device).
  parley_buffer_free: 'frees a library-owned C buffer',
  parley_cell_list_free: 'frees a C list',
  parley_cell_view_free: 'frees a C view',
  parley_ack_status_free: 'frees a C list',
  parley_history_free: 'frees a C list',
  parley_incident_list_free: 'frees a C list',
  parley_notice_list_free: 'frees a C list',
  parley_transcript_report_free: 'frees a C report',
  // Accessors of C lists and views: JS gets arrays and objects.
  parley_cell_list_count: 'C list accessor (JS: an array)',
  parley_cell_list_at: 'C list accessor (JS: an array)',
  parley_cell_view_info: 'C view accessor (JS: the object itself)',
  parley_ack_status_count: 'C list accessor (JS: an object)',
  parley_ack_status_at: 'C list accessor (JS: an object)',
  parley_history_count: 'C list accessor (JS: an array)',
  parley_history_at: 'C list accessor (JS: an array)',
  parley_incident_list_count: 'C list accessor (JS: an array)',
  parley_incident_list_at: 'C list accessor (JS: an array)',
  parley_notice_list_count: 'C list accessor (JS: an array)',
  parley_notice_list_at: 'C list accessor (JS: an array)',
  parley_transcript_report_summary: 'C report accessor (JS: the report object)',
  parley_transcript_report_message: 'C report accessor (JS: report.messages)',
  parley_transcript_report_missing: 'C report accessor (JS: report.missing)',
  // Versioned C option structs get their defaults from an init function; JS object literals
  // leave fields out instead.
  parley_client_options_init: 'C struct defaults (JS: openDevice options with defaults)',
  parley_cell_template_init: 'C struct defaults (JS: createCell options)',
  parley_cell_proposal_init: 'C struct defaults (JS: a ProposalInput literal)',
  parley_channel_policy_init: 'C struct defaults (JS: a ChannelPolicyInput literal)',
  parley_new_incident_init: 'C struct defaults (JS: an IncidentInput literal)',
  parley_notice_init: 'C struct defaults (JS: a NoticeInput literal)',
};

// Every `PARLEY_API <type> name(` declaration of the header.
function headerFunctions(text) {
  const names = new Set();
  for (const m of text.matchAll(/^PARLEY_API\s[^;(]*?\b(parley_[a-z0-9_]+)\s*\(/gm)) names.add(m[1]);
  return [...names].sort();
}

// The body of `export class NAME { ... }` in parley.d.ts.
function dtsClass(name) {
  const start = dts.indexOf(`export class ${name} `);
  if (start < 0) return null;
  return dts.slice(start, dts.indexOf('\n}', start));
}

function dtsDeclares(target) {
  const [owner, member] = target.split('.');
  if (!member) return new RegExp(`^export (declare )?(function|const|class) ${owner}\\b`, 'm').test(dts);
  const body = dtsClass(owner);
  return body !== null && new RegExp(`^\\s+(readonly )?${member}[(:?]`, 'm').test(body);
}

// The names DEVICE_CALLS lists in common.js (the calls the page's proxy forwards to the Worker).
function deviceCalls() {
  const m = commonJs.match(/const DEVICE_CALLS = \[([^\]]*)\]/);
  assert.ok(m, 'common.js defines DEVICE_CALLS');
  return new Set([...m[1].matchAll(/'([A-Za-z]+)'/g)].map((x) => x[1]));
}

// The methods the proxy's class `name` defines itself (for Device: those it does not forward unchanged).
function proxyOwnMethods(name = 'Device') {
  const start = proxyJs.indexOf(`class ${name} {`);
  const body = proxyJs.slice(start, proxyJs.indexOf('\n}', start));
  return new Set([...body.matchAll(/^ {2}(?:async )?([a-zA-Z]+)\(/gm)].map((x) => x[1]));
}

test('parley.h lists the functions this test knows', () => {
  const fns = headerFunctions(header);
  assert.ok(fns.length > 50, `found only ${fns.length} PARLEY_API functions: the header parser broke`);
  const unmapped = fns.filter((f) => !(f in COUNTERPARTS) && !(f in NO_JS_MEANING));
  assert.deepEqual(unmapped, [], 'C functions without a JS counterpart (add one, or explain on NO_JS_MEANING why none)');
  const both = fns.filter((f) => f in COUNTERPARTS && f in NO_JS_MEANING);
  assert.deepEqual(both, [], 'on both lists');
  const stale = [...Object.keys(COUNTERPARTS), ...Object.keys(NO_JS_MEANING)].filter((f) => !fns.includes(f));
  assert.deepEqual(stale, [], 'listed here but no longer in parley.h');
});

test('every counterpart is declared in parley.d.ts', () => {
  const missing = Object.entries(COUNTERPARTS).filter(([, js]) => !dtsDeclares(js)).map(([c, js]) => `${c} -> ${js}`);
  assert.deepEqual(missing, [], 'counterparts missing from parley.d.ts');
});

test('every counterpart exists in the built API and reaches the browser Worker', async (t) => {
  const api = require(path.join(build, 'pkg', 'parley.cjs'));
  const parley = await api.init();
  const device = await parley.openDevice({ path: '/parity/device.db', passphrase: 'parity', user: 'parity' });
  t.after(() => device.close());
  const instances = { Device: device, Parley: parley, ParleyError: new api.ParleyError(api.ErrorCode.invalid_argument) };
  const calls = deviceCalls();
  const proxyOwn = proxyOwnMethods();
  const missing = [];
  for (const [c, js] of Object.entries(COUNTERPARTS)) {
    const [owner, member] = js.split('.');
    if (!member) {
      if (!(owner in api)) missing.push(`${c} -> ${js} (not exported by parley.cjs)`);
      continue;
    }
    const value = instances[owner][member];
    if (value === undefined) missing.push(`${c} -> ${js} (not in the in-process API)`);
    if (owner === 'Device' && typeof value !== 'function') missing.push(`${c} -> ${js} (not a method)`);
    if (owner === 'Parley' && !proxyOwnMethods('Parley').has(member))
      missing.push(`${c} -> ${js} (not in the browser proxy's Parley, proxy.js)`);
    if (owner === 'Device' && !calls.has(member) && !proxyOwn.has(member))
      missing.push(`${c} -> ${js} (the browser proxy does not forward it: DEVICE_CALLS in common.js)`);
  }
  assert.deepEqual(missing, []);
});

test('the d.ts Device, the in-process Device and the browser proxy agree', async (t) => {
  const api = require(path.join(build, 'pkg', 'parley.cjs'));
  const parley = await api.init();
  const device = await parley.openDevice({ path: '/parity/agree.db', passphrase: 'parity', user: 'agree' });
  t.after(() => device.close());
  const declared = [...dtsClass('Device').matchAll(/^ {2}([a-zA-Z]+)\(/gm)].map((m) => m[1]);
  assert.ok(declared.length > 20);
  const calls = deviceCalls();
  const proxyOwn = proxyOwnMethods();
  const problems = [];
  for (const name of declared) {
    if (typeof device[name] !== 'function') problems.push(`${name}: declared, not in core.js`);
    if (!calls.has(name) && !proxyOwn.has(name)) problems.push(`${name}: declared, not forwarded by proxy.js`);
  }
  for (const name of calls) if (!declared.includes(name)) problems.push(`${name}: forwarded, not declared`);
  assert.deepEqual(problems, []);
});
