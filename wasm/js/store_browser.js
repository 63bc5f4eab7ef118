// SPDX-License-Identifier: GPL-3.0-or-later
// Where a store lives in the browser Worker (parley-worker.mjs):
// - OPFS through the SQLite VFS of wasm/src/opfs_vfs.cpp (opfs_pool.js): a commit is durable
//   when SQLite returns, so frames and events leave at once;
// - IndexedDB (IDBFS, mounted at /idb) only where OPFS is missing: an in-memory copy synced
//   whole, so frames and events wait for the sync (core.js);
// - `persistent: false`: memory, gone with the Worker.
// A persistent store that can be neither is an error, and one store is open in one tab only
// (Web Locks), because two writers would each overwrite the other's ratchets.
// Relies on memfs.js.

const IDB_MOUNT = '/idb';

async function openStore(m, path, persistent) {
  const absolute = path.startsWith('/') ? path : `/${path}`;
  if (!persistent) return openStoreInMemory(m, absolute);
  if (opfsAvailable()) return openStoreWith(absolute, () => openOpfsStore(m, absolute));
  if (typeof indexedDB !== 'undefined' && m.IDBFS) return openStoreWith(absolute, () => openIdbStore(m, absolute));
  throw new ParleyError(ErrorCode.store_io, `the store ${absolute} cannot persist here: this browser offers neither OPFS ` +
    'synchronous access handles (in a Worker) nor IndexedDB; open it with persistent: false to keep it in memory');
}

function opfsAvailable() {
  return typeof navigator !== 'undefined' && navigator.storage && typeof navigator.storage.getDirectory === 'function'
    && typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype;
}

// Holds the store's Web Lock while it is open; the lock goes with close() or with the tab.
async function openStoreWith(path, open) {
  const unlock = await lockStore(path);
  try {
    const store = await open();
    const close = store.close;
    store.close = async () => {
      try { await close(); } finally { unlock(); }
    };
    return store;
  } catch (error) {
    unlock();
    throw error;
  }
}

function lockStore(path) {
  if (typeof navigator === 'undefined' || !navigator.locks) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    navigator.locks.request(`parley-store:${path}`, { ifAvailable: true }, (lock) => {
      if (!lock) {
        reject(new ParleyError(ErrorCode.store_io, `the store ${path} is already open in another tab or window of this ` +
          'site; close it there first (one store has one writer)'));
        return undefined;
      }
      return new Promise((release) => resolve(release));  // held until release()
    }).catch(reject);
  });
}

async function openOpfsStore(m, path) {
  if (!m.parleyOpfs) {
    m.parleyOpfs = new OpfsPools();
    const rc = m._parley_opfs_vfs_install();
    if (rc !== 0) throw new ParleyError(ErrorCode.store_io, `the OPFS store could not be set up (SQLite error ${rc})`);
  }
  let closePool;
  try {
    closePool = await m.parleyOpfs.open(path, `parley-store-${encodeURIComponent(path)}`);
  } catch (cause) {
    throw new ParleyError(ErrorCode.store_io, `the store ${path} could not be opened in OPFS: ${cause && cause.message}`);
  }
  return { path, durable: true, persist: () => Promise.resolve(), close: async () => closePool() };
}

async function openIdbStore(m, path) {
  mkdirs(m, IDB_MOUNT);
  if (!m.parleyIdbMounted) {
    m.FS.mount(m.IDBFS, {}, IDB_MOUNT);
    m.parleyIdbMounted = true;
    await syncfs(m, true);
  }
  const file = IDB_MOUNT + path;
  mkdirs(m, parentOf(file));
  let pending = Promise.resolve();
  // Serialised: a second sync waits for the first, so the last state always lands.
  const persist = () => (pending = pending.then(() => syncfs(m, false)));
  return { path: file, durable: false, persist, close: persist };
}

function syncfs(m, populate) {
  return new Promise((resolve, reject) =>
    m.FS.syncfs(populate, (err) => (err ? reject(new ParleyError(ErrorCode.store_io, `IndexedDB sync failed: ${err}`)) : resolve())));
}
