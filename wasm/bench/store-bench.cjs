// SPDX-License-Identifier: GPL-3.0-or-later
// node wasm/bench/store-bench.cjs [COUNT] [HISTORY]: how fast a browser device posts and
// receives with its store on OPFS (persistent) vs in memory (the same page without
// persistence), on an empty store and after HISTORY messages of its own; COUNT messages per
// measurement. Debian's Chromium, the real relay serving the site (scripts/bench-web sets
// PARLEY_RELAY_BINARY and PARLEY_SITE_DIR). A benchmark: it prints figures, asserts none.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('../browser-tests/chromium.cjs');
const { startRelay } = require('../test/relay.cjs');

const { storeBench } = require('./store-page.cjs');

(async () => {
  const count = Number(process.argv[2] || 300);
  const history = Number(process.argv[3] || 3000);
  const site = process.env.PARLEY_SITE_DIR;
  if (!site || !fs.existsSync(path.join(site, 'index.html'))) throw new Error(`PARLEY_SITE_DIR has no site: ${site}`);
  const relay = await startRelay(['--static', site]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-bench-'));
  const context = await launchChromium(profile);
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(relay.http);
    const rows = [];
    for (const [name, persistent] of [['memory (no persistence)', false], ['OPFS (persistent)', true]]) {
      const r = await page.evaluate(storeBench, { count, history, persistent, tag: persistent ? 'p' : 'm' });
      rows.push([name, r]);
    }
    const f = (x) => x.toFixed(0).padStart(8);
    console.log(`browser store bench: ${count} messages of 200 B per figure; history = ${history} own posts`);
    console.log('store                      post/s empty  receive/s empty  post/s after  receive/s after');
    for (const [name, r] of rows) {
      console.log(`${name.padEnd(26)} ${f(r.emptyPost)}      ${f(r.emptyReceive)}         ${f(r.historyPost)}      ${f(r.historyReceive)}`);
    }
  } finally {
    await context.close();
    relay.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
