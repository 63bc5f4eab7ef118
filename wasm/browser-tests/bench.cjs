// SPDX-License-Identifier: GPL-3.0-or-later
// node wasm/browser-tests/bench.cjs [MESSAGES] [SIZE]: channel encrypt/decrypt speed of the
// wasm build in Debian's Chromium (build target parley_bench_web first); the native number
// comes from parley_channel_bench. Not part of the test run.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('./chromium.cjs');
const { startRelay } = require('../test/relay.cjs');
const { build } = require('../test/paths.cjs');

(async () => {
  const messages = Number(process.argv[2] || 5000);
  const size = Number(process.argv[3] || 1024);
  const relay = await startRelay(['--static', build]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const browser = await launchChromium(profile);
  try {
    const page = browser.pages()[0] || await browser.newPage();
    await page.goto(`${relay.http}parley_bench_web.mjs`);
    const [encrypt, decrypt] = await page.evaluate(async ([n, s]) => {
      const m = await (await import('/parley_bench_web.mjs')).default();
      const out = m._malloc(8);
      const e = m._parley_channel_bench(n, s, out);
      return [e, m.HEAPF64[out >> 3]];
    }, [messages, size]);
    console.log(`wasm (chromium): ${messages} x ${size} B: encrypt ${encrypt.toFixed(0)}/s, decrypt ${decrypt.toFixed(0)}/s`);
  } finally {
    await browser.close();
    relay.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})();
