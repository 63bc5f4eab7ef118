// SPDX-License-Identifier: GPL-3.0-or-later
// Debian's Chromium (/usr/bin/chromium, never a downloaded browser) through playwright-core,
// with a persistent profile in `profile` (OPFS and IndexedDB live there, so reopening the same
// folder finds the same stores). Shared by the Chromium tests and benchmarks; `extraArgs` are
// added to the command line (e.g. a test certificate's --ignore-certificate-errors-spki-list).
'use strict';
const { chromium } = require('playwright-core');

function launchChromium(profile, extraArgs = []) {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

module.exports = { launchChromium };
