// SPDX-License-Identifier: GPL-3.0-or-later
// The browser part of scripts/demo and scripts/web-demo (run through run_web_demo in
// scripts/lib/wasm.sh). It starts the relay serving the sample web app, and two native
// devices (tests/wasm_peer): us_sup.1, the supervisor of the seeds' cell, and sy_officer.1,
// its SY member. It prints ONE URL. A browser that opens it and logs in as il_officer asks
// us_sup.1 (an end-to-end-encrypted pairwise message carrying its identity key: the page's
// ?join= parameter) to be added; the supervisor then puts it in the cell as IL, makes
// "Military de-escalation" ask for acknowledgements, and sy_officer.1 posts a FLASH report
// there for IL to acknowledge. sy_officer.1 acknowledges for SY what the browser posts there
// (a scripted stand-in for a person), and this script prints what the native side sees.
//
// The identity key arrives through the relay (trust on first use): fine for a demo on
// loopback; real cells compare identity keys out of band before they are put in a charter.
//
//   node --experimental-websocket web-demo.cjs --relay BIN --peer BIN --site DIR --pkg DIR
//        --port N --state DIR (--serve | --check)
//
// --serve: serves until Enter, Ctrl-C or SIGTERM; the state (relay storage, both native
//   devices, the cell) stays in --state, so a browser that logged in before finds its cell
//   again next time.
// --check (CI, pipes): fresh temporary state; fetches the page and the wasm from the URL, then
//   plays the browser with the same wasm SDK in Node (join, receive the FLASH report,
//   acknowledge it, post FLASH, see SY acknowledge), and exits 0 only if all of it worked.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = {};
for (let i = 2; i < process.argv.length; i += 1) {
  const name = process.argv[i].replace(/^--/, '');
  if (name === 'serve' || name === 'check') args.mode = name;
  else args[name] = process.argv[++i];
}
process.env.PARLEY_RELAY_BINARY = args.relay;
process.env.PARLEY_PEER_BINARY = args.peer;
const root = path.resolve(__dirname, '..', '..');
const { startRelay } = require(path.join(root, 'wasm', 'test', 'relay.cjs'));
const { startPeer } = require(path.join(root, 'wasm', 'test', 'peer.cjs'));

