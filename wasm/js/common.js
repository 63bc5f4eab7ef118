// SPDX-License-Identifier: GPL-3.0-or-later
// What every flavour of the JS API shares: the error type and the event fan-out (callbacks and
// async iterators). Used in-process (core.js, Node and the Worker) and by the main-thread
// proxy of the browser flavour (proxy.js), so both give apps the same events() semantics.

/**
 * An SDK error: `code` is the numeric Parley error code (one of ErrorCode's values), `codeName`
 * its name in the one table (sdk/include/parley/error.hpp, e.g. 'store_wrong_key'; 'unknown'
 * for a number not in it) and `description` the table's one-line text. `name` stays
 * 'ParleyError', as JS expects of an Error subclass (stack traces, `e.name` checks).
 */
class ParleyError extends Error {
  constructor(code, message) {
    const [codeName, description] = errorTable.get(code) || ['unknown', 'unknown error code'];
    super(message || `${codeName}: ${description}`);
    this.name = 'ParleyError';
    this.code = code;
    this.codeName = codeName;
    this.description = description;
  }
}

// The Device calls the page's proxy forwards to the Worker unchanged (proxy.js, worker.js);
// connect and close are forwarded too, with their own handling on each side.
const DEVICE_CALLS = ['info', 'disconnect', 'sendText', 'createCell', 'post', 'acknowledge', 'ackStatus',
  'openIncident', 'updateIncident', 'incidents', 'postNotice', 'notices', 'cells', 'cell', 'history',
  'channelKeyRecords', 'persist', 'addJoinAnchor', 'supervisorAnchor', 'joinAnchor', 'acceptInvitation',
  'declineInvitation', 'invitations', 'addMember', 'removeMember', 'setRole', 'createChannel', 'archiveChannel',
  'renameChannel', 'setChannelPolicy', 'propose', 'acceptProposal', 'rejectProposal', 'exportTranscript'];

// Listeners and events() iterators of one device. `ended()` tells whether the device is closed.
class EventHub {
  constructor(ended) {
    this.ended = ended;
    this.listeners = new Set();
    this.streams = new Set();  // open events() iterators, ended by end()
  }

  /** Calls `listener(event)` for every event; returns a function that removes it. */
  onEvent(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The events as an async iterator: `for await (const e of device.events()) ...`. It ends
   * (done) once the device is closed, after the events it still holds; `break` detaches it.
   * Buffering is bounded: an iterator that falls more than `maxBuffered` events behind drops
   * the oldest, and the next event it yields is `{type: 'eventsDropped', count}` (re-read
   * cells() and history() then). Each iterator sees only events after its creation.
   */
  events({ maxBuffered = 1024 } = {}) {
    if (!(maxBuffered >= 1)) throw new ParleyError(ErrorCode.invalid_argument, 'events(): maxBuffered must be at least 1');
    const buffer = [];
    let dropped = 0;
    const waiting = [];  // resolves of next() calls made with nothing buffered, in call order
    let ended = this.ended();
    const streams = this.streams;
    const stream = {
      push(event) {
        if (waiting.length) {
          waiting.shift()({ value: event, done: false });
          return;
        }
        buffer.push(event);
        if (buffer.length > maxBuffered) {
          buffer.shift();
          dropped += 1;
        }
      },
      end() {
        ended = true;
        streams.delete(stream);
        for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
      },
    };
    if (!ended) streams.add(stream);
    return {
      next() {
        if (dropped) {
          const count = dropped;
          dropped = 0;
          return Promise.resolve({ value: { type: 'eventsDropped', count }, done: false });
        }
        if (buffer.length) return Promise.resolve({ value: buffer.shift(), done: false });
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { waiting.push(resolve); });
      },
      return() {
        buffer.length = 0;
        dropped = 0;
        stream.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  // To every callback and every events() iterator.
  deliver(event) {
    for (const listener of this.listeners) listener(event);
    for (const stream of this.streams) stream.push(event);
  }

  // The device closed: iterators end after what they still hold.
  end() {
    for (const stream of [...this.streams]) stream.end();
  }
}
