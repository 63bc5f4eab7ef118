// SPDX-License-Identifier: GPL-3.0-or-later
// The sample web app (samples/web) in Debian's Chromium, driven by playwright-core, served by
// the real relay (--static) and talking to a native device (tests/wasm_peer) in one cell:
// messages both ways, no key for a channel without READ (no event, no history, no key record
// in the store), a FLASH post and acknowledgements both ways on an ack_required channel, a
// reload keeps identity, sessions, history and acknowledgement state (OPFS, through the SDK's
// Worker), the stored files hold no plaintext, a second tab on the same store is refused, and
// a relay crash loses nothing; an incident opened from the page and
// acknowledged by the native SY device and resolved by agreeing to its proposal, and
// conflicting notices highlighted.
// Screenshots: PARLEY_SCREENSHOTS/{success,acknowledgements,hotline,failure}.png.
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
const shots = process.env.PARLEY_SCREENSHOTS || os.tmpdir();
const CANARY = 'CANARY-3b1f9d-plaintext';

async function login(page, user, passphrase) {
  await page.fill('#user', user);
  await page.fill('#passphrase', passphrase);
  await page.click('#login-button');
  await page.waitForSelector('#status[data-state="online"]', { timeout: 30000 });
  return page.textContent('#identity');
}

async function openChannel(page, channel) {
  await page.click(`li.channel[data-channel="${channel}"]`);
  await page.waitForSelector(`li.channel.selected[data-channel="${channel}"]`);
}

const messageTexts = (page) => page.$$eval('#messages li', (items) => items.map((li) => li.childNodes[1].textContent));

async function waitForMessage(page, text) {
  await page.waitForFunction((t) => [...document.querySelectorAll('#messages li')]
    .some((li) => li.childNodes[1] && li.childNodes[1].textContent === t), text, { timeout: 30000 });
}

async function postFromPage(page, text, precedence = 'routine') {
  await page.selectOption('#post-precedence', precedence);
  await page.fill('#post-text', text);
  await page.click('#post-button');
  await page.waitForFunction(() => document.querySelector('#post-text').value === '', null, { timeout: 10000 });
}

