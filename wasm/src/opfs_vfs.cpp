// SPDX-License-Identifier: GPL-3.0-or-later
// A SQLite VFS over the Origin Private File System (browsers, dedicated Worker only).
//
// Why: IDBFS keeps the store in memory and copies whole files to IndexedDB on a sync, so a
// commit is not durable when SQLite says so and each sync costs the size of the history. OPFS
// synchronous access handles (FileSystemSyncAccessHandle) read, write, truncate and flush a
// real file synchronously, which is what a SQLite VFS must do. Opening a handle is
// asynchronous, so, as SQLite's own opfs-sahpool VFS does, the Worker opens a small pool of
// slot files per store before the store is opened (wasm/js/opfs_pool.js); each slot file
// starts with a header naming the SQLite file it currently holds (the store, its -wal, its
// -journal), and this VFS maps SQLite's files onto slots through that pool.
//
// One connection per store (Web Locks refuse a second tab), so locks are no-ops and the WAL
// index ("shared memory") lives on the heap of this connection: after a crash SQLite rebuilds
// it from the -wal file, exactly as after a reboot natively. Files no pool owns (SQLite's
// temporary files) go to the VFS that was the default before (Emscripten's MEMFS).
#include <emscripten.h>
#include <sqlite3.h>

#include <cstdlib>
#include <cstring>

// The pool (Module.parleyOpfs, wasm/js/opfs_pool.js). Offsets and sizes travel as doubles:
// exact up to 2^53, and no BigInt legalisation at the wasm boundary.
// find: slot index of `path` (created in a free slot of its pool if `create`), -1 when its
// pool has no such file (or no free slot), -2 when no pool owns the path.
EM_JS(int, parley_opfs_find, (const char* path, int create), {
  return Module.parleyOpfs.find(UTF8ToString(path), create !== 0);
});
EM_JS(int, parley_opfs_read, (int slot, unsigned char* buffer, int size, double offset), {
  return Module.parleyOpfs.read(slot, HEAPU8.subarray(buffer, buffer + size), offset);
});
EM_JS(int, parley_opfs_write, (int slot, const unsigned char* buffer, int size, double offset), {
  return Module.parleyOpfs.write(slot, HEAPU8.subarray(buffer, buffer + size), offset);
});
EM_JS(int, parley_opfs_truncate, (int slot, double size), { return Module.parleyOpfs.truncate(slot, size); });
EM_JS(int, parley_opfs_flush, (int slot), { return Module.parleyOpfs.flush(slot); });
EM_JS(double, parley_opfs_size, (int slot), { return Module.parleyOpfs.size(slot); });
EM_JS(int, parley_opfs_forget, (int slot), { return Module.parleyOpfs.forget(slot); });