const USER = 'il_officer';
const CHANNEL = 'deescalation';
const say = (text) => console.log(`  [native] ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const check = args.mode === 'check';
  const state = check ? fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-demo-')) : args.state;
  fs.mkdirSync(state, { recursive: true });
  const stopAll = [];
  const shutdown = (code) => {
    for (const stop of stopAll.reverse()) { try { stop(); } catch (e) { /* already gone */ } }
    if (check) fs.rmSync(state, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  try {
    const url = await run(state, stopAll, check);
    if (check) {
      await selfCheck(url);
      console.log('The browser client works (self-check passed); the demo stops here because stdin is not a terminal.');
      shutdown(0);
    } else {
      console.log('Press Enter (or Ctrl-C) to stop the relay and the native devices.');
      process.stdin.resume();
      process.stdin.once('data', () => shutdown(0));
      process.stdin.once('end', () => shutdown(0));
    }
  } catch (error) {
    console.error(`web demo failed: ${error.stack || error}`);
    shutdown(1);
  }
}

async function run(state, stopAll, check) {
  const relayArgs = ['--static', args.site];
  const data = path.join(state, 'relay');
  let relay;
  try {
    relay = await startRelay(relayArgs, { listen: `127.0.0.1:${args.port || 0}`, data });
  } catch (error) {
    if (!Number(args.port)) throw error;
    console.log(`(port ${args.port} is not available: using a free one)`);
    relay = await startRelay(relayArgs, { listen: '127.0.0.1:0', data });
  }
  stopAll.push(() => relay.stop());
  const us = startPeer(relay.port, 'us_sup', 1, { dir: path.join(state, 'us_sup') });
  stopAll.push(() => us.stop());
  const sy = startPeer(relay.port, 'sy_officer', 1, { dir: path.join(state, 'sy_officer') });
  stopAll.push(() => sy.stop());
  await us.waitFor((l) => l.event === 'connected');
  await sy.waitFor((l) => l.event === 'connected');

  const cellFile = path.join(state, 'cell.json');
  const cell = fs.existsSync(cellFile) ? JSON.parse(fs.readFileSync(cellFile, 'utf8')) : { id: null, members: {} };
  const texts = new Map();  // message id -> text, for what sy_officer.1 prints
  const { identityKey: syKey } = await sy.cmd({ cmd: 'info' });
  // Members are told the supervisor's join anchor out of band: sy_officer here, the browser in its link.
  const { anchor: usAnchor } = await us.cmd({ cmd: 'info' });
  await sy.cmd({ cmd: 'add_join_anchor', anchor: usAnchor });

  // sy_officer.1 waits for the charter epoch that `change` produces, then posts the report.
  async function afterChange(change) {
    const mark = sy.lines.length;
    await change();
    await sy.waitFor((l) => l.event === 'charterChanged' && l.cell === cell.id, { from: mark, ms: 30000 });
  }
  async function postReport() {
    const text = 'Patrol 7 crosses checkpoint 4 at 06:00. IL: acknowledge within 10 minutes.';
    const { id } = await sy.cmd({ cmd: 'post', cell: cell.id, channel: CHANNEL, text, precedence: 'flash' });
    texts.set(id, text);
    say(`sy_officer.1 posted a FLASH report on "Military de-escalation" that IL must acknowledge: "${text}"`);
  }

  // The supervisor's side of ?join=: add the asking device as IL (creating the cell first).
  async function onJoin(from, key) {
    const [user, number] = from.split('.');
    if (user === 'us_sup' || user === 'sy_officer') return;
    if (cell.members[from] === key) {
      say(`${from} is back; it is already in the cell`);
      return postReport();
    }
    if (cell.members[from]) {
      say(`${from} asked with a NEW identity key (browser storage cleared?). The charter binds ${from} to its old ` +
        'key: log in with another device number or user name, or delete the demo state folder.');
      return undefined;
    }
    const member = { user, device: Number(number), party: 'IL', role: 'member', identityKey: key };
    if (!cell.id) {
      await afterChange(async () => {
        const { cell: id } = await us.cmd({ cmd: 'create_cell', name: 'IL-SY coordination (demo)',
          members: [member, { user: 'sy_officer', device: 1, party: 'SY', role: 'member', identityKey: syKey }] });
        cell.id = id;
      });
      await afterChange(() => us.cmd({ cmd: 'policy', cell: cell.id, channel: CHANNEL, read: ['US', 'IL', 'SY'],
        post: ['IL', 'SY'], ackRequired: true, ackDeadlineSeconds: 3600 }));
      say(`us_sup.1 created the cell with ${from} (IL) and sy_officer.1 (SY); "Military de-escalation" requires acknowledgements`);
    } else {
      await afterChange(() => us.cmd({ cmd: 'add_member', cell: cell.id, ...member }));
      say(`us_sup.1 added ${from} to the cell (IL)`);
    }
    cell.members[from] = key;
    fs.writeFileSync(cellFile, JSON.stringify(cell));
    return postReport();
  }
  let joins = Promise.resolve();  // one join at a time
  const onSupervisorLine = (line) => {
    if (line.event !== 'message') return;
    let request = null;
    try { request = JSON.parse(line.text); } catch (e) { /* an ordinary text */ }
    if (!request || !/^05[0-9a-f]{64}$/.test(String(request.join))) return;
    joins = joins.then(() => onJoin(line.from, request.join)).catch((e) => say(`join failed: ${e.message}`));
  };
  us.lines.forEach(onSupervisorLine);  // a request that waited at the relay came in already
  us.onLine(onSupervisorLine);

  // sy_officer.1: acknowledges for SY what IL posts on the channel, and reports what it sees.
  sy.onLine((line) => {
    if (line.event === 'channelMessage' && line.channel === CHANNEL && line.from !== 'sy_officer.1') {
      texts.set(line.id, line.text);
      say(`sy_officer.1 received ${line.precedence.toUpperCase()} "${line.text}" from ${line.from}; acknowledging for SY in 2 s`);
      sleep(2000).then(() => sy.cmd({ cmd: 'acknowledge', cell: line.cell, channel: CHANNEL, sender: line.from, id: line.id }))
        .catch((e) => say(`acknowledge failed: ${e.message}`));
    } else if (line.event === 'acknowledgement' && line.party !== 'SY') {
      say(`sy_officer.1 sees: ${line.party} acknowledged (device ${line.by}) "${texts.get(line.id) || line.id}"`);
    } else if (line.event === 'overdue') {
      say(`sy_officer.1 sees: ${line.party} let "${texts.get(line.id) || line.id}" go overdue`);
    }
  });
  if (cell.id) say(`the cell from the last run is back (members: ${Object.keys(cell.members).join(', ')})`);

  const url = `http://127.0.0.1:${relay.port}/?user=${USER}&join=us_sup.1&anchor=${encodeURIComponent(usAnchor)}`;
  console.log('');
  console.log(`Log in as ${USER} with a passphrase of your choice (it encrypts this browser's store), wait for`);
  console.log('the cell, open "Military de-escalation", acknowledge the FLASH report, post with a precedence.');
  console.log(`Browser client: ${url}`);
  console.log('');
  return url;
}

