// SPDX-License-Identifier: GPL-3.0-or-later
// The real parley-relay binary (PARLEY_RELAY_BINARY) on a loopback port, for Node and
// browser tests: start, crash (SIGKILL) and restart on the same port and data.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The relay refuses PARLEY_RELAY_* variables it does not know (a typo in a setting must not
// pass silently), and this harness's own PARLEY_RELAY_BINARY is one of those: keep it out.
function relayEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARLEY_RELAY_')));
}

function spawnRelay(binary, listen, data, extraArgs) {
  const child = spawn(binary, ['--listen', listen, '--data', data, '--registration', 'open', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: relayEnvironment() });
  const port = new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${text}`)), 15000);
    const onData = (chunk) => {
      text += chunk;
      const match = /listening on [^\s]*:(\d+)/.exec(text);
      if (match) { clearTimeout(timer); resolve(Number(match[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`relay exited (${code}): ${text}`)); });
  });
  return { child, port };
}

// `listen` (default any free loopback port); `data`: keep the relay's storage there (it
// outlives stop()); by default a temporary folder, removed by stop(). With `--tls-cert` (and
// `--tls-key`) in `extraArgs` the relay speaks only TLS, and `url`/`http` are wss:// and https://.
async function startRelay(extraArgs = [], { listen = '127.0.0.1:0', data: keep } = {}) {
  const binary = process.env.PARLEY_RELAY_BINARY;
  if (!binary || !fs.existsSync(binary)) throw new Error(`PARLEY_RELAY_BINARY not built: ${binary}`);
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const data = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'parley-relay-'));
  let { child, port } = spawnRelay(binary, listen, data, extraArgs);
  port = await port;
  const tls = extraArgs.includes('--tls-cert');
  const relay = {
    port,
    url: `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}/`,
    http: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    kill() {
      child.kill('SIGKILL');
    },
    async restart() {
      const next = spawnRelay(binary, `127.0.0.1:${port}`, data, extraArgs);
      child = next.child;
      await next.port;
    },
    stop() {
      child.kill('SIGTERM');
      if (!keep) fs.rmSync(data, { recursive: true, force: true });
    },
  };
  return relay;
}

module.exports = { startRelay };
