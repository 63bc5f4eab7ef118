// SPDX-License-Identifier: GPL-3.0-or-later
// A native device (tests/wasm_peer, PARLEY_PEER_BINARY) driven by JSON lines.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

// `dir`: keep the store there (it outlives stop()); by default a temporary folder, removed.
function startPeer(port, user, device = 1, { dir: keep } = {}) {
  const binary = process.env.PARLEY_PEER_BINARY;
  if (!binary || !fs.existsSync(binary)) throw new Error(`PARLEY_PEER_BINARY not built: ${binary}`);
  if (keep) fs.mkdirSync(keep, { recursive: true });
  const dir = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'parley-peer-'));
  const child = spawn(binary, ['--relay', `127.0.0.1:${port}`, '--store', path.join(dir, 'store.db'),
    '--passphrase', 'native peer', '--user', user, '--device', String(device)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = new Set();
  const listeners = new Set();
  readline.createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text);
    lines.push(line);
    for (const listener of listeners) listener(line);
    for (const w of waiters) if (w.match(line)) { waiters.delete(w); w.resolve(line); }
  });
  // The first line at or after `from` that satisfies `match`.
  function waitFor(match, { from = 0, ms = 20000 } = {}) {
    const seen = lines.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      waiters.add(w);
      setTimeout(() => { if (waiters.delete(w)) reject(new Error(`native peer: timed out; lines: ${JSON.stringify(lines)}`)); }, ms);
    });
  }
  return {
    lines,
    waitFor,
    // Calls listener(line) for every later line.
    onLine(listener) { listeners.add(listener); },
    async cmd(command) {
      const from = lines.length;
      child.stdin.write(JSON.stringify(command) + '\n');
      const reply = await waitFor((l) => l.reply === command.cmd, { from });
      if (reply.error) throw new Error(`native peer ${command.cmd}: ${reply.error}`);
      return reply;
    },
    stop() {
      child.kill('SIGTERM');
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startPeer };
