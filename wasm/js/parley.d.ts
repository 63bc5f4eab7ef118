// SPDX-License-Identifier: GPL-3.0-or-later
// Types of the Parley JS API (wasm/js/core.js).

/** An SDK error: `code` is the Parley error code (sdk/include/parley/error.hpp). */
export class ParleyError extends Error {
  readonly code: number;
}

export interface Address {
  user: string;
  device: number;
}

export interface ErrorInfo {
  code: number;
  name: string;
  message: string;
}

/** Handling precedence of a channel message; on an ack_required channel it shortens the deadline. */
export type Precedence = 'routine' | 'priority' | 'immediate' | 'flash';

/** Where a required party stands on acknowledging one message. */
export type AckState = 'pending' | 'acknowledged' | 'late' | 'overdue';

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
  | { type: 'securityAlert'; cell: string; sender: Address; epoch: number; error: ErrorInfo }
  | { type: 'proposalReceived'; cell: string; id: string; proposer: Address; baseEpoch: number }
  | { type: 'acknowledgement'; cell: string; channel: string; sender: Address; id: string; party: string; by: Address }
  | { type: 'messageOverdue'; cell: string; channel: string; sender: Address; id: string; party: string; deadline: number }
  | { type: 'escalation'; cell: string; channel: string; from: Address; id: string; party: string; deadline: number }
  /** An SDK event this version of the JS API does not describe yet. */
  | { type: 'unmapped' }
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

export interface ChannelInfo {
  id: string;
  name: string;
  archived: boolean;
  read: boolean;
  post: boolean;
  ackRequired: boolean;
  /** The channel's acknowledgement deadline (0 when none); a precedence may shorten it. */
  ackDeadlineSeconds: number;
  attested: boolean;
}

export interface CellInfo {
  id: string;
  name: string;
  epoch: number;
  /** This device's party and its user's role in the cell (null once it is no longer a member). */
  party: string | null;
  role: 'supervisor' | 'party_admin' | 'member' | 'observer' | null;
  channels: ChannelInfo[];
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
  /** File path of the encrypted store; in browsers its folder is kept in IndexedDB. */
  path: string;
  passphrase: string;
  user: string;
  device?: number;
  /** Browsers: persist the folder to IndexedDB (default true). */
  persistent?: boolean;
}

export class Device {
  onEvent(listener: (event: ParleyEvent) => void): () => void;
  /**
   * The events as an async iterator; it ends when the device is closed. At most `maxBuffered`
   * (default 1024) unread events are kept: older ones are dropped and reported by one
   * `eventsDropped` event.
   */
  events(options?: { maxBuffered?: number }): AsyncIterableIterator<ParleyEvent>;
  info(): { user: string; device: number; identityKey: string };
  connect(url: string, options?: { WebSocketImpl?: unknown; reconnect?: boolean }): Promise<void>;
  disconnect(): void;
  sendText(to: Address, text: string): Promise<string>;
  createCell(options: { name?: string; members: CellMember[] }): Promise<string>;
  post(cell: string, channel: string, text: string, options?: { precedence?: Precedence }): Promise<string>;
  /** Acknowledges `sender`'s message `id` for this device's party; resolves to the acknowledgement's id. */
  acknowledge(cell: string, channel: string, sender: Address, id: string): Promise<string>;
  ackStatus(cell: string, channel: string, sender: Address, id: string): Record<string, AckState>;
  cells(): CellInfo[];
  history(cell: string, channel: string): HistoryEntry[];
  /** Diagnostics: the channel key chains this device's store holds. */
  channelKeyRecords(): ChannelKeyRecord[];
  persist(): Promise<void>;
  close(): Promise<void>;
  free(): Promise<void>;
}

export class Parley {
  openDevice(options: OpenDeviceOptions): Promise<Device>;
}

/** Loads the wasm module; rejects with a ParleyError if it cannot. */
export function init(options?: { moduleOptions?: object }): Promise<Parley>;
