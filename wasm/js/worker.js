// SPDX-License-Identifier: GPL-3.0-or-later
// The dedicated Worker of the browser flavour (parley-worker.mjs): it runs the SDK in-process
// (core.js: the wasm module, its OPFS store, the relay WebSocket, the clock) and answers the
// page's proxy (proxy.js). Messages in: {id, op: 'init' | 'open' | 'parley' | 'call', ...}; out: {id,
// value} or {id, error: {code, message}}, and {device, event} for each event, posted as the
// device releases it (after its commit is durable), so the page sees nothing undurable.

const WORKER_CALLS = new Set([...DEVICE_CALLS, 'connect', 'close']);

let workerParley = null;
const workerDevices = new Map();
let nextWorkerDevice = 1;

async function answer(data) {
  if (data.op === 'init') {
    // The .wasm sits next to this script whatever page loaded it (Emscripten's own guess does
    // not know module workers).
    const locateFile = (name) => new URL(name, import.meta.url).href;
    workerParley = workerParley || await init({ moduleOptions: { locateFile, ...(data.options || {}).moduleOptions } });
    return true;
  }
  if (!workerParley) throw new ParleyError(ErrorCode.internal, 'the Parley worker is not initialised');
  // Device-less calls of the Parley object.
  if (data.op === 'parley') {
    if (!['verifyTranscript', 'fingerprintDigits'].includes(data.method)) {
      throw new ParleyError(ErrorCode.invalid_argument, `no such call: ${data.method}`);
    }
    return workerParley[data.method](...data.args);
  }
  if (data.op === 'open') {
    const device = await workerParley.openDevice(data.options);
    const id = nextWorkerDevice++;
    workerDevices.set(id, device);
    device.onEvent((event) => self.postMessage({ device: id, event }));
    return id;
  }
  const device = workerDevices.get(data.device);
  if (!device) throw new ParleyError(ErrorCode.closed, 'the device is closed');
  if (data.op !== 'call' || !WORKER_CALLS.has(data.method)) throw new ParleyError(ErrorCode.invalid_argument, `no such call: ${data.method}`);
  const value = await device[data.method](...data.args);
  if (data.method === 'close') workerDevices.delete(data.device);
  return value;
}

self.onmessage = ({ data }) => {
  answer(data).then(
    (value) => self.postMessage({ id: data.id, value }),
    (e) => self.postMessage({ id: data.id, error: { code: (e && e.code) || 2, message: (e && e.message) || String(e) } }));
};
