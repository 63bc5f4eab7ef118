// SPDX-License-Identifier: GPL-3.0-or-later
// Types of the Parley JS API: wasm/js/proxy.js in browsers (the SDK runs in a dedicated
// Worker), wasm/js/core.js in-process under Node.

// BEGIN GENERATED tables (wasm/tools/js_tables.cpp; the build checks it)
/** Parley error codes by name (sdk/include/parley/error.hpp); ParleyError.code is one of them. */
export declare const ErrorCode: {
  /** success */
  readonly ok: 0;
  /** an argument was out of range or malformed */
  readonly invalid_argument: 1;
  /** an internal invariant failed */
  readonly internal: 2;
  /** allocation failed */
  readonly out_of_memory: 3;
  /** a cryptographic primitive failed */
  readonly crypto: 4;
  /** the store key or passphrase does not open this file */
  readonly store_wrong_key: 20;
  /** the store file could not be read or written */
  readonly store_io: 21;
  /** the store holds data that does not parse */
  readonly store_corrupt: 22;
  /** the requested record is not in the store */
  readonly store_not_found: 23;
  /** a frame failed schema verification */
  readonly malformed_frame: 40;
  /** a frame or envelope has a version this build does not speak */
  readonly unsupported_version: 41;
  /** a buffer ended before its declared contents */
  readonly truncated: 42;
  /** a frame exceeds the size limit */
  readonly frame_too_large: 43;
  /** the message was already decrypted */
  readonly duplicate_message: 60;
  /** the message authentication code did not verify */
  readonly bad_mac: 61;
  /** there is no session with the sender */
  readonly no_session: 62;
  /** the peer's identity key changed */
  readonly untrusted_identity: 63;
  /** the ciphertext does not parse */
  readonly invalid_message: 64;
  /** a key is malformed or unknown */
  readonly invalid_key: 65;
  /** a signature did not verify */
  readonly invalid_signature: 66;
  /** the connection has not authenticated */
  readonly not_authenticated: 80;
  /** authentication failed */
  readonly auth_failed: 81;
  /** the device is not registered at the relay */
  readonly unknown_device: 82;
  /** the device is registered with another identity key */
  readonly device_exists: 83;
  /** a relay limit was exceeded */
  readonly limit_exceeded: 84;
  /** a recipient's mailbox is full */
  readonly mailbox_full: 85;
  /** the peer broke the relay protocol */
  readonly protocol_violation: 86;
  /** there is no connection to the relay */
  readonly not_connected: 87;
  /** the operation did not complete in time */
  readonly timeout: 88;
  /** the object was closed */
  readonly closed: 89;
  /** the relay registers new devices only with an invite token */
  readonly invite_required: 90;
  /** the invite token is unknown, used up, expired or revoked */
  readonly invite_invalid: 91;
  /** a relay rate limit was exceeded; retry later */
  readonly rate_limited: 92;
  /** the relay's storage is full; retry later */
  readonly storage_full: 93;
  /** a charter commit belongs to another cell */
  readonly charter_wrong_cell: 100;
  /** a charter commit is not for the next epoch */
  readonly charter_out_of_order: 101;
  /** a charter commit does not extend the current head */
  readonly charter_broken_chain: 102;
  /** the signer may not make this charter change */
  readonly charter_not_authorized: 103;
  /** a charter operation conflicts with the cell state */
  readonly charter_invalid_operation: 104;
  /** too many early charter commits are waiting */
  readonly charter_buffer_full: 105;
  /** a charter commit widens readers without the parties' consent */
  readonly charter_consent_missing: 106;
  /** this device is not a member of that cell */
  readonly cell_unknown: 110;
  /** the charter does not allow this on that channel */
  readonly cell_permission_denied: 111;
  /** the supervisor showed different charters for one epoch */
  readonly cell_equivocation: 112;
  /** a post names a charter epoch older than the freshness window */
  readonly cell_epoch_stale: 113;
  /** this device lacks a charter epoch it has heard of */
  readonly cell_epoch_behind: 114;
  /** charter commits this device asked for did not arrive */
  readonly cell_commits_withheld: 115;
  /** a poster left out posts this device may read, without proof */
  readonly cell_posts_withheld: 116;
  /** no supervisor device of the cell was heard from for too long */
  readonly cell_supervisor_silent: 117;
  /** the referenced channel message is not known */
  readonly hotline_unknown_message: 120;
  /** the device may not read that channel at that epoch */
  readonly hotline_not_reader: 121;
  /** that party is not asked to acknowledge the message */
  readonly hotline_party_not_required: 122;
  /** a deconfliction area is degenerate or out of range */
  readonly hotline_invalid_area: 123;
  /** the channel is not attested */
  readonly hotline_not_attested: 124;
  /** a transcript cannot be checked */
  readonly hotline_transcript_invalid: 125;
};
export type ErrorCodeName = keyof typeof ErrorCode;
/** The `type` of every event the SDK raises (each has its member in ParleyEvent). */
export type SdkEventType =
  | 'connected'
  | 'disconnected'
  | 'messageReceived'
  | 'messageSent'
  | 'sendFailed'
  | 'decryptFailed'
  | 'preKeysReplenished'
  | 'protocolError'
  | 'channelMessage'
  | 'charterChanged'
  | 'permissionDenied'
  | 'securityAlert'
  | 'proposalReceived'
  | 'acknowledgement'
  | 'messageOverdue'
  | 'escalation'
  | 'incidentUpdated'
  | 'noticeReceived'
  | 'noticesConflict'
  | 'invitationReceived';
