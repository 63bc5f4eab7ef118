// SPDX-License-Identifier: GPL-3.0-or-later
// Passphrase stores in wasm derive their raw SQLCipher key with Argon2id (libsodium), whose
// salt and parameters sit in `<store>.kdf` beside the database, written through SQLite's VFS
// (here Emscripten's unix VFS on MEMFS; OPFS in browsers, browser-tests/browser.test.cjs).
// A store reopens with its passphrase, refuses a wrong one with store_wrong_key, and a store
// made with SQLCipher's own passphrase KDF (no header) opens once and is re-encrypted.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { build } = require('./paths.cjs');
const { init, ParleyError, ErrorCode } = require(path.join(build, 'pkg', 'parley.cjs'));

const HEADER = /^parley-store-kdf 1\nalgorithm argon2id\nmemory-kib 65536\npasses 3\nlanes 1\nsalt ([0-9a-f]{32})\n$/;

function exists(m, file) {
  try { m.FS.stat(file); return true; } catch (e) { return false; }
}

test('a passphrase store derives its key with Argon2id and reopens only with its passphrase', async () => {
  const parley = await init();
  const m = parley.module;
  const started = Date.now();
  const device = await parley.openDevice({ path: '/kdf/alice.db', passphrase: 'alice pass', user: 'alice' });
  const derivation = Date.now() - started;
  const identity = device.info().identityKey;
  await device.close();

  const header = m.FS.readFile('/kdf/alice.db.kdf', { encoding: 'utf8' });
  assert.match(header, HEADER);
  assert.ok(!exists(m, '/kdf/alice.db.kdf.new'), 'the pending header was left behind');
  // Not SQLCipher's KDF: the database holds no SQLite header in clear, and its key is raw.
  const bytes = Buffer.from(m.FS.readFile('/kdf/alice.db'));
  assert.equal(bytes.indexOf(Buffer.from('SQLite format 3')), -1);

  const again = await parley.openDevice({ path: '/kdf/alice.db', passphrase: 'alice pass', user: 'alice' });
  assert.equal(again.info().identityKey, identity);
  await again.close();
  assert.equal(m.FS.readFile('/kdf/alice.db.kdf', { encoding: 'utf8' }), header, 'reopening rewrote the header');

  await assert.rejects(parley.openDevice({ path: '/kdf/alice.db', passphrase: 'alice pas', user: 'alice' }),
    (e) => e instanceof ParleyError && e.code === ErrorCode.store_wrong_key && e.codeName === 'store_wrong_key');
  // Another store, same passphrase: another salt.
  const bob = await parley.openDevice({ path: '/kdf/bob.db', passphrase: 'alice pass', user: 'bob' });
  await bob.close();
  assert.notEqual(m.FS.readFile('/kdf/bob.db.kdf', { encoding: 'utf8' }).match(HEADER)[1], header.match(HEADER)[1]);
  console.log(`# Argon2id m=64 MiB t=3 p=1 in wasm under Node: about ${derivation} ms for a new store`);
});

test('a store made with SQLCipher\'s own KDF opens with its passphrase and is migrated once', { skip: !fs.existsSync('/usr/bin/sqlcipher') && 'no sqlcipher CLI' }, async () => {
  // The legacy store: SQLCipher 3's PBKDF2-HMAC-SHA1 on the passphrase, made by the native CLI
  // (the same format the wasm SQLCipher writes; this is what browsers created until now).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kdf-'));
  const legacy = path.join(dir, 'legacy.db');
  // Encrypted pages but no tables yet, so the device schema takes it as a new device store.
  execFileSync('sqlcipher', [legacy], { input: "PRAGMA key = 'old pass';\nCREATE TABLE probe(v);\nDROP TABLE probe;\n" });
  assert.ok(fs.statSync(legacy).size > 0);
  const parley = await init();
  const m = parley.module;
  m.FS.mkdir('/legacy');
  m.FS.writeFile('/legacy/device.db', fs.readFileSync(legacy));
  fs.rmSync(dir, { recursive: true, force: true });

  await assert.rejects(parley.openDevice({ path: '/legacy/device.db', passphrase: 'wrong', user: 'carol' }),
    (e) => e instanceof ParleyError && e.code === ErrorCode.store_wrong_key);
  assert.ok(!exists(m, '/legacy/device.db.kdf'), 'a wrong passphrase migrated the store');

  const device = await parley.openDevice({ path: '/legacy/device.db', passphrase: 'old pass', user: 'carol' });
  const identity = device.info().identityKey;
  await device.close();
  assert.match(m.FS.readFile('/legacy/device.db.kdf', { encoding: 'utf8' }), HEADER);
  assert.ok(!exists(m, '/legacy/device.db.kdf.new'));

  // SQLCipher's KDF no longer opens the file: it was re-encrypted with the derived raw key.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kdf-'));
  try {
    fs.writeFileSync(path.join(out, 'migrated.db'), m.FS.readFile('/legacy/device.db'));
    assert.throws(() => execFileSync('sqlcipher', [path.join(out, 'migrated.db')],
      { input: "PRAGMA key = 'old pass';\nSELECT count(*) FROM sqlite_master;\n", stdio: ['pipe', 'pipe', 'pipe'] }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }

  const again = await parley.openDevice({ path: '/legacy/device.db', passphrase: 'old pass', user: 'carol' });
  assert.equal(again.info().identityKey, identity);
  await again.close();
});
