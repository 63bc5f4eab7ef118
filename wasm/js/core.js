// SPDX-License-Identifier: GPL-3.0-or-later
// The JS API in-process over the wasm exports (wasm/src/device_exports.cpp). It holds no
// protocol logic: it moves frames between the engine and a WebSocket, feeds the clock and
// forwards events. Frames and events leave only once the store changes that produced them are
// durable: at once where a commit is durable when SQLite returns (OPFS, or a store that does not
// persist), after the IndexedDB sync otherwise (IDBFS fallback).
// Bundled by wasm/cmake/bundle.cmake into parley.cjs (Node) and parley-worker.mjs (the browser
// Worker, driven by proxy.js from the page); each flavour supplies `loadModule` and
// `openStore(module, path, persistent)` (store_node.js, store_browser.js).

// Devices freed by the garbage collector if the application forgot close(); a backstop only.
const registry = new FinalizationRegistry(({ module, handle }) => {
  if (handle.ptr) module._parley_device_close(handle.ptr);
  handle.ptr = 0;
});

async function init(options = {}) {
  let module;
  try {
    module = await loadModule(options.moduleOptions || {});
  } catch (cause) {
    throw new ParleyError(ErrorCode.internal, `the Parley wasm module failed to load: ${cause && cause.message}`);
  }
  return new Parley(module);
}

class Parley {
  constructor(module) {
    this.module = module;
  }

  /**
   * Opens (or creates) the device stored at `path`, encrypted with `passphrase`. In browsers
   * the store lives in OPFS (IndexedDB where OPFS is missing) and a store that cannot persist
   * is an error unless `persistent: false`.
   */
  async openDevice({ path, passphrase, user, device = 1, persistent = true }) {
    const m = this.module;
    const store = await openStore(m, path, persistent);
    const out = m._malloc(4);
    const rc = withStrings(m, [store.path, passphrase, user], ([p, k, u]) =>
      m._parley_device_open(p, k, u, device, Date.now(), out));
    const ptr = m.HEAPU32[out >> 2];
    m._free(out);
    if (rc !== 0) {
      const error = new ParleyError(rc, m.UTF8ToString(m._parley_last_error()));
      await store.close();
      throw error;
    }
    const handle = { ptr };
    const d = new Device(m, handle, store);
    registry.register(d, { module: m, handle }, d);
    await d.persist();
    d.armTimer();
    return d;
  }

  /**
   * The six groups of five digits of a fingerprint (64 hex digits, e.g. a member device's
   * identityFingerprint), for people to read aloud and compare. invalid_argument otherwise.
   */
  async fingerprintDigits(fingerprint) {
    const m = this.module;
    const rc = withStrings(m, [String(fingerprint)], ([f]) => m._parley_fingerprint_digits_of(f));
    if (rc !== 0) throw new ParleyError(rc, m.UTF8ToString(m._parley_verify_last_error()));
    const from = m._parley_verify_result();
    return new TextDecoder().decode(m.HEAPU8.slice(from, from + m._parley_verify_result_size()));
  }

  /**
   * Checks an attested channel's transcript offline (exportTranscript's bytes, any device's),
   * as parley-verify does: the charter from its genesis, each message's signature and
   * authority. `expectedGenesis` (64 hex digits, agreed out of band) refuses another cell's.
   * Resolves to the report; forged, equivocating and missing messages are findings in it.
   */
  async verifyTranscript(bytes, { expectedGenesis = '' } = {}) {
    const m = this.module;
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const at = m._malloc(data.length || 1);
    m.HEAPU8.set(data, at);
    let rc;
    try {
      rc = withStrings(m, [expectedGenesis], ([g]) => m._parley_verify_transcript(at, data.length, g));
    } finally {
      m._free(at);
    }
    if (rc !== 0) throw new ParleyError(rc, m.UTF8ToString(m._parley_verify_last_error()));
    const from = m._parley_verify_result();
    return JSON.parse(new TextDecoder().decode(m.HEAPU8.slice(from, from + m._parley_verify_result_size())));
  }
}

class Device {
  constructor(module, handle, store) {
    this.m = module;
    this.handle = handle;
    this.store = store;
    this.hub = new EventHub(() => !this.handle.ptr);
    this.socket = null;
    this.outgoing = Promise.resolve();  // frames and events waiting for their commit to be durable
    // Time in for the sans-IO engine: one timer, armed after every pump for the engine's
    // next deadline (acknowledgements, withheld commits, refused sends). No ticking.
    this.timer = null;
  }