export declare const EventTypes: readonly SdkEventType[];
// END GENERATED tables

/**
 * An SDK error: `code` is the Parley error code (ErrorCode, from sdk/include/parley/error.hpp),
 * `codeName` its name there ('unknown' for a number not in the table), `description` the
 * table's one-line text. `name` is 'ParleyError'.
 */
export class ParleyError extends Error {
  readonly name: 'ParleyError';
  readonly code: number;
  readonly codeName: ErrorCodeName | 'unknown';
  readonly description: string;
}

export interface Address {
  user: string;
  device: number;
}

export interface ErrorInfo {
  code: number;
  name: ErrorCodeName | 'unknown';
  message: string;
}

/** Handling precedence of a channel message; on an ack_required channel it shortens the deadline. */
export type Precedence = 'routine' | 'priority' | 'immediate' | 'flash';

/** Where a required party stands on acknowledging one message. */
export type AckState = 'pending' | 'acknowledged' | 'late' | 'overdue';

/** One channel message, named by its sender device and the sender's message id. */
export interface MessageRef {
  sender: Address;
  id: string;
}

/**
 * A WGS-84 point. Input: `lat`/`lon` in degrees (rounded to 10^-7) or `latE7`/`lonE7`
 * (degrees * 10^7, exact; they win when both are given). Output carries both.
 */
export interface GeoPointInput {
  lat?: number;
  lon?: number;
  latE7?: number;
  lonE7?: number;
}
export interface GeoPoint {
  lat: number;
  lon: number;
  latE7: number;
  lonE7: number;
}

/** A circle (radius 1 m..500 km) or a simple polygon (3..64 points, at most 1,000 km across). */
export type AreaInput = { circle: GeoPointInput & { radiusM: number } } | { polygon: GeoPointInput[] };
export type Area = { circle: GeoPoint & { radiusM: number } } | { polygon: GeoPoint[] };

/** [start, end) in ms since the Unix epoch; back-to-back windows do not overlap. At most 366 days. */
export interface TimeWindow {
  start: number;
  end: number;
}

export interface NoticeInput {
  area: AreaInput;
  window: TimeWindow;
  /** Up to 4 KiB of UTF-8. */
  description?: string;
}