namespace {

sqlite3_vfs* fallback = nullptr;  // the default VFS before ours: temporary files, time, randomness

struct OpfsFile {
  sqlite3_file base;  // first: SQLite sees an OpfsFile as a sqlite3_file
  int slot;
  int flags;
  void** regions;  // the WAL index, on the heap (see the file comment)
  int region_count;
};

OpfsFile* as_opfs(sqlite3_file* file) { return reinterpret_cast<OpfsFile*>(file); }

int file_close(sqlite3_file* file) {
  OpfsFile* f = as_opfs(file);
  for (int i = 0; i < f->region_count; ++i) std::free(f->regions[i]);
  std::free(f->regions);
  f->regions = nullptr;
  f->region_count = 0;
  int rc = SQLITE_OK;
  // SQLITE_OPEN_DELETEONCLOSE is only asked for temporary files, which never reach a slot;
  // honour it anyway.
  if (f->flags & SQLITE_OPEN_DELETEONCLOSE) rc = parley_opfs_forget(f->slot) == 0 ? SQLITE_OK : SQLITE_IOERR_DELETE;
  return rc;
}

int file_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  const int got = parley_opfs_read(as_opfs(file)->slot, static_cast<unsigned char*>(buffer), amount,
                                   static_cast<double>(offset));
  if (got < 0) return SQLITE_IOERR_READ;
  if (got < amount) {  // SQLite requires the missing tail zeroed
    std::memset(static_cast<unsigned char*>(buffer) + got, 0, static_cast<std::size_t>(amount - got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int file_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  const int wrote = parley_opfs_write(as_opfs(file)->slot, static_cast<const unsigned char*>(buffer), amount,
                                      static_cast<double>(offset));
  return wrote == amount ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

int file_truncate(sqlite3_file* file, sqlite3_int64 size) {
  return parley_opfs_truncate(as_opfs(file)->slot, static_cast<double>(size)) == 0 ? SQLITE_OK : SQLITE_IOERR_TRUNCATE;
}

// What makes a commit durable: the handle's flush() returns once the data is on disk.
int file_sync(sqlite3_file* file, int) {
  return parley_opfs_flush(as_opfs(file)->slot) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  const double bytes = parley_opfs_size(as_opfs(file)->slot);
  if (bytes < 0) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>(bytes);
  return SQLITE_OK;
}

// One connection per store (Web Locks in the Worker): nothing to lock against.
int file_lock(sqlite3_file*, int) { return SQLITE_OK; }
int file_check_reserved(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int file_control(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int file_sector_size(sqlite3_file*) { return 4096; }
int file_characteristics(sqlite3_file*) { return SQLITE_IOCAP_UNDELETABLE_WHEN_OPEN; }

int shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  OpfsFile* f = as_opfs(file);
  *out = nullptr;
  if (region >= f->region_count) {
    if (!extend) return SQLITE_OK;
    auto* grown = static_cast<void**>(std::realloc(f->regions, sizeof(void*) * static_cast<std::size_t>(region + 1)));
    if (!grown) return SQLITE_NOMEM;
    for (int i = f->region_count; i <= region; ++i) grown[i] = nullptr;
    f->regions = grown;
    f->region_count = region + 1;
  }
  if (!f->regions[region]) {
    if (!extend) return SQLITE_OK;
    f->regions[region] = std::calloc(1, static_cast<std::size_t>(size));
    if (!f->regions[region]) return SQLITE_NOMEM;
  }
  *out = f->regions[region];
  return SQLITE_OK;
}
int shm_lock(sqlite3_file*, int, int, int) { return SQLITE_OK; }
void shm_barrier(sqlite3_file*) {}
int shm_unmap(sqlite3_file* file, int) {
  OpfsFile* f = as_opfs(file);
  for (int i = 0; i < f->region_count; ++i) std::free(f->regions[i]);
  std::free(f->regions);
  f->regions = nullptr;
  f->region_count = 0;
  return SQLITE_OK;
}

const sqlite3_io_methods io_methods = {
    2,  // with the shared-memory methods: WAL works without exclusive locking mode
    file_close, file_read, file_write, file_truncate, file_sync, file_size, file_lock, file_lock,
    file_check_reserved, file_control, file_sector_size, file_characteristics,
    shm_map, shm_lock, shm_barrier, shm_unmap,
    nullptr, nullptr,
};

int vfs_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  const int slot = name ? parley_opfs_find(name, (flags & SQLITE_OPEN_CREATE) ? 1 : 0) : -2;
  if (slot == -2) return fallback->xOpen(fallback, name, file, flags, out_flags);
  if (slot < 0) return SQLITE_CANTOPEN;
  OpfsFile* f = as_opfs(file);
  std::memset(f, 0, sizeof(OpfsFile));
  f->slot = slot;
  f->flags = flags;
  f->base.pMethods = &io_methods;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  const int slot = parley_opfs_find(name, 0);
  if (slot == -2) return fallback->xDelete(fallback, name, sync_dir);
  if (slot < 0) return SQLITE_IOERR_DELETE_NOENT;
  return parley_opfs_forget(slot) == 0 ? SQLITE_OK : SQLITE_IOERR_DELETE;
}

int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  const int slot = parley_opfs_find(name, 0);
  if (slot == -2) return fallback->xAccess(fallback, name, flags, out);
  *out = slot >= 0 ? 1 : 0;
  return SQLITE_OK;
}

int vfs_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return fallback->xFullPathname(fallback, name, size, out);
}
int vfs_randomness(sqlite3_vfs*, int size, char* out) { return fallback->xRandomness(fallback, size, out); }
int vfs_sleep(sqlite3_vfs*, int micros) { return fallback->xSleep(fallback, micros); }
int vfs_current_time(sqlite3_vfs*, double* out) { return fallback->xCurrentTime(fallback, out); }
int vfs_last_error(sqlite3_vfs*, int size, char* out) { return fallback->xGetLastError(fallback, size, out); }
int vfs_current_time64(sqlite3_vfs*, sqlite3_int64* out) {
  return fallback->xCurrentTimeInt64(fallback, out);
}

sqlite3_vfs vfs = {
    2, 0, 1024, nullptr, "parley-opfs", nullptr,
    vfs_open, vfs_delete, vfs_access, vfs_full_pathname,
    nullptr, nullptr, nullptr, nullptr,  // no extension loading (SQLITE_OMIT_LOAD_EXTENSION)
    vfs_randomness, vfs_sleep, vfs_current_time, vfs_last_error, vfs_current_time64,
    nullptr, nullptr, nullptr,
};

}  // namespace

extern "C" {

// Makes the OPFS VFS SQLite's default, so every store the device exports open afterwards lives
// in a pool slot. Called once by the Worker (wasm/js/store_browser.js) when OPFS is there;
// returns a SQLite result code.
EMSCRIPTEN_KEEPALIVE int parley_opfs_vfs_install() {
  if (fallback) return SQLITE_OK;
  if (const int rc = sqlite3_initialize(); rc != SQLITE_OK) return rc;
  fallback = sqlite3_vfs_find(nullptr);
  if (!fallback) return SQLITE_ERROR;
  vfs.szOsFile = fallback->szOsFile > static_cast<int>(sizeof(OpfsFile)) ? fallback->szOsFile
                                                                         : static_cast<int>(sizeof(OpfsFile));
  vfs.mxPathname = fallback->mxPathname;
  return sqlite3_vfs_register(&vfs, 1);
}

}  // extern "C"