  // Arms the one timer for the engine's poll_timeout (never longer than a minute, so that a
  // wall clock that jumped is noticed).
  armTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.handle.ptr) return;
    const at = this.m._parley_device_poll_timeout(this.ptr);
    const wait = at < 0 ? 60000 : Math.min(60000, Math.max(0, at - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.handle.ptr) return;
      this.m._parley_device_handle_timeout(this.ptr, Date.now());
      this.pump({ persistAlways: false });
    }, wait);
    if (this.timer.unref) this.timer.unref();  // Node: never keeps the process alive
  }

  get ptr() {
    if (!this.handle.ptr) throw new ParleyError(ErrorCode.closed, 'the device is closed');
    return this.handle.ptr;
  }

  /** Calls `listener(event)` for every event; returns a function that removes it. */
  onEvent(listener) { return this.hub.onEvent(listener); }

  /** The events as an async iterator (EventHub.events in common.js). */
  events(options) { return this.hub.events(options); }

  /** {user, device, identityKey} of this device. */
  info() {
    check(this.m, this.m._parley_device_info(this.ptr));
    return JSON.parse(this.resultText());
  }

  /**
   * Connects to the relay at `url` (ws://host:port/) and keeps the connection up: after a
   * drop it reconnects with backoff (200 ms doubling to 5 s) until disconnect() or close().
   * Resolves once the first connection is open.
   */
  connect(url, { WebSocketImpl = globalThis.WebSocket, reconnect = true } = {}) {
    this.url = url;
    this.WebSocketImpl = WebSocketImpl;
    this.reconnect = reconnect;
    this.wanted = true;
    this.backoff = 200;
    return new Promise((resolve, reject) => this.openSocket(resolve, reject));
  }

  openSocket(resolve, reject) {
    const socket = new this.WebSocketImpl(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      if (!this.handle.ptr) return;
      this.backoff = 200;
      this.m._parley_device_on_open(this.ptr, Date.now());
      this.pump();
      if (resolve) resolve();
      resolve = reject = null;
    };
    socket.onclose = (e) => {
      if (this.socket === socket) this.socket = null;
      if (!this.handle.ptr) return;
      withStrings(this.m, [`connection closed (${e.code})`], ([r]) =>
        this.m._parley_device_on_close(this.ptr, r, Date.now()));
      this.pump();
      if (this.wanted && this.reconnect) {
        setTimeout(() => {
          if (this.wanted && this.handle.ptr && !this.socket) this.openSocket(resolve, reject);
        }, this.backoff);
        this.backoff = Math.min(this.backoff * 2, 5000);
      } else if (reject) {
        reject(new ParleyError(ErrorCode.not_connected, `cannot connect to ${this.url}`));
      }
    };
    socket.onmessage = (e) => {
      if (!this.handle.ptr) return;
      const bytes = new Uint8Array(e.data);
      const at = this.m._malloc(bytes.length || 1);
      this.m.HEAPU8.set(bytes, at);
      const rc = this.m._parley_device_on_frame(this.ptr, at, bytes.length, Date.now());
      this.m._free(at);
      if (rc !== 0) socket.close(4000, 'protocol error');
      this.pump();
    };
  }

  /** Closes the connection and stops reconnecting. */
  disconnect() {
    this.wanted = false;
    if (this.socket) this.socket.close(1000, 'bye');
  }

  /** Queues `text` for the device `to` ({user, device}); resolves to the message id. */
  async sendText(to, text) {
    const rc = withStrings(this.m, [to.user, text], ([u, t]) =>
      this.m._parley_device_send_text(this.ptr, u, to.device ?? 1, t, Date.now()));
    return this.finish(rc);
  }

  /**
   * Joining (docs/protocol.md "Joining"): a Welcome joins this device only if it matches an
   * anchor given here out of band ('parley-cell:HEX' for one cell, 'parley-supervisor:HEX' for
   * the cells that supervisor device creates); invitations already waiting that it matches
   * join at once. Any other Welcome is an 'invitationReceived' event until accepted.
   */
  async addJoinAnchor(anchor) {
    const rc = withStrings(this.m, [anchor], ([a]) => this.m._parley_device_add_join_anchor(this.ptr, a, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** This device's anchor, for the members of the cells it creates. */
  supervisorAnchor() {
    check(this.m, this.m._parley_device_supervisor_anchor(this.ptr));
    return this.resultText();
  }

  /** The anchor of one cell this device is in. */
  joinAnchor(cell) {
    check(this.m, withStrings(this.m, [cell], ([c]) => this.m._parley_device_join_anchor(this.ptr, c)));
    return this.resultText();
  }

  /** Joins the cell of an invitation (its `genesis`, hex). store_not_found (23) if none waits. */
  async acceptInvitation(genesis) {
    const rc = withStrings(this.m, [genesis], ([g]) => this.m._parley_device_answer_invitation(this.ptr, g, 1, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  async declineInvitation(genesis) {
    const rc = withStrings(this.m, [genesis], ([g]) => this.m._parley_device_answer_invitation(this.ptr, g, 0, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** Invitations waiting for an answer, oldest first (fields as in the invitationReceived event). */
  invitations() {
    check(this.m, this.m._parley_device_invitations(this.ptr));
    return JSON.parse(this.resultText());
  }

  /** Creates a cell from the standard template; resolves to its id (hex). */
  async createCell(options) {
    const rc = withStrings(this.m, [JSON.stringify(options)], ([o]) =>
      this.m._parley_device_create_cell(this.ptr, o, Date.now()));
    return this.finish(rc);
  }

  // --- governance: a supervisor device commits charter changes; a party admin proposes
  // changes of its own party (the SDK decides who may: charter_not_authorized otherwise) ---

  /**
   * Adds a device to the cell: {user, device, party, role?, identityKey}; `role` (default
   * 'member') counts only for a user new to the cell. Resolves once the commit is durable.
   */
  async addMember(cell, member) {
    const rc = withStrings(this.m, [cell, JSON.stringify(member ?? null)], ([c, j]) =>
      this.m._parley_device_add_member(this.ptr, c, j, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** Removes the device `address` ({user, device}) from the cell. */
  async removeMember(cell, address) {
    const rc = withStrings(this.m, [cell, address.user], ([c, u]) =>
      this.m._parley_device_remove_member(this.ptr, c, u, address.device ?? 1, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** Sets the role ('supervisor' | 'party_admin' | 'member' | 'observer') of a user of the cell. */
  async setRole(cell, user, role) {
    const rc = withStrings(this.m, [cell, user, role], ([c, u, r]) =>
      this.m._parley_device_set_role(this.ptr, c, u, r, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** Creates a channel (no one may read or post until setChannelPolicy says so). */
  async createChannel(cell, channel, displayName = channel) {
    const rc = withStrings(this.m, [cell, channel, displayName], ([c, ch, n]) =>
      this.m._parley_device_create_channel(this.ptr, c, ch, n, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  async archiveChannel(cell, channel) {
    const rc = withStrings(this.m, [cell, channel], ([c, ch]) =>
      this.m._parley_device_archive_channel(this.ptr, c, ch, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** A new display name for an existing channel; its id and everything else stay. */
  async renameChannel(cell, channel, displayName) {
    const rc = withStrings(this.m, [cell, channel, displayName], ([c, ch, n]) =>
      this.m._parley_device_rename_channel(this.ptr, c, ch, n, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /**
   * Replaces a channel's policy: {readGrants, postGrants, ackRequired?, ackDeadlineSeconds?,
   * attested?, retentionSeconds?}, the fields of a cell view's channel (so one can be edited
   * and passed back).
   */
  async setChannelPolicy(cell, channel, policy) {
    const rc = withStrings(this.m, [cell, channel, JSON.stringify(policy ?? null)], ([c, ch, p]) =>
      this.m._parley_device_set_channel_policy(this.ptr, c, ch, p, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /**
   * A party admin's proposal {add?: [member], remove?: [{user, device}], roles?: [{user, role}]},
   * sent to the cell's supervisor devices (a proposalReceived event there); resolves to its id.
   */
  async propose(cell, changes) {
    const rc = withStrings(this.m, [cell, JSON.stringify(changes ?? null)], ([c, j]) =>
      this.m._parley_device_propose(this.ptr, c, j, Date.now()));
    return this.finish(rc);
  }

  /** Supervisor devices: commits a pending proposal's changes (checked again against the charter). */
  async acceptProposal(cell, id) {
    const rc = withStrings(this.m, [cell, id], ([c, i]) =>
      this.m._parley_device_answer_proposal(this.ptr, c, i, 1, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /** Supervisor devices: forgets a pending proposal. */
  async rejectProposal(cell, id) {
    const rc = withStrings(this.m, [cell, id], ([c, i]) =>
      this.m._parley_device_answer_proposal(this.ptr, c, i, 0, Date.now()));
    return this.finish(rc).then(() => undefined);
  }

  /**
   * The attested posts of an `attested` channel sent in [from, to] (ms; `to` 0: now) with the
   * charter that checks every signer: the bytes `parley-verify` checks offline.
   */
  exportTranscript(cell, channel, { from = 0, to = 0 } = {}) {
    check(this.m, withStrings(this.m, [cell, channel], ([c, ch]) =>
      this.m._parley_device_export_transcript(this.ptr, c, ch, from, to)));
    return this.resultBytes();
  }

  /**
   * Posts `text` on `channel` of `cell` with a precedence ('routine' by default, 'priority',
   * 'immediate', 'flash'; on an ack_required channel it shortens the deadline); resolves to
   * the message id.
   */
  async post(cell, channel, text, { precedence = 'routine' } = {}) {
    const rc = withStrings(this.m, [cell, channel, text, precedence], ([c, ch, t, p]) =>
      this.m._parley_device_post(this.ptr, c, ch, t, p, Date.now()));
    return this.finish(rc);
  }

  /**
   * Acknowledges the message `id` of `sender` ({user, device}) on an ack_required channel for
   * this device's party (never automatic); resolves to the acknowledgement's message id.
   */
  async acknowledge(cell, channel, sender, id) {
    const rc = withStrings(this.m, [cell, channel, sender.user, id], ([c, ch, u, i]) =>
      this.m._parley_device_acknowledge(this.ptr, c, ch, u, sender.device ?? 1, i, Date.now()));
    return this.finish(rc);
  }

  /** Each required party's state for that message: {party: 'pending' | 'acknowledged' | 'late' | 'overdue'}. */
  ackStatus(cell, channel, sender, id) {
    const rc = withStrings(this.m, [cell, channel, sender.user, id], ([c, ch, u, i]) =>
      this.m._parley_device_ack_status(this.ptr, c, ch, u, sender.device ?? 1, i, Date.now()));
    check(this.m, rc);
    return JSON.parse(this.resultText());
  }

  /**
   * Opens an incident (dispute) on `channel` between this device's party and
   * `incident.respondentParty` ({title, details, severity, respondentParty, location?});
   * resolves to the incident id (hex). The SDK refuses what other devices would ignore.
   */
  async openIncident(cell, channel, incident, { precedence = 'routine' } = {}) {
    const rc = withStrings(this.m, [cell, channel, JSON.stringify(incident ?? null), precedence], ([c, ch, i, p]) =>
      this.m._parley_device_open_incident(this.ptr, c, ch, i, p, Date.now()));
    return this.finish(rc);
  }

  /**
   * Adds an operation to an incident: {type: 'acknowledge'} | {type: 'comment', text} |
   * {type: 'propose', text} | {type: 'resolve', proposal?: {sender, id}, text?} (an involved
   * party resolves by agreeing to a proposal; the supervisor's party alone, with or without
   * one). Resolves to the operation's message id.
   */
  async updateIncident(cell, channel, incident, action) {
    const rc = withStrings(this.m, [cell, channel, incident, JSON.stringify(action ?? null)], ([c, ch, i, a]) =>
      this.m._parley_device_update_incident(this.ptr, c, ch, i, a, Date.now()));
    return this.finish(rc);
  }

  /** Every incident of `channel` as this device's SDK computes it, in opening order. */
  incidents(cell, channel) {
    const rc = withStrings(this.m, [cell, channel], ([c, ch]) =>
      this.m._parley_device_incidents(this.ptr, c, ch));
    check(this.m, rc);
    return JSON.parse(this.resultText());
  }

  /**
   * Posts a deconfliction notice ({area, window: {start, end}, description}) on an
   * ack_required channel; resolves to its message id. Other parties acknowledge it with
   * acknowledge(); overlaps with their notices raise `noticesConflict` events.
   */
  async postNotice(cell, channel, notice, { precedence = 'routine' } = {}) {
    const rc = withStrings(this.m, [cell, channel, JSON.stringify(notice ?? null), precedence], ([c, ch, n, p]) =>
      this.m._parley_device_post_notice(this.ptr, c, ch, n, p, Date.now()));
    return this.finish(rc);
  }

  /** The notices of `channel` with their conflicts and acknowledgement state. */
  notices(cell, channel) {
    const rc = withStrings(this.m, [cell, channel], ([c, ch]) =>
      this.m._parley_device_notices(this.ptr, c, ch, Date.now()));
    check(this.m, rc);
    return JSON.parse(this.resultText());
  }

  /**
   * The SDK's view of every cell of this device: name, genesis, supervisor fingerprint, members,
   * channels with their policy and this device's READ/POST, pending proposals (supervisors).
   */
  cells() {
    check(this.m, this.m._parley_device_cells(this.ptr));
    return JSON.parse(this.resultText());
  }

  /** The SDK's view of one cell (as in cells()). cell_unknown (110) if this device is not in it. */
  cell(cell) {
    check(this.m, withStrings(this.m, [cell], ([c]) => this.m._parley_device_cell(this.ptr, c)));
    return JSON.parse(this.resultText());
  }

  /**
   * The messages of `channel` this device accepted, in the order it saw them, each with its
   * precedence, the required parties' acknowledgement states and `mustAcknowledge`.
   */
  history(cell, channel) {
    const rc = withStrings(this.m, [cell, channel], ([c, ch]) =>
      this.m._parley_device_history(this.ptr, c, ch, Date.now()));
    check(this.m, rc);
    return JSON.parse(this.resultText());
  }

  /** Diagnostics: which channel (sender-key) chains the store holds, by name; never key bytes. */
  channelKeyRecords() {
    check(this.m, this.m._parley_device_channel_key_records(this.ptr));
    return JSON.parse(this.resultText());
  }

  /** Resolves once every change so far is durable (a no-op where commits are durable at once). */
  persist() {
    return this.store.persist();
  }

  /** Closes the connection and frees the device (the store stays on disk). Idempotent. */
  async close() {
    if (!this.handle.ptr) return;
    this.wanted = false;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, 'closed');
    await this.outgoing;
    await this.persist();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.hub.end();
    registry.unregister(this);
    this.m._parley_device_close(this.handle.ptr);
    this.handle.ptr = 0;
    await this.store.close();  // the store's OPFS handles and its Web Lock
  }

  free() {
    return this.close();
  }

  // Takes the engine's queued frames and events and lets them out once the commits that made
  // them are durable (the Ack that lets the relay delete mail included): at once when the store
  // is durable on commit, else after the next sync (for clock ticks only when the engine
  // produced something). Order is kept: releases queue behind each other.
  pump({ persistAlways = true } = {}) {
    if (!this.handle.ptr) return;
    this.armTimer();
    const frames = [];
    while (this.m._parley_device_poll_transmit(this.ptr)) frames.push(this.resultBytes());
    const events = [];
    while (this.m._parley_device_poll_event(this.ptr)) events.push(JSON.parse(this.resultText()));
    if (this.store.durable) {
      this.release(frames, events);
      return;
    }
    if (!persistAlways && !frames.length && !events.length) return;
    this.outgoing = this.outgoing.then(() => this.persist()).then(() => this.release(frames, events), (e) => {
      // Not durable, so nothing of it leaves: the engine resends unacknowledged mail later.
      this.hub.deliver({ type: 'storageError', error: { code: e.code, message: e.message } });
    });
  }

  release(frames, events) {
    for (const frame of frames) {
      if (this.socket && this.socket.readyState === 1) this.socket.send(frame);
    }
    for (const event of events) this.hub.deliver(event);
  }

  async finish(rc) {
    check(this.m, rc);
    const value = this.resultText();
    this.pump();
    await this.outgoing;
    return value;
  }

  resultBytes() {
    const at = this.m._parley_device_result(this.ptr);
    const size = this.m._parley_device_result_size(this.ptr);
    return this.m.HEAPU8.slice(at, at + size);
  }

  resultText() {
    return new TextDecoder().decode(this.resultBytes());
  }
}

function check(m, rc) {
  if (rc !== 0) throw new ParleyError(rc, m.UTF8ToString(m._parley_last_error()));
}

// Calls fn with the strings copied into wasm memory, freeing them afterwards.
function withStrings(m, strings, fn) {
  const ptrs = strings.map((s) => {
    const size = m.lengthBytesUTF8(s) + 1;
    const at = m._malloc(size);
    m.stringToUTF8(s, at, size);
    return at;
  });
  try {
    return fn(ptrs);
  } finally {
    ptrs.forEach((p) => m._free(p));
  }
}