/** A deconfliction notice as this device holds it (Device.notices). */
export interface NoticeEntry {
  sender: Address;
  id: string;
  /** The sender's party, from the charter. */
  party: string;
  sentAt: number;
  area: Area;
  window: TimeWindow;
  description: string;
  /** Notices of other parties that overlap this one in area and window. */
  conflicts: MessageRef[];
  /** As in HistoryEntry: each required party's state, and whether this device's party owes one. */
  acks: Record<string, AckState>;
  mustAcknowledge: boolean;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface IncidentInput {
  /** One line, up to 256 bytes. */
  title: string;
  /** Up to 16 KiB. */
  details?: string;
  /** Default 'medium'. */
  severity?: Severity;
  /** The other involved party (not this device's, not the supervisor's). */
  respondentParty: string;
  location?: GeoPointInput;
}

export type IncidentAction =
  | { type: 'acknowledge' }
  | { type: 'comment'; text: string }
  | { type: 'propose'; text: string }
  /** An involved party agrees to `proposal`; the supervisor's party resolves, with or without one. */
  | { type: 'resolve'; proposal?: MessageRef; text?: string };

/** An incident's state, computed by the SDK from the operations this device holds. */
export interface Incident {
  id: string;
  /** 'resolved' once it has a resolution; 'acknowledged' once any party acknowledged it. */
  state: 'open' | 'acknowledged' | 'resolved';
  openedBy: MessageRef;
  openerParty: string;
  respondentParty: string;
  openedAt: number;
  title: string;
  details: string;
  severity: Severity;
  location: GeoPoint | null;
  /** Party -> time of its earliest acknowledgement (ms). */
  acknowledged: Record<string, number>;
  comments: { ref: MessageRef; party: string; at: number; text: string }[];
  /** `agreed`: the involved parties that agreed to it (proposing counts). */
  proposals: { ref: MessageRef; party: string; at: number; text: string; agreed: string[] }[];
  resolution: {
    by: 'agreement' | 'supervisor';
    proposal: MessageRef | null;
    /** The operation that completed the resolution. */
    resolvedBy: MessageRef;
    at: number;
    text: string;
  } | null;
}

/** A Welcome kept until the app answers it (docs/protocol.md "Joining"). Everything but `from`, `genesis` and the fingerprint is the inviter's word. */
export interface Invitation {
  cell: string;
  name: string;
  supervisorParty: string;
  from: Address;
  epoch: number;
  genesis: string;
  supervisorFingerprint: string;
  /** Six groups of five digits, to read aloud and compare. */
  fingerprintDigits: string;
  receivedAt: number;
}

export type ParleyEvent =
  | { type: 'connected'; prekeysRemaining: number }
  | { type: 'disconnected'; error: ErrorInfo }
  | { type: 'messageReceived'; sender: Address; id: string; sentAt: number; text: string }
  | { type: 'messageSent'; id: string; recipient: Address }
  | { type: 'sendFailed'; id: string; recipient: Address; error: ErrorInfo }
  | { type: 'decryptFailed'; sender: Address; error: ErrorInfo }
  | { type: 'preKeysReplenished'; count: number }
  | { type: 'protocolError'; error: ErrorInfo }
  | { type: 'channelMessage'; cell: string; channel: string; sender: Address; id: string; epoch: number; sentAt: number; text: string; precedence: Precedence }
  | { type: 'charterChanged'; cell: string; epoch: number; joined: boolean }
  | { type: 'permissionDenied'; cell: string; channel: string; sender: Address; error: ErrorInfo }
  /**
   * `applied` and `conflicting`: for two validly signed commits of one epoch (cell_equivocation),
   * both commits (PLS1 bytes, hex), a proof a third party can check; '' otherwise.
   */
  | { type: 'securityAlert'; cell: string; sender: Address; epoch: number; error: ErrorInfo; applied: string; conflicting: string }
  /** Supervisor devices: a party admin's proposal, pending until acceptProposal / rejectProposal. */
  | { type: 'proposalReceived'; cell: string; id: string; proposer: Address; baseEpoch: number; changes: PendingProposalInfo['changes'] }
  | { type: 'acknowledgement'; cell: string; channel: string; sender: Address; id: string; party: string; by: Address }
  | { type: 'messageOverdue'; cell: string; channel: string; sender: Address; id: string; party: string; deadline: number }
  | { type: 'escalation'; cell: string; channel: string; from: Address; id: string; party: string; deadline: number }
  /** An incident operation was accepted (own ones too): re-read incidents(). */
  | { type: 'incidentUpdated'; cell: string; channel: string; incident: string; by: Address; id: string }
  /** Another device's deconfliction notice was accepted. */
  | { type: 'noticeReceived'; cell: string; channel: string; sender: Address; id: string; party: string; sentAt: number; precedence: Precedence; area: Area; window: TimeWindow; description: string }
  /** Two notices of different parties overlap; raised once per pair on every device holding both. */
  | { type: 'noticesConflict'; cell: string; channel: string; first: MessageRef; second: MessageRef; firstParty: string; secondParty: string }
  /** A Welcome that matched no join anchor: NOT joined. Compare the fingerprint, then acceptInvitation(genesis) or declineInvitation. */
  | ({ type: 'invitationReceived' } & Invitation)
  /** Writing the store to IndexedDB failed (browsers); the next change retries. */
  | { type: 'storageError'; error: { code: number; message: string } }
  /** Only from events(): the iterator fell behind by more than maxBuffered; `count` events were dropped. */
  | { type: 'eventsDropped'; count: number };

export interface CellMember extends Address {
  party: string;
  role?: 'supervisor' | 'party_admin' | 'member' | 'observer';
  /** 33-byte identity key, hex. */
  identityKey: string;
}

export type Role = 'supervisor' | 'party_admin' | 'member' | 'observer';

/** A READ or POST grant of a channel policy. */
export type Grant =
  | { kind: 'party'; name: string }
  | { kind: 'user'; name: string }
  | { kind: 'device'; name: string; device: number };

export interface ChannelInfo {
  /** The channel id that post(), history() and the hotline calls take. */
  id: string;
  /** Its display name. */
  name: string;
  archived: boolean;
  /** This device's READ and POST at the current epoch. */
  read: boolean;
  post: boolean;
  /** The policy: who may READ and POST (sorted: parties, users, devices). */
  readGrants: Grant[];
  postGrants: Grant[];
  ackRequired: boolean;
  /** The channel's acknowledgement deadline (0 when none); a precedence may shorten it. */
  ackDeadlineSeconds: number;
  attested: boolean;
  /** 0: kept. */
  retentionSeconds: number;
}

export interface CellDeviceInfo {
  address: Address;
  /** The 33-byte identity key the charter binds to the device, hex. */
  identityKey: string;
  /** Its fingerprint (as supervisorAnchor() hashes a key), hex. */
  identityFingerprint: string;
}

export interface CellMemberInfo {
  user: string;
  party: string;
  role: Role;
  devices: CellDeviceInfo[];
}

/** A party admin's proposal waiting on this supervisor device. */
export interface PendingProposalInfo {
  id: string;
  proposer: Address;
  baseEpoch: number;
  receivedAt: number;
  /** One line: "add IL il_analyst.1 (member); remove IL il_trade.1; role of sy_analyst: observer". */
  summary: string;
  changes: {
    add: { user: string; device: number; party: string; role: Role; identityKey: string }[];
    remove: Address[];
    roles: { user: string; role: Role }[];
  };
}

/**
 * The SDK's view of a cell (the same function computes it for C++, C, Python and JS), as this
 * device's charter says at its current epoch.
 */
export interface CellInfo {
  id: string;
  name: string;
  epoch: number;
  /** This device's party and its user's role in the cell (null once it is no longer a member). */
  party: string | null;
  role: Role | null;
  /** The cell's supervisor party (fixed when the cell was created). */
  supervisorParty: string;
  /** Every party with a user in the cell, sorted. */
  parties: string[];
  /** The genesis hash, hex: what joinAnchor(cell) encodes after 'parley-cell:'. */
  genesis: string;
  /** Fingerprint of the key that signed the genesis, hex (a supervisor anchor's value)... */
  supervisorFingerprint: string;
  /** ...and its six groups of five digits, for people to compare. */
  supervisorFingerprintDigits: string;
  /** By user name. */
  members: CellMemberInfo[];
  /** By channel id, archived ones included. */
  channels: ChannelInfo[];
  /** Supervisor devices only (empty elsewhere), by arrival. */
  pendingProposals: PendingProposalInfo[];
}

/** A device to add to a cell (addMember, propose). `role` (default 'member') counts only for a user new to the cell. */
export interface MemberInput {
  user: string;
  device?: number;
  party: string;
  role?: Role;
  /** 33-byte identity key, hex (Device.info().identityKey of that device, exchanged out of band). */
  identityKey: string;
}

/** A channel policy to set: the fields of a ChannelInfo, so one from cell() can be edited and passed back. */
export interface ChannelPolicyInput {
  readGrants?: Grant[];
  postGrants?: Grant[];
  ackRequired?: boolean;
  /** 1..the SDK's maximum iff ackRequired, else 0. */
  ackDeadlineSeconds?: number;
  attested?: boolean;
  /** 0: kept. */
  retentionSeconds?: number;
}

/** A party admin's membership changes of its own party (Device.propose). */
export interface ProposalInput {
  add?: MemberInput[];
  remove?: Address[];
  roles?: { user: string; role: Role }[];
}

export interface HistoryEntry {
  channel: string;
  sender: Address;
  id: string;
  epoch: number;
  sentAt: number;
  receivedAt: number;
  precedence: Precedence;
  text: string;
  /** Each required party's state; empty unless the channel asks for acknowledgements. */
  acks: Record<string, AckState>;
  /** This device's party is asked to acknowledge it and has not yet (see Device.acknowledge). */
  mustAcknowledge: boolean;
}

/** A sender-key chain the store holds (names only; never key bytes). */
export type ChannelKeyRecord =
  | { cell: string; channel: string; generation: number; sender: Address }
  /** A chain whose group id is not a channel's (hex of the id). */
  | { unknown: string; sender: Address };

export interface OpenDeviceOptions {
  /**
   * File path of the encrypted store. Browsers keep it in the Origin Private File System (in
   * IndexedDB where OPFS is missing); a store open in another tab is refused (store_io, 21).
   */
  path: string;
  passphrase: string;
  user: string;
  device?: number;
  /**
   * Browsers: keep the store (default true); opening fails (store_io, 21) where it cannot be
   * kept. `false`: in memory, gone with the page.
   */
  persistent?: boolean;
}

/**
 * A query's answer: a Promise in browsers (the SDK runs in a Worker), the value itself under
 * Node. `await` it in code meant for both.
 */
export type Answer<T> = T | Promise<T>;

export class Device {
  onEvent(listener: (event: ParleyEvent) => void): () => void;
  /**
   * The events as an async iterator; it ends when the device is closed. At most `maxBuffered`
   * (default 1024) unread events are kept: older ones are dropped and reported by one
   * `eventsDropped` event.
   */
  events(options?: { maxBuffered?: number }): AsyncIterableIterator<ParleyEvent>;
  info(): Answer<{ user: string; device: number; identityKey: string }>;
  /** `WebSocketImpl`: Node only (in browsers the socket lives in the Worker). */
  connect(url: string, options?: { WebSocketImpl?: unknown; reconnect?: boolean }): Promise<void>;
  disconnect(): Answer<void>;
  sendText(to: Address, text: string): Promise<string>;
  /** 'parley-cell:HEX' or 'parley-supervisor:HEX', given out of band; invalid_argument (1) otherwise. */
  addJoinAnchor(anchor: string): Promise<void>;
  supervisorAnchor(): Answer<string>;
  joinAnchor(cell: string): Answer<string>;
  acceptInvitation(genesis: string): Promise<void>;
  declineInvitation(genesis: string): Promise<void>;
  invitations(): Answer<Invitation[]>;
  createCell(options: { name?: string; members: CellMember[] }): Promise<string>;
  post(cell: string, channel: string, text: string, options?: { precedence?: Precedence }): Promise<string>;
  /** Acknowledges `sender`'s message `id` for this device's party; resolves to the acknowledgement's id. */
  acknowledge(cell: string, channel: string, sender: Address, id: string): Promise<string>;
  ackStatus(cell: string, channel: string, sender: Address, id: string): Answer<Record<string, AckState>>;
  cells(): Answer<CellInfo[]>;
  /** One cell's view; cell_unknown (110) if this device is not in it. */
  cell(cell: string): Answer<CellInfo>;
  history(cell: string, channel: string): Answer<HistoryEntry[]>;
  /** Opens an incident; resolves to its id. Errors: invalid_argument (1), cell_permission_denied (111), those of post(). */
  openIncident(cell: string, channel: string, incident: IncidentInput, options?: { precedence?: Precedence }): Promise<string>;
  /** Adds an operation to an incident; resolves to the operation's message id. Same errors as openIncident. */
  updateIncident(cell: string, channel: string, incident: string, action: IncidentAction): Promise<string>;
  incidents(cell: string, channel: string): Answer<Incident[]>;
  /** On an ack_required channel only (invalid_argument otherwise); hotline_invalid_area (123) for a bad area or window. */
  postNotice(cell: string, channel: string, notice: NoticeInput, options?: { precedence?: Precedence }): Promise<string>;
  notices(cell: string, channel: string): Answer<NoticeEntry[]>;
  // Governance. A supervisor device commits charter changes (charter_not_authorized (103)
  // elsewhere, charter_invalid_operation (104) for a change that does not apply, cell_unknown
  // (110)); each resolves once the commit is durable and on its way to the members.
  addMember(cell: string, member: MemberInput): Promise<void>;
  removeMember(cell: string, device: Address): Promise<void>;
  setRole(cell: string, user: string, role: Role): Promise<void>;
  /** `displayName` defaults to `channel`. Nobody may read or post until setChannelPolicy. */
  createChannel(cell: string, channel: string, displayName?: string): Promise<void>;
  archiveChannel(cell: string, channel: string): Promise<void>;
  /** A new display name for an existing channel (charter_invalid_operation for no such channel). */
  renameChannel(cell: string, channel: string, displayName: string): Promise<void>;
  setChannelPolicy(cell: string, channel: string, policy: ChannelPolicyInput): Promise<void>;
  /** Party admins: sends the changes to the supervisor devices (proposalReceived there); resolves to the proposal id. */
  propose(cell: string, changes: ProposalInput): Promise<string>;
  /** Supervisor devices: commits a pending proposal (store_not_found (23) if none has that id). */
  acceptProposal(cell: string, id: string): Promise<void>;
  rejectProposal(cell: string, id: string): Promise<void>;
  /**
   * The attested posts of an `attested` channel in [from, to] (ms; `to` 0: now) with the charter
   * to check every signer: the file `parley-verify` checks offline. hotline_not_attested (124),
   * limit_exceeded (84), cell_unknown (110).
   */
  exportTranscript(cell: string, channel: string, range?: { from?: number; to?: number }): Answer<Uint8Array>;
  /** Diagnostics: the channel key chains this device's store holds. */
  channelKeyRecords(): Answer<ChannelKeyRecord[]>;
  /** Resolves once every change so far is durable (immediate on OPFS, where each commit is). */
  persist(): Promise<void>;
  close(): Promise<void>;
  free(): Promise<void>;
}

/** One message's verdict in a TranscriptReport (parley/verify.hpp). */
export interface TranscriptMessage {
  index: number;
  ref: MessageRef;
  sequence: number;
  epoch: number;
  sentAt: number;
  precedence: Precedence | null;
  verdict: 'valid' | 'forged' | 'equivocation';
  /** forged: the first failed check ('none' otherwise). */
  reason: 'none' | 'unknown_epoch' | 'wrong_head' | 'not_a_member' | 'bad_signature' | 'not_attested'
    | 'not_a_poster' | 'bad_precedence' | 'bad_sequence' | 'duplicate';
  detail: string;
  /** equivocation: the index of the other message. */
  conflictsWith: number | null;
  acks: { party: string; device: Address; at: number }[];
}

/** What Parley.verifyTranscript found; never message bodies. */
export interface TranscriptReport {
  cell: string;
  channel: string;
  genesis: string;
  charterEpoch: number;
  from: number;
  to: number;
  messages: TranscriptMessage[];
  missing: ({ kind: 'sequenceGap'; sender: Address; firstSequence: number; lastSequence: number }
    | { kind: 'acknowledgedMessage'; sender: Address; target?: MessageRef; acknowledgedBy?: MessageRef })[];
  /** Every message valid and nothing missing. */
  allValid: boolean;
}

export class Parley {
  openDevice(options: OpenDeviceOptions): Promise<Device>;
  /**
   * Checks a transcript (Device.exportTranscript's bytes) offline, as parley-verify does; no
   * device needed. Refused as a whole: malformed_frame (40) / truncated (42) / ... for bytes
   * that are no transcript, hotline_transcript_invalid (125) for a charter that does not fold
   * or another genesis than `expectedGenesis` (64 hex digits), hotline_not_attested (124).
   */
  verifyTranscript(transcript: Uint8Array, options?: { expectedGenesis?: string }): Promise<TranscriptReport>;
  /** Six groups of five digits of a fingerprint (64 hex digits), to read aloud; invalid_argument (1) otherwise. */
  fingerprintDigits(fingerprint: string): Promise<string>;
}

/**
 * Loads the wasm module (in browsers: in a new dedicated Worker, `workerUrl` overriding where
 * parley-worker.mjs is); rejects with a ParleyError if it cannot.
 */
export function init(options?: { moduleOptions?: object; workerUrl?: string | URL }): Promise<Parley>;
