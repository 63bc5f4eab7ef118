// SPDX-License-Identifier: GPL-3.0-or-later
// The browser store survives a killed page. The sample page (samples/web) in Debian's Chromium
// is a cell member next to a native supervisor (tests/wasm_peer), through the real relay. Again
// and again the browser context is closed (the page, its Worker and its OPFS handles die) at a
// random point: right after a native message arrived, or shortly after one was sent, or right
// after the page posted. Then the same profile is reopened. At the end:
// - nothing the relay deleted is lost: every native message is in the page's history, once;
// - no duplicate reaches the app: no message id comes as an event twice, in any session;
// - every post the page saw succeed reaches the native device, once, and the native device
//   decrypts every later post (an older ratchet reloaded would reuse a message key and fail).
// Rounds: PARLEY_KILL_ROUNDS (default 4); each round kills twice.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('./chromium.cjs');
const { startRelay } = require('../test/relay.cjs');
const { startPeer } = require('../test/peer.cjs');

const site = process.env.PARLEY_SITE_DIR;
const rounds = Number(process.env.PARLEY_KILL_ROUNDS || 4);
const randomMs = (max) => Math.floor(Math.random() * max);

// Every event the page's app receives, reported to Node as it happens (app.js pushes each one
// onto window.parleyEvents), so events of a session that is killed later are counted too.
function reportEvents() {
  let events;
  Object.defineProperty(window, 'parleyEvents', {
    configurable: true,
    get: () => events,
    set(array) {
      const push = array.push.bind(array);
      array.push = (...items) => {
        for (const e of items) window.parleyReport(e);
        return push(...items);
      };
      events = array;
    },
  });
}

test('a killed page loses nothing, duplicates nothing and reuses no key', { timeout: 600000 }, async (t) => {
  assert.ok(site && fs.existsSync(path.join(site, 'index.html')), `PARLEY_SITE_DIR has no index.html: ${site}`);
  const relay = await startRelay(['--static', site]);
  t.after(() => relay.stop());
  const native = startPeer(relay.port, 'us_sup');
  t.after(() => native.stop());
  await native.waitFor((l) => l.event === 'connected');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kill-'));

  const appEvents = [];  // every event of every session
  const posted = [];  // texts whose post() resolved in the page
  let context = null;
  t.after(async () => {  // the browser first: it writes into the profile until it is gone
    if (context) await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  });

  async function open() {
    context = await launchChromium(profile);
    await context.exposeFunction('parleyReport', (e) => { appEvents.push(e); });
    await context.addInitScript(reportEvents);
    const page = context.pages()[0] || await context.newPage();
    await page.goto(relay.http);
    await page.fill('#user', 'il_officer');
    await page.fill('#passphrase', 'kill test');
    await page.click('#login-button');
    await page.waitForSelector('#status[data-state="online"]', { timeout: 30000 });
    return page;
  }

  async function kill() {
    const closing = context;
    context = null;
    await closing.close();
  }

  // The page joins the supervisor's cell; intel is US and IL's.
  let page = await open();
  const identity = await page.textContent('#identity');
  const { anchor } = await native.cmd({ cmd: 'info' });
  await page.evaluate((a) => window.parleyDevice.addJoinAnchor(a), anchor);
  const { cell } = await native.cmd({ cmd: 'create_cell', name: 'kill cell',
    members: [{ user: 'il_officer', device: 1, party: 'IL', role: 'member', identityKey: identity }] });
  await native.cmd({ cmd: 'policy', cell, channel: 'intel', read: ['US', 'IL'], post: ['US', 'IL'] });
  await page.waitForSelector('li.channel[data-channel="intel"][data-post="true"]', { timeout: 30000 });

  const nativeTexts = [];
  const arrived = (text) => appEvents.some((e) => e.type === 'channelMessage' && e.text === text);
  for (let round = 0; round < rounds; round += 1) {
    // A native message arrives; the page dies right after, or at a random point around it.
    const text = `native ${round}`;
    nativeTexts.push(text);
    await native.cmd({ cmd: 'post', cell, channel: 'intel', text });
    if (round % 2 === 0) {
      await page.waitForFunction((x) => window.parleyEvents.some((e) => e.type === 'channelMessage' && e.text === x),
        text, { timeout: 30000, polling: 1 });
    } else {
      await new Promise((resolve) => setTimeout(resolve, randomMs(300)));
    }
    await kill();

    // The page posts and dies right after its post resolved, or while it is under way.
    page = await open();
    const mine = `browser ${round}`;
    const posting = page.evaluate(([c, x]) => window.parleyDevice.post(c, 'intel', x), [cell, mine])
      .then(() => { posted.push(mine); }, () => {});
    if (round % 2 === 0) await posting;
    else await new Promise((resolve) => setTimeout(resolve, randomMs(200)));
    await kill();
    page = await open();
    console.log(`round ${round}: native message arrived before the kill: ${arrived(text)}; post resolved: ${posted.includes(mine)}`);
  }

  // The conversation goes on: one more message each way.
  nativeTexts.push('native final');
  await native.cmd({ cmd: 'post', cell, channel: 'intel', text: 'native final' });
  await page.evaluate(([c]) => window.parleyDevice.post(c, 'intel', 'browser final'), [cell]);
  posted.push('browser final');

  // Nothing the relay deleted is lost: the history holds every native message exactly once.
  // (Polled from here: history() is a Promise, which waitForFunction would take as true.)
  let history = [];
  for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
    history = await page.evaluate(([c]) => window.parleyDevice.history(c, 'intel'), [cell]);
    if (nativeTexts.every((x) => history.some((m) => m.text === x))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const text of nativeTexts) {
    assert.equal(history.filter((m) => m.text === text).length, 1, `${text} in history: ${JSON.stringify(history)}`);
  }
  // No duplicate reached the app, across every session.
  const ids = appEvents.filter((e) => e.type === 'channelMessage').map((e) => `${e.sender.user}.${e.sender.device}/${e.id}`);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'an event reached the app twice');

  // Every post that resolved reaches the native device once, and it decrypts all of them.
  for (const text of posted) {
    await native.waitFor((l) => l.event === 'channelMessage' && l.text === text, { ms: 30000 });
  }
  const received = native.lines.filter((l) => l.event === 'channelMessage' && l.from === 'il_officer.1').map((l) => l.text);
  assert.deepEqual(received.filter((x, i) => received.indexOf(x) !== i), [], 'the native device got a post twice');
  assert.deepEqual(native.lines.filter((l) => /^(decryptFailed|securityAlert|permissionDenied)$/.test(l.event)), []);
});
