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
  const anchor = await sup.device.supervisorAnchor();
  await Promise.all([b.device.addJoinAnchor(anchor), c.device.addJoinAnchor(anchor)]);
  const cell = await sup.device.createCell({ name: 'bench', members: [
    { user: ib.user, device: 1, party: 'IL', role: 'member', identityKey: ib.identityKey },
    { user: ic.user, device: 1, party: 'SY', role: 'member', identityKey: ic.identityKey }] });
  await waitFor(b.events, (e) => e.type === 'charterChanged');
  await waitFor(c.events, (e) => e.type === 'charterChanged');

  const text = 'x'.repeat(200);
  // The other devices share this machine's cores: they are offline while B is measured, and
  // every phase starts once all three have caught up with everything sent so far.
  const posted = { b: 0, c: 0 };
  const from = (device) => (e) => e.type === 'channelMessage' && e.sender.user === device.user;
  const settle = async () => {
    await waitFor(c.events, from(ib), posted.b);
    await waitFor(sup.events, from(ib), posted.b);
    await waitFor(sup.events, from(ic), posted.c);
    await waitFor(b.events, from(ic), posted.c);
  };
  const offline = async (...devices) => { for (const d of devices) await d.device.disconnect(); };
  const online = async (...devices) => { for (const d of devices) await d.device.connect(url); };
  // B posts `n` messages one after the other (each resolves once durable and sent).
  const postRate = async (n) => {
    await offline(sup, c);
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) await b.device.post(cell, 'intel', text);
    const rate = n / ((performance.now() - t0) / 1000);
    posted.b += n;
    await online(sup, c);
    await settle();
    return rate;
  };
  // C fills B's mailbox while B is offline; then B connects and drains it.
  const receiveRate = async (n) => {
    await offline(b, sup);
    const sent = c.events.filter((e) => e.type === 'messageSent').length;
    for (let i = 0; i < n; i += 1) await c.device.post(cell, 'intel', text);
    await waitFor(c.events, (e) => e.type === 'messageSent', sent + n);
    posted.c += n;
    const got = b.events.filter(from(ic)).length;
    const t0 = performance.now();
    await online(b);
    await waitFor(b.events, from(ic), got + n);
    const rate = n / ((performance.now() - t0) / 1000);
    await online(sup);
    await settle();
    return rate;
  };
  const result = { emptyPost: await postRate(count), emptyReceive: await receiveRate(count) };
  for (let done = 0; done < history;) {  // the history: B's own posts, untimed
    const batch = Math.min(200, history - done);
    await Promise.all(Array.from({ length: batch }, () => b.device.post(cell, 'intel', text)));
    done += batch;
    posted.b += batch;
    await settle();  // the readers keep up, as real ones would: no mailbox overflows its quota
  }
  result.historyPost = await postRate(count);
  result.historyReceive = await receiveRate(count);
  for (const d of [sup, b, c]) await d.device.close();
  return result;
}

module.exports = { storeBench };
