// SPDX-License-Identifier: GPL-3.0-or-later
// The OPFS slot pools behind the SQLite VFS of wasm/src/opfs_vfs.cpp (Worker only).
// SQLite's VFS calls are synchronous but opening a FileSystemSyncAccessHandle is not, so each
// store gets a folder of SLOTS pre-opened slot files before SQLite opens it (the approach of
// SQLite's opfs-sahpool VFS). A slot file is HEADER bytes naming the SQLite file it holds
// ('' = free), then that file's bytes. The VFS reaches this through Module.parleyOpfs.

const OPFS_HEADER = 4096;  // data starts on a page boundary
const OPFS_NAME_MAX = 512;
const OPFS_SLOTS = 8;  // the store, its -wal and -journal, .kdf and .kdf.new, and room to spare

class OpfsPools {
  constructor() {
    this.slots = [];  // index = slot id: {handle, name, pool} or null once its pool closed
  }

  // Opens (creating) the pool of `storePath` in OPFS folder `folder`; resolves to a function
  // that closes its handles. Fails while another tab or worker holds the folder's handles.
  async open(storePath, folder) {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(folder, { create: true });
    const pool = { storePath, ids: [] };
    try {
      for (let i = 0; i < OPFS_SLOTS; i += 1) {
        const file = await dir.getFileHandle(`slot-${i}`, { create: true });
        const handle = await file.createSyncAccessHandle();
        pool.ids.push(this.slots.length);
        this.slots.push({ handle, name: readSlotName(handle), pool });
      }
    } catch (error) {
      this.close(pool);
      throw error;
    }
    return () => this.close(pool);
  }

  close(pool) {
    for (const id of pool.ids) {
      try { this.slots[id].handle.close(); } catch (e) { /* already closed */ }
      this.slots[id] = null;
    }
    pool.ids = [];
  }

  // The slot holding `name`; a free one of its pool if `create`. -1: none; -2: no pool owns it.
  find(name, create) {
    let owner = null;
    for (let id = 0; id < this.slots.length; id += 1) {
      const slot = this.slots[id];
      if (!slot || !ownedBy(name, slot.pool.storePath)) continue;
      if (slot.name === name) return id;
      owner = slot.pool;
    }
    if (!owner) return -2;
    if (!create) return -1;
    const free = owner.ids.find((id) => this.slots[id].name === '');
    if (free === undefined) return -1;
    this.name(free, name);
    return free;
  }

  read(id, view, offset) {
    try { return this.slots[id].handle.read(view, { at: OPFS_HEADER + offset }); } catch (e) { return -1; }
  }

  write(id, view, offset) {
    try { return this.slots[id].handle.write(view, { at: OPFS_HEADER + offset }); } catch (e) { return -1; }
  }

  truncate(id, size) {
    try { this.slots[id].handle.truncate(OPFS_HEADER + size); return 0; } catch (e) { return -1; }
  }

  flush(id) {
    try { this.slots[id].handle.flush(); return 0; } catch (e) { return -1; }
  }

  size(id) {
    try { return Math.max(0, this.slots[id].handle.getSize() - OPFS_HEADER); } catch (e) { return -1; }
  }

  // SQLite deleted the file (a -journal at commit, say): the slot is free again, durably.
  forget(id) {
    try {
      this.slots[id].handle.truncate(OPFS_HEADER);
      this.name(id, '');
      return 0;
    } catch (e) { return -1; }
  }

  name(id, name) {
    const slot = this.slots[id];
    const header = new Uint8Array(OPFS_NAME_MAX);
    const bytes = new TextEncoder().encode(name);
    if (bytes.length >= OPFS_NAME_MAX) throw new ParleyError(ErrorCode.store_io, `store path too long for OPFS: ${name}`);
    header.set(bytes);
    slot.handle.write(header, { at: 0 });
    slot.handle.flush();
    slot.name = name;
  }
}

function readSlotName(handle) {
  if (handle.getSize() < OPFS_HEADER) {  // new slot file: give it its empty header
    handle.truncate(OPFS_HEADER);
    handle.flush();
    return '';
  }
  const header = new Uint8Array(OPFS_NAME_MAX);
  handle.read(header, { at: 0 });
  const end = header.indexOf(0);
  return new TextDecoder().decode(header.subarray(0, end < 0 ? OPFS_NAME_MAX : end));
}

// The store file itself, SQLite's companions of it (-wal, -journal, -shm) and the passphrase
// KDF header with its pending copy (.kdf, .kdf.new: sdk/src/store/passphrase_open.cpp).
function ownedBy(name, storePath) {
  return name === storePath || name.startsWith(`${storePath}-`) ||
    name === `${storePath}.kdf` || name === `${storePath}.kdf.new`;
}
