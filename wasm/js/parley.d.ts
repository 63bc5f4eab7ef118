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

export type ParleyEvent =
  | { type: 'connected'; prekeysRemaining: number }
  | { type: 'disconnected'; error: ErrorInfo }
  | { type: 'messageReceived'; sender: Address; id: string; sentAt: number; text: string }
  | { type: 'messageSent'; id: string; recipient: Address }
  | { type: 'sendFailed'; id: string; recipient: Address; error: ErrorInfo }
  | { type: 'decryptFailed'; sender: Address; error: ErrorInfo }
  | { type: 'preKeysReplenished'; count: number }
  | { type: 'protocolError'; error: ErrorInfo }
  | { type: 'channelMessage'; cell: string; channel: string; sender: Address; id: string; epoch: number; sentAt: number; text: string }
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
  | { type: 'storageError'; error: { code: number; message: string } };

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
}

export interface CellInfo {
  id: string;
  name: string;
  epoch: number;
  channels: ChannelInfo[];
}

export interface HistoryEntry {
  channel: string;
  sender: Address;
  id: string;
  epoch: number;
  sentAt: number;
  receivedAt: number;
  kind: number;
  text: string;
}

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
  info(): { user: string; device: number; identityKey: string };
  connect(url: string, options?: { WebSocketImpl?: unknown; reconnect?: boolean }): Promise<void>;
  disconnect(): void;
  sendText(to: Address, text: string): Promise<string>;
  createCell(options: { name?: string; members: CellMember[] }): Promise<string>;
  post(cell: string, channel: string, text: string): Promise<string>;
  cells(): CellInfo[];
  history(cell: string, channel: string): HistoryEntry[];
  persist(): Promise<void>;
  close(): Promise<void>;
  free(): Promise<void>;
}

export class Parley {
  openDevice(options: OpenDeviceOptions): Promise<Device>;
}

/** Loads the wasm module; rejects with a ParleyError if it cannot. */
export function init(options?: { moduleOptions?: object }): Promise<Parley>;
