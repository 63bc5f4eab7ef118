// SPDX-License-Identifier: GPL-3.0-or-later
// The browser store where OPFS is missing, in Debian's Chromium: the test takes OPFS
// synchronous access handles (and then IndexedDB) away from the SDK's Worker before it opens a
// store. Without OPFS the store goes to IndexedDB, even at a path without a folder, and a reload
// finds the same device; with neither, opening a persistent store is an error (store_io), and
// `persistent: false` still opens one in memory.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startRelay } = require('../test/relay.cjs');
const { launchChromium } = require('./chromium.cjs');

const site = process.env.PARLEY_SITE_DIR;

// Starts the SDK's Worker in the page, runs `takeAway` in it, then opens `options` there:
// {identityKey} or {code, message}.
async function openWithout(page, takeAway, options) {
  const started = page.waitForEvent('worker');
  await page.evaluate(async () => {
    const { init } = await import('/pkg/parley.mjs');
    window.sdk = await init();
  });
  await (await started).evaluate(takeAway);
  return page.evaluate(async (o) => {
    try {
      const device = await window.sdk.openDevice(o);
      const { identityKey } = await device.info();
      await device.close();
      return { identityKey };
    } catch (e) { return { code: e.code, message: e.message }; }
  }, options);
}

const noOpfs = () => { delete FileSystemFileHandle.prototype.createSyncAccessHandle; };
const noStorage = () => {
  delete FileSystemFileHandle.prototype.createSyncAccessHandle;
  Object.defineProperty(self, 'indexedDB', { value: undefined, configurable: true });
};

test('without OPFS the store persists in IndexedDB; with neither, only a memory store opens', { timeout: 120000 }, async (t) => {
  assert.ok(site && fs.existsSync(path.join(site, 'index.html')), `PARLEY_SITE_DIR has no index.html: ${site}`);
  const relay = await startRelay(['--static', site]);
  t.after(() => relay.stop());
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-fallback-'));
  const context = await launchChromium(profile);
  t.after(async () => { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); });
  const page = context.pages()[0] || await context.newPage();
  const store = { path: '/fallback.db', passphrase: 'p', user: 'fallback' };  // no folder

  await page.goto(relay.http);
  const first = await openWithout(page, noOpfs, store);
  assert.match(first.identityKey || JSON.stringify(first), /^05[0-9a-f]{64}$/);
  assert.ok((await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).includes('/idb'));

  await page.reload();  // a new Worker: only IndexedDB can bring the device back
  assert.deepEqual(await openWithout(page, noOpfs, store), first);

  await page.reload();
  const refused = await openWithout(page, noStorage, { ...store, path: '/elsewhere.db' });
  assert.equal(refused.code, 21, JSON.stringify(refused));
  assert.match(refused.message, /cannot persist here/);
  await page.reload();
  const memory = await openWithout(page, noStorage, { ...store, path: '/elsewhere.db', persistent: false });
  assert.match(memory.identityKey || JSON.stringify(memory), /^05[0-9a-f]{64}$/);
});
