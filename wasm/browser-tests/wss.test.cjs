// SPDX-License-Identifier: GPL-3.0-or-later
// The browser page over TLS, in Debian's Chromium: the test makes its own certificates, the
// real relay serves the sample web app over https:// and the relay protocol over wss:// on one
// port, and two devices in two tabs (the app logged in as il_officer, and a supervisor driven
// through the JS API) build a cell and exchange channel messages both ways over wss://. A page
// pointed at a relay whose certificate Chromium does not trust gets a `disconnected` event
// (and a rejected connect() when it does not retry) within a bounded time, never `connected`,
// and that relay counts the refused handshake.
// Screenshot on failure: PARLEY_SCREENSHOTS/wss-failure.png.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { launchChromium } = require('./chromium.cjs');
const { startRelay } = require('../test/relay.cjs');

const site = process.env.PARLEY_SITE_DIR;
const shots = process.env.PARLEY_SCREENSHOTS || os.tmpdir();
const BOUND_MS = 15000;  // the untrusted relay must be reported well within this

// A self-signed P-256 certificate for 127.0.0.1 in `dir`: {cert, key, pem, spki}, where `spki`
// is the base64 SHA-256 of its SubjectPublicKeyInfo (what Chromium's SPKI list takes).
function makeCertificate(dir, name) {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=parley ${name} test`,
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pem = fs.readFileSync(cert);
  const der = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, pem, spki: crypto.createHash('sha256').update(der).digest('base64') };
}

// The value of an unlabelled counter in the relay's /metrics, fetched over https:// trusting `ca`.
function metric(relay, ca, name) {
  return new Promise((resolve, reject) => {
    https.get(`${relay.http}metrics`, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(body);
        if (match) resolve(Number(match[1])); else reject(new Error(`no ${name} in /metrics`));
      });
    }).on('error', reject);
  });
}

async function login(page, user, passphrase) {
  await page.fill('#user', user);
  await page.fill('#passphrase', passphrase);
  await page.click('#login-button');
  await page.waitForSelector('#status[data-state="online"]', { timeout: 20000 });
  return page.textContent('#identity');
}

test('the page and a second device talk over wss://; an untrusted certificate is a disconnected event', { timeout: 90000 }, async (t) => {
  assert.ok(site && fs.existsSync(path.join(site, 'index.html')), `PARLEY_SITE_DIR has no index.html: ${site}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-wss-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const trusted = makeCertificate(dir, 'trusted');
  const untrusted = makeCertificate(dir, 'untrusted');  // another key: not in Chromium's list

  const relay = await startRelay(['--static', site, '--tls-cert', trusted.cert, '--tls-key', trusted.key]);
  t.after(() => relay.stop());
  const other = await startRelay(['--static', site, '--tls-cert', untrusted.cert, '--tls-key', untrusted.key]);
  t.after(() => other.stop());
  assert.match(relay.url, /^wss:\/\//);

  // Chromium must trust the test certificate. --ignore-certificate-errors-spki-list accepts a
  // certificate only when its public key hashes to one listed here: it pins exactly this key,
  // so the untrusted relay below is still refused (which a blanket --ignore-certificate-errors
  // would hide), and the path (TLS handshake, wss:// from the page's Worker) stays the real one.
  // Chromium honours it only with a user-data-dir, which the persistent profile provides.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-wss-'));
  const context = await launchChromium(profile, [`--ignore-certificate-errors-spki-list=${trusted.spki}`]);
  t.after(async () => { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); });
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const supervisor = await context.newPage();
  supervisor.on('pageerror', (e) => pageErrors.push(e.message));

  try {
    // The sample app from https://, which connects to wss:// on its own origin.
    await page.goto(relay.http);
    assert.equal(await page.evaluate(() => location.protocol), 'https:');
    const identity = await login(page, 'il_officer', 'browser passphrase');
    assert.match(identity, /^05[0-9a-f]{64}$/);

    // The second device: a supervisor in another tab (another Worker and store) on the JS API.
    await supervisor.goto(relay.http);
    const anchor = await supervisor.evaluate(async () => {
      const { init } = await import('/pkg/parley.mjs');
      window.sdk = await init();
      const device = await window.sdk.openDevice({ path: '/wss/us_sup.db', passphrase: 'p', user: 'us_sup', persistent: false });
      window.supEvents = [];
      device.onEvent((e) => window.supEvents.push(e));
      window.sup = device;
      await device.connect(`wss://${location.host}/`);
      return device.supervisorAnchor();
    });
    await supervisor.waitForFunction(() => window.supEvents.some((e) => e.type === 'connected'), null, { timeout: 20000 });
    await page.evaluate((a) => window.parleyDevice.addJoinAnchor(a), anchor);
    await supervisor.evaluate(async (key) => {
      window.cell = await window.sup.createCell({ name: 'wss cell',
        members: [{ user: 'il_officer', device: 1, party: 'IL', role: 'member', identityKey: key }] });
      const party = (name) => ({ kind: 'party', name });
      await window.sup.setChannelPolicy(window.cell, 'intel',
        { readGrants: [party('US'), party('IL')], postGrants: [party('US'), party('IL')] });
    }, identity);

    // Page -> supervisor, typed into the app.
    await page.waitForSelector('li.channel[data-channel="intel"][data-post="true"]', { timeout: 20000 });
    await page.click('li.channel[data-channel="intel"]');
    await page.fill('#post-text', 'from the page over wss');
    await page.click('#post-button');
    const received = await supervisor.waitForFunction(() => window.supEvents.find((e) => e.type === 'channelMessage'),
      null, { timeout: 20000 });
    const message = await received.jsonValue();
    assert.deepEqual([message.text, message.channel, message.sender], ['from the page over wss', 'intel',
      { user: 'il_officer', device: 1 }]);

    // Supervisor -> page, shown in the app.
    await supervisor.evaluate(() => window.sup.post(window.cell, 'intel', 'from the supervisor over wss'));
    await page.waitForFunction(() => [...document.querySelectorAll('#messages li')]
      .some((li) => li.childNodes[1] && li.childNodes[1].textContent === 'from the supervisor over wss'), null,
    { timeout: 20000 });

    // The untrusted relay: Chromium refuses its certificate for a page...
    const refused = await context.newPage();
    await assert.rejects(refused.goto(other.http), /ERR_CERT_AUTHORITY_INVALID/);
    await refused.close();
    // ...and for the SDK's WebSocket from a trusted page: the app gets `disconnected`
    // (not_connected) once, never `connected`, within the bound; with reconnect: false, connect()
    // rejects too. (Browsers do not tell scripts why a WebSocket failed; the SDK says it closed.)
    const failures = await metric(other, untrusted.pem, 'parley_relay_tls_handshake_failures_total');
    const outcome = await supervisor.evaluate(async ([url, bound]) => {
      const within = (promise) => Promise.race([promise, new Promise((r) => setTimeout(() => r('timed out'), bound))]);
      const events = [];
      const device = await window.sdk.openDevice({ path: '/wss/retrying.db', passphrase: 'p', user: 'retrying', persistent: false });
      const disconnected = new Promise((resolve) => device.onEvent((e) => {
        events.push(e.type);
        if (e.type === 'disconnected') resolve(e);
      }));
      const started = performance.now();
      device.connect(url);  // retries with backoff; resolves only once a connection opens
      const first = await within(disconnected);
      const ms = performance.now() - started;
      await new Promise((r) => setTimeout(r, 1000));  // a retry or two more: still no event
      await device.close();

      const once = await window.sdk.openDevice({ path: '/wss/once.db', passphrase: 'p', user: 'once', persistent: false });
      const rejected = await within(once.connect(url, { reconnect: false })
        .then(() => 'connected', (e) => ({ code: e.code, codeName: e.codeName })));
      await once.close();
      return { first, ms, events, rejected };
    }, [other.url, BOUND_MS]);
    assert.equal(outcome.first.type, 'disconnected', JSON.stringify(outcome));
    assert.equal(outcome.first.error.code, 87, JSON.stringify(outcome));  // not_connected
    assert.match(outcome.first.error.message, /connection closed \(1006\)/, JSON.stringify(outcome));
    assert.ok(outcome.ms < BOUND_MS, JSON.stringify(outcome));
    assert.deepEqual(outcome.events, ['disconnected'], JSON.stringify(outcome));  // once, not per retry
    assert.deepEqual(outcome.rejected, { code: 87, codeName: 'not_connected' });
    // The failure was the certificate, at that relay (not an unreachable port).
    assert.ok(await metric(other, untrusted.pem, 'parley_relay_tls_handshake_failures_total') > failures);

    // The trusted connections were untouched by all this.
    await supervisor.evaluate(() => window.sup.post(window.cell, 'intel', 'still connected'));
    await page.waitForFunction(() => [...document.querySelectorAll('#messages li')]
      .some((li) => li.childNodes[1] && li.childNodes[1].textContent === 'still connected'), null, { timeout: 20000 });
    assert.deepEqual(pageErrors, []);
  } catch (error) {
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, 'wss-failure.png'), fullPage: true }).catch(() => {});
    throw error;
  }
});