// Plays the browser with the same package in Node: what a person does on the page.
async function selfCheck(url) {
  const base = url.replace(/\?.*$/, '');
  const page = await fetch(base);
  const html = await page.text();
  if (page.status !== 200 || !html.includes('<title>Parley</title>')) throw new Error(`GET ${base}: ${page.status}`);
  for (const file of ['app.js', 'pkg/parley.mjs', 'pkg/parley-worker.mjs', 'pkg/parley_wasm.mjs']) {
    const r = await fetch(base + file);
    if (r.status !== 200) throw new Error(`GET ${base}${file}: ${r.status}`);
  }
  const wasm = await fetch(`${base}pkg/parley_wasm.wasm`);
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  if (wasm.headers.get('content-type') !== 'application/wasm' || bytes[0] !== 0 || bytes[1] !== 0x61)
    throw new Error(`GET ${base}pkg/parley_wasm.wasm: ${wasm.status} ${wasm.headers.get('content-type')}`);
  console.log(`self-check: the URL serves the page, the JS and the wasm (${bytes.length} bytes, application/wasm)`);

  const { init } = require(path.join(args.pkg, 'parley.cjs'));
  const parley = await init();
  const device = await parley.openDevice({ path: `/demo/${USER}.1.db`, passphrase: 'self-check', user: USER });
  const events = device.events();
  // next() by hand: leaving a for-await loop early would end the iterator (return()).
  const until = async (match, what) => {
    const timer = setTimeout(() => events.return(), 60000);
    for (let r = await events.next(); !r.done; r = await events.next()) {
      if (match(r.value)) { clearTimeout(timer); return r.value; }
    }
    throw new Error(`self-check: no ${what} within 60 s`);
  };
  try {
    await device.addJoinAnchor(new URL(url).searchParams.get('anchor'));
    await device.connect(base.replace(/^http/, 'ws'));
    await device.sendText({ user: 'us_sup', device: 1 }, JSON.stringify({ join: device.info().identityKey }));
    const report = await until((e) => e.type === 'channelMessage' && e.channel === CHANNEL, 'FLASH report');
    const [entry] = device.history(report.cell, CHANNEL);
    if (report.precedence !== 'flash' || !entry.mustAcknowledge)
      throw new Error(`self-check: unexpected report ${JSON.stringify(entry)}`);
    await device.acknowledge(report.cell, CHANNEL, report.sender, report.id);
    await device.post(report.cell, CHANNEL, 'IL copies. Checkpoint 4 is clear.', { precedence: 'flash' });
    await until((e) => e.type === 'acknowledgement' && e.party === 'SY', "SY's acknowledgement");
    const acks = device.history(report.cell, CHANNEL).map((m) => m.acks);
    console.log(`self-check: ${USER}.1 (wasm in Node) joined, acknowledged the FLASH report and was acknowledged: ${JSON.stringify(acks)}`);
  } finally {
    await device.close();
  }
}

main();
