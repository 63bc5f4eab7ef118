// SPDX-License-Identifier: GPL-3.0-or-later
// Runs inside the benchmark page (store-bench.cjs passes it to page.evaluate): three
// devices, each in its own SDK Worker, through the real relay. A supervisor (memory) makes a
// cell with B, the device measured (OPFS, or memory for the baseline), and C (memory), which
// feeds B's mailbox. Returns rates in messages per second. Self-contained: Playwright sends
// its source text to the page.
'use strict';
async function storeBench({ count, history, persistent, tag }) {
  const { init } = await import('/pkg/parley.mjs');
  const url = `ws://${location.host}/`;
  const open = async (name, keep) => {
    const parley = await init();
    const device = await parley.openDevice({ path: `/bench/${tag}-${name}.db`, passphrase: 'bench', user: `${tag}${name}`,
      persistent: keep });
    const events = [];
    device.onEvent((e) => events.push(e));
    await device.connect(url);
    return { device, events };
  };
  const waitFor = (events, match, n = 1) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (events.filter(match).length >= n) resolve();
      else if (Date.now() - started > 600000) reject(new Error('benchmark timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
  const sup = await open('sup', false);
  const b = await open('b', persistent);
  const c = await open('c', false);
  const [ib, ic] = await Promise.all([b.device.info(), c.device.info()]);
  const cell = await sup.device.createCell({ name: 'bench', members: [
    { user: ib.user, device: 1, party: 'IL', role: 'member', identityKey: ib.identityKey },
    { user: ic.user, device: 1, party: 'SY', role: 'member', identityKey: ic.identityKey }] });
  await waitFor(b.events, (e) => e.type === 'charterChanged');
  await waitFor(c.events, (e) => e.type === 'charterChanged');

  const text = 'x'.repeat(200);
  // B posts `n` messages one after the other (each resolves once durable and sent).
  const postRate = async (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) await b.device.post(cell, 'intel', text);
    return n / ((performance.now() - t0) / 1000);
  };
  // C fills B's mailbox while B is offline; then B connects and drains it.
  const receiveRate = async (n) => {
    await b.device.disconnect();
    const sent = c.events.filter((e) => e.type === 'messageSent').length;
    for (let i = 0; i < n; i += 1) await c.device.post(cell, 'intel', text);
    await waitFor(c.events, (e) => e.type === 'messageSent', sent + n);
    const got = b.events.filter((e) => e.type === 'channelMessage').length;
    const t0 = performance.now();
    await b.device.connect(url);
    await waitFor(b.events, (e) => e.type === 'channelMessage', got + n);
    return n / ((performance.now() - t0) / 1000);
  };
  const result = { emptyPost: await postRate(count), emptyReceive: await receiveRate(count) };
  for (let done = 0; done < history;) {  // the history: B's own posts, untimed
    const batch = Math.min(200, history - done);
    await Promise.all(Array.from({ length: batch }, () => b.device.post(cell, 'intel', text)));
    done += batch;
  }
  result.historyPost = await postRate(count);
  result.historyReceive = await receiveRate(count);
  for (const d of [sup, b, c]) await d.device.close();
  return result;
}

module.exports = { storeBench };
