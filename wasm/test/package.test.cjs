// SPDX-License-Identifier: GPL-3.0-or-later
// The npm package: `npm pack` in wasm/ (its prepack copies the build into dist/), the tarball
// installed into an empty folder, then used from there as an app would: the CommonJS flavour
// opens a device, the ES module loads, and the tarball ships the Worker, the wasm and the types.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { build } = require('./paths.cjs');

const wasmDir = path.resolve(__dirname, '..');

test('npm pack gives a package that installs into an empty folder and works', { timeout: 120000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-pack-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, PARLEY_WASM_BUILD: build, npm_config_update_notifier: 'false' };
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir],
    { cwd: wasmDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const shipped = packed[0].files.map((f) => f.path).sort();
  for (const name of ['dist/parley.mjs', 'dist/parley-worker.mjs', 'dist/parley_wasm.wasm', 'dist/parley.cjs',
    'dist/parley.d.ts', 'package.json']) {
    assert.ok(shipped.includes(name), `${name} not in the tarball: ${shipped}`);
  }
  assert.ok(!shipped.some((f) => /^(js|src|test|browser-tests)\//.test(f)), `sources shipped: ${shipped}`);

  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name": "app", "private": true}');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed[0].filename)],
    { cwd: app, env, stdio: 'ignore' });
  fs.writeFileSync(path.join(app, 'use.cjs'), `
    const { init } = require('@parley/sdk');
    (async () => {
      const parley = await init();
      const device = await parley.openDevice({ path: '/app/alice.db', passphrase: 'p', user: 'alice' });
      const info = await device.info();
      await device.close();
      const esm = await import('@parley/sdk');
      console.log(JSON.stringify({ key: info.identityKey, esm: typeof esm.init }));
    })().catch((e) => { console.error(e); process.exit(1); });`);
  const out = JSON.parse(execFileSync(process.execPath, ['use.cjs'], { cwd: app, encoding: 'utf8' }));
  assert.match(out.key, /^05[0-9a-f]{64}$/);
  assert.equal(out.esm, 'function');
  const types = fs.readFileSync(path.join(app, 'node_modules', '@parley', 'sdk', 'dist', 'parley.d.ts'), 'utf8');
  assert.match(types, /export function init/);
});
