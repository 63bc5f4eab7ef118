// SPDX-License-Identifier: GPL-3.0-or-later
// The browser flavour's API on the page (parley.mjs): the same shape as core.js, with every
// Device call a Promise, forwarded to the SDK in a dedicated Worker (parley-worker.mjs,
// worker.js). The Worker owns the store (OPFS) and the relay WebSocket; the page only gets
// answers and events, each after the commit behind it is durable.

// Devices the application forgot to close(): closed in the Worker as a backstop only.
const proxyRegistry = new FinalizationRegistry(({ rpc, id }) => {
  rpc.call({ op: 'call', device: id, method: 'close', args: [] }).catch(() => {});
});

/**
 * Starts the SDK's Worker and loads the wasm module in it. `workerUrl` overrides where the
 * Worker script is (default: parley-worker.mjs next to this file).
 */
async function init(options = {}) {
  let worker;
  try {
    worker = new Worker(options.workerUrl || new URL('./parley-worker.mjs', import.meta.url), { type: 'module' });
  } catch (cause) {
    throw new ParleyError(ErrorCode.internal, `the Parley worker failed to start: ${cause && cause.message}`);
  }
  const rpc = new WorkerRpc(worker);
  try {
    await rpc.call({ op: 'init', options: { moduleOptions: options.moduleOptions } });
  } catch (cause) {
    worker.terminate();
    throw cause.code ? cause : new ParleyError(ErrorCode.internal, `the Parley wasm module failed to load: ${cause.message}`);
  }
  return new Parley(rpc);
}

class WorkerRpc {
  constructor(worker) {
    this.worker = worker;
    this.pending = new Map();
    this.nextId = 1;
    this.hubs = new Map();  // device id -> EventHub
    worker.onmessage = ({ data }) => {
      if (data.event) {
        const hub = this.hubs.get(data.device);
        if (hub) hub.deliver(data.event);
        return;
      }
      const call = this.pending.get(data.id);
      if (!call) return;
      this.pending.delete(data.id);
      if (data.error) call.reject(new ParleyError(data.error.code, data.error.message));
      else call.resolve(data.value);
    };
    worker.onerror = (e) => {
      const error = new ParleyError(ErrorCode.internal, `the Parley worker failed: ${e.message || 'could not load'}`);
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
  }

  call(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}

class Parley {
  constructor(rpc) {
    this.rpc = rpc;
  }

  /**
   * Opens (or creates) the device stored at `path` in the Worker: in OPFS (IndexedDB where
   * OPFS is missing); refused while another tab has it open, and when it cannot persist
   * (unless `persistent: false`).
   */
  async openDevice(options) {
    const id = await this.rpc.call({ op: 'open', options });
    const device = new Device(this.rpc, id);
    proxyRegistry.register(device, { rpc: this.rpc, id }, device);
    return device;
  }

  /** As core.js: checks a transcript offline (in the Worker). */
  verifyTranscript(bytes, options) {
    return this.rpc.call({ op: 'parley', method: 'verifyTranscript', args: [bytes, options] });
  }

  /** As core.js (in the Worker). */
  fingerprintDigits(fingerprint) {
    return this.rpc.call({ op: 'parley', method: 'fingerprintDigits', args: [fingerprint] });
  }
}

class Device {
  constructor(rpc, id) {
    this.rpc = rpc;
    this.id = id;
    this.closed = false;
    this.hub = new EventHub(() => this.closed);
    rpc.hubs.set(id, this.hub);
  }

  onEvent(listener) { return this.hub.onEvent(listener); }

  events(options) { return this.hub.events(options); }

  /** As core.js, without `WebSocketImpl`: the socket lives in the Worker. */
  connect(url, { reconnect = true } = {}) {
    return this.forward('connect', [url, { reconnect }]);
  }

  async close() {
    if (this.closed) return;
    await this.forward('close', []);
    this.closed = true;
    this.hub.end();
    this.rpc.hubs.delete(this.id);
    proxyRegistry.unregister(this);
  }

  free() {
    return this.close();
  }

  forward(method, args) {
    if (this.closed) return Promise.reject(new ParleyError(ErrorCode.closed, 'the device is closed'));
    return this.rpc.call({ op: 'call', device: this.id, method, args });
  }
}

// Every other call goes to the Worker's device unchanged (DEVICE_CALLS, common.js).
for (const method of DEVICE_CALLS) {
  Device.prototype[method] = function forwarded(...args) { return this.forward(method, args); };
}