// Every file of the page's Origin Private File System, by path (read while no store is open:
// the SDK's Worker holds its files' synchronous access handles exclusively).
function opfsFiles(page) {
  return page.evaluate(async () => {
    const files = {};
    async function walk(dir, prefix) {
      for await (const [name, handle] of dir.entries()) {
        if (handle.kind === 'directory') await walk(handle, `${prefix}${name}/`);
        else files[prefix + name] = Array.from(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
      }
    }
    await walk(await navigator.storage.getDirectory(), '');
    return files;
  });
}

test('browser device and native device in one cell, through the real relay', { timeout: 300000 }, async (t) => {
  assert.ok(site && fs.existsSync(path.join(site, 'index.html')), `PARLEY_SITE_DIR has no index.html: ${site}`);
  const relay = await startRelay(['--static', site]);
  t.after(() => relay.stop());
  const native = startPeer(relay.port, 'us_sup');
  t.after(() => native.stop());
  const syPeer = startPeer(relay.port, 'sy_officer');
  t.after(() => syPeer.stop());
  await native.waitFor((l) => l.event === 'connected');
  await syPeer.waitFor((l) => l.event === 'connected');

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-'));
  const context = await launchChromium(profile);
  t.after(async () => { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); });
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  try {
    // The relay serves the page and the wasm (application/wasm, or the module would not compile).
    const wasm = await page.request.get(`${relay.http}pkg/parley_wasm.wasm`);
    assert.equal(wasm.headers()['content-type'], 'application/wasm');

    await page.goto(relay.http);
    const identity = await login(page, 'il_officer', 'browser passphrase');
    assert.match(identity, /^05[0-9a-f]{64}$/);

    // The native supervisor makes the cell with the browser (IL) and a native SY member:
    // intel open to all three parties, commercial readable by US and SY only, so the
    // browser's IL device must never get its key while the SY device does.
    const { identityKey: syKey } = await syPeer.cmd({ cmd: 'info' });
    // Both members were told the supervisor's anchor out of band, so its Welcome joins them.
    const { anchor } = await native.cmd({ cmd: 'info' });
    await syPeer.cmd({ cmd: 'add_join_anchor', anchor });
    await page.evaluate((a) => window.parleyDevice.addJoinAnchor(a), anchor);
    const { cell } = await native.cmd({ cmd: 'create_cell', name: 'browser cell',
      members: [{ user: 'il_officer', device: 1, party: 'IL', role: 'member', identityKey: identity },
        { user: 'sy_officer', device: 1, party: 'SY', role: 'member', identityKey: syKey }] });
    await native.cmd({ cmd: 'policy', cell, channel: 'intel', read: ['US', 'IL', 'SY'], post: ['US', 'IL', 'SY'] });
    await native.cmd({ cmd: 'policy', cell, channel: 'commercial', read: ['US', 'SY'], post: ['US', 'SY'] });
    // deescalation asks for acknowledgements: IL's posts await SY, SY's await IL.
    await native.cmd({ cmd: 'policy', cell, channel: 'deescalation', read: ['US', 'IL', 'SY'], post: ['IL', 'SY'],
      ackRequired: true, ackDeadlineSeconds: 3600 });
    await page.waitForSelector('li.channel[data-channel="commercial"][data-read="false"]', { timeout: 30000 });
    await page.waitForSelector('li.channel[data-channel="deescalation"][data-ack-required="true"]', { timeout: 30000 });
    await page.waitForSelector('li.channel[data-channel="intel"][data-post="true"]');
    await openChannel(page, 'intel');

    // Native -> browser, after a post on the channel the browser may not read.
    await native.cmd({ cmd: 'post', cell, channel: 'commercial', text: `commercial ${CANARY}` });
    await syPeer.waitFor((l) => l.event === 'channelMessage' && l.channel === 'commercial');
    await native.cmd({ cmd: 'post', cell, channel: 'intel', text: `native to browser ${CANARY}` });
    await waitForMessage(page, `native to browser ${CANARY}`);

    // Browser -> native, typed into the page.
    const mark = native.lines.length;
    await postFromPage(page, `browser to native ${CANARY}`);
    await native.waitFor((l) => l.event === 'channelMessage' && l.text === `browser to native ${CANARY}`
      && l.from === 'il_officer.1' && l.channel === 'intel', { from: mark });

    // Nothing of commercial reached the browser: no message, no held envelope turned event.
    const events = await page.evaluate(() => window.parleyEvents);
    assert.ok(!events.some((e) => e.channel === 'commercial'), JSON.stringify(events));
    assert.ok(!events.some((e) => /decryptFailed|securityAlert|permissionDenied/.test(e.type)), JSON.stringify(events));
    const commercial = await page.evaluate(async ([c]) => {
      try { return await window.parleyDevice.history(c, 'commercial'); } catch (e) { return { code: e.code }; }
    }, [cell]);
    assert.ok(Array.isArray(commercial) ? commercial.length === 0 : commercial.code > 0);
    // ...and the store itself holds no key chain of commercial, while it does hold intel's
    // (the native sender's, which decrypted "native to browser"): the check can see keys.
    const keys = await page.evaluate(() => window.parleyDevice.channelKeyRecords());
    assert.ok(keys.some((k) => k.cell === cell && k.channel === 'intel' && k.sender.user === 'us_sup'), JSON.stringify(keys));
    assert.ok(!keys.some((k) => k.channel === 'commercial' || k.unknown), JSON.stringify(keys));
    // Governance calls reach the Worker's SDK, which refuses a member's commit, by name.
    const denied = await page.evaluate(async ([c]) => {
      try { await window.parleyDevice.createChannel(c, 'side', 'Side channel'); return null; } catch (e) {
        return { code: e.code, codeName: e.codeName };
      }
    }, [cell]);
    assert.deepEqual(denied, { code: 103, codeName: 'charter_not_authorized' });

    // FLASH from the browser on the ack_required channel; the SY device acknowledges it.
    await openChannel(page, 'deescalation');
    const syMark = syPeer.lines.length;
    await postFromPage(page, 'FLASH from the browser', 'flash');
    const flash = await syPeer.waitFor((l) => l.event === 'channelMessage' && l.channel === 'deescalation'
      && l.from === 'il_officer.1', { from: syMark });
    assert.deepEqual([flash.text, flash.precedence], ['FLASH from the browser', 'flash']);
    await page.waitForSelector(`#messages li[data-id="${flash.id}"] .ack[data-party="SY"][data-state="pending"]`);
    await page.waitForSelector(`#messages li[data-id="${flash.id}"] .precedence[data-precedence="flash"]`);
    assert.equal(await page.$(`#messages li[data-id="${flash.id}"] .ack-button`), null);  // its own post
    await syPeer.cmd({ cmd: 'acknowledge', cell, channel: 'deescalation', sender: 'il_officer.1', id: flash.id });
    await page.waitForSelector(`#messages li[data-id="${flash.id}"] .ack[data-party="SY"][data-state="acknowledged"]`,
      { timeout: 30000 });

    // A post of the SY device awaits IL: the browser's Acknowledge button answers it.
    const { id: syId } = await syPeer.cmd({ cmd: 'post', cell, channel: 'deescalation',
      text: 'SY asks IL to acknowledge', precedence: 'immediate' });
    const button = `#messages li[data-id="${syId}"] .ack-button`;
    await page.waitForSelector(button, { timeout: 30000 });
    await page.waitForSelector(`#messages li[data-id="${syId}"] .ack[data-party="IL"][data-state="pending"]`);
    const ackMark = syPeer.lines.length;
    await page.click(button);
    const ack = await syPeer.waitFor((l) => l.event === 'acknowledgement' && l.id === syId, { from: ackMark });
    assert.deepEqual([ack.party, ack.by, ack.sender], ['IL', 'il_officer.1', 'sy_officer.1']);
    const { status } = await syPeer.cmd({ cmd: 'ack_status', cell, channel: 'deescalation', sender: 'sy_officer.1', id: syId });
    assert.deepEqual(status, { IL: 'acknowledged' });
    await page.waitForSelector(`#messages li[data-id="${syId}"] .ack[data-party="IL"][data-state="acknowledged"]`);
    assert.equal(await page.$(button), null);
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'acknowledgements.png'), fullPage: true });

    // An incident opened from the page reaches the native SY device, whose acknowledgement
    // shows on the page; a notice from the page and an overlapping one from SY are both
    // highlighted as conflicting.
    const incidentMark = syPeer.lines.length;
    await page.fill('#incident-title', 'Drone over the buffer zone');
    await page.selectOption('#incident-respondent', 'SY');
    await page.selectOption('#incident-severity', 'high');
    await page.click('#incident-open-button');
    const opened = await syPeer.waitFor((l) => l.event === 'incidentUpdated' && l.by === 'il_officer.1',
      { from: incidentMark });
    const { incidents } = await syPeer.cmd({ cmd: 'incidents', cell, channel: 'deescalation' });
    assert.deepEqual(incidents.map((i) => [i.id, i.title, i.state, i.openerParty, i.respondentParty]),
      [[opened.incident, 'Drone over the buffer zone', 'open', 'IL', 'SY']]);
    await page.waitForSelector(`li.incident[data-id="${opened.incident}"][data-state="open"]`);
    await syPeer.cmd({ cmd: 'update_incident', cell, channel: 'deescalation', incident: opened.incident, type: 'acknowledge' });
    await page.waitForSelector(`li.incident[data-id="${opened.incident}"][data-state="acknowledged"]`, { timeout: 30000 });
    // SY proposes; the page's Agree resolves it by agreement on both sides.
    const { id: proposal } = await syPeer.cmd({ cmd: 'update_incident', cell, channel: 'deescalation',
      incident: opened.incident, type: 'propose', text: 'Joint inspection' });
    const agree = `li.incident[data-id="${opened.incident}"] li.proposal[data-id="${proposal}"] .agree-button`;
    await page.waitForSelector(agree, { timeout: 30000 });
    const agreeMark = syPeer.lines.length;
    await page.click(agree);
    await page.waitForSelector(`li.incident[data-id="${opened.incident}"][data-state="resolved"]`);
    await syPeer.waitFor((l) => l.event === 'incidentUpdated' && l.by === 'il_officer.1', { from: agreeMark });
    const { incidents: after } = await syPeer.cmd({ cmd: 'incidents', cell, channel: 'deescalation' });
    assert.equal(after[0].state, 'resolved');
    const start = Date.now() + 3600 * 1000;
    await page.fill('#notice-lat', '33.1');
    await page.fill('#notice-lon', '35.6');
    await page.fill('#notice-radius', '3000');
    await page.evaluate((ms) => {  // the datetime-local input in local time
      const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
      document.querySelector('#notice-start').value = d.toISOString().slice(0, 16);
    }, start);
    await page.fill('#notice-description', 'IL engineering works');
    const noticeMark = syPeer.lines.length;
    await page.click('#notice-button');
    const ilNotice = await syPeer.waitFor((l) => l.event === 'noticeReceived' && l.from === 'il_officer.1',
      { from: noticeMark });
    assert.deepEqual([ilNotice.party, ilNotice.description], ['IL', 'IL engineering works']);
    const { id: syNotice } = await syPeer.cmd({ cmd: 'post_notice', cell, channel: 'deescalation', lat: 33.11, lon: 35.61,
      radiusM: 2000, start, end: start + 3600 * 1000, description: 'SY patrol' });
    await page.waitForSelector(`li.notice.conflict[data-id="${syNotice}"]`, { timeout: 30000 });
    await page.waitForSelector(`li.notice.conflict[data-id="${ilNotice.id}"] .ack[data-party="SY"]`);
    await syPeer.waitFor((l) => l.event === 'noticesConflict', { from: noticeMark });
    await page.screenshot({ path: path.join(shots, 'hotline.png'), fullPage: true });
    await openChannel(page, 'intel');

    // A second tab on the same store is refused (Web Locks): two writers would fork its ratchets.
    const second = await context.newPage();
    await second.goto(relay.http);
    const refused = await second.evaluate(async () => {
      const { init, ErrorCode, EventTypes } = await import('/pkg/parley.mjs');
      const parley = await init();
      // The page flavour has the generated tables, and verifyTranscript runs in the Worker.
      let verify = null;
      try { await parley.verifyTranscript(new Uint8Array([1, 2, 3])); } catch (e) { verify = { code: e.code, codeName: e.codeName }; }
      try {
        await parley.openDevice({ path: '/parley/il_officer.1.db', passphrase: 'browser passphrase', user: 'il_officer' });
        return null;
      } catch (e) {
        return { code: e.code, codeName: e.codeName, message: e.message, storeIo: ErrorCode.store_io,
          hasChannelMessage: EventTypes.includes('channelMessage'), verify };
      }
    });
    await second.close();
    assert.equal(refused && refused.code, 21, JSON.stringify(refused));
    assert.deepEqual([refused.codeName, refused.storeIo, refused.hasChannelMessage], ['store_io', 21, true]);
    assert.match(refused.message, /already open in another tab/);
    assert.ok(refused.verify && refused.verify.code >= 40 && refused.verify.code <= 43, JSON.stringify(refused.verify));

    // OPFS holds the encrypted store and no plaintext (read once the device closed its files).
    await page.evaluate(() => window.parleyDevice.close());
    const files = await opfsFiles(page);
    const slots = Object.keys(files).filter((k) => k.startsWith(`parley-store-${encodeURIComponent('/parley/il_officer.1.db')}/`));
    const stored = slots.reduce((n, k) => n + files[k].length, 0);
    assert.ok(slots.some((k) => Buffer.from(files[k].slice(0, 64)).toString().startsWith('/parley/il_officer.1.db\0')),
      `no slot holds the store: ${Object.keys(files)}`);
    assert.ok(stored > 16384, `the store in OPFS is suspiciously small (${stored} bytes)`);
    // The passphrase went through Argon2id, not SQLCipher's PBKDF2: its header (salt and
    // parameters) is in the store's OPFS pool, and no pending copy is left over. The reload
    // below reopens the store with the key derived from it.
    const slotNamed = (name) => slots.find((k) => Buffer.from(files[k].slice(0, 64)).toString().startsWith(`${name}\0`));
    const kdfSlot = slotNamed('/parley/il_officer.1.db.kdf');
    assert.ok(kdfSlot, `no slot holds the KDF header: ${slots}`);
    const kdfHeader = Buffer.from(files[kdfSlot].slice(4096)).toString();
    assert.match(kdfHeader, /^parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 1\nsalt [0-9a-f]{32}\n$/);
    assert.equal(slotNamed('/parley/il_officer.1.db.kdf.new'), undefined, 'a pending KDF header was left in OPFS');
    const canary = Buffer.from(CANARY);
    for (const [name, bytes] of Object.entries(files)) {
      assert.equal(Buffer.from(bytes).indexOf(canary), -1, `plaintext canary found in OPFS ${name}`);
      assert.equal(Buffer.from(bytes).indexOf(Buffer.from('SQLite format 3')), -1, `${name} is an unencrypted SQLite file`);
    }
    // ...and nothing of it went to IndexedDB (the fallback is for browsers without OPFS).
    assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);

    // Reload: same identity, history from OPFS, and it keeps receiving.
    await page.reload();
    assert.equal(await login(page, 'il_officer', 'browser passphrase'), identity);
    await openChannel(page, 'intel');
    assert.deepEqual(await messageTexts(page), [`native to browser ${CANARY}`, `browser to native ${CANARY}`]);
    await openChannel(page, 'deescalation');  // acknowledgement state came back from OPFS too
    await page.waitForSelector(`#messages li[data-id="${flash.id}"] .ack[data-party="SY"][data-state="acknowledged"]`);
    await page.waitForSelector(`#messages li[data-id="${syId}"] .ack[data-party="IL"][data-state="acknowledged"]`);
    await openChannel(page, 'intel');
    await native.cmd({ cmd: 'post', cell, channel: 'intel', text: 'after the reload' });
    await waitForMessage(page, 'after the reload');

    // Relay crash mid-conversation: both sides queue, then deliver after the restart.
    relay.kill();
    await page.waitForSelector('#status[data-state="offline"]', { timeout: 15000 });
    const beforeRestart = native.lines.length;
    await postFromPage(page, 'browser while the relay is down');
    await native.cmd({ cmd: 'post', cell, channel: 'intel', text: 'native while the relay is down' });
    await relay.restart();
    await waitForMessage(page, 'native while the relay is down');
    await native.waitFor((l) => l.event === 'channelMessage' && l.text === 'browser while the relay is down',
      { from: beforeRestart, ms: 30000 });
    assert.deepEqual(await messageTexts(page), [`native to browser ${CANARY}`, `browser to native ${CANARY}`,
      'after the reload', 'browser while the relay is down', 'native while the relay is down']);
    assert.deepEqual(pageErrors, []);
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'success.png'), fullPage: true });
  } catch (error) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
    throw error;
  }
});
