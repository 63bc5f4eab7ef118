// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a store with a passphrase: derive the raw key with the parameters in `<path>.kdf`,
// create that header for a new store, and migrate a store created with SQLCipher's default
// passphrase KDF (no header) to a derived raw key.
//
// The header files are read and written through SQLite's default VFS (xOpen, xRead, xWrite,
// xSync, xDelete, xAccess), the one the database itself opens with: natively that is the unix
// VFS (the same files as plain stdio would give, synced, with their folder synced on creation
// and deletion), in browsers the OPFS VFS of wasm/src/opfs_vfs.cpp, so the header persists in
// the store's OPFS pool beside the database and its -wal.
//
// A VFS has no rename, so "move `.kdf.new` into place" is a copy and a delete, made safe by
// the order of the steps and by what an open believes:
//   1. `<path>.kdf.new` is written and synced before the database depends on it;
//   2. the database is created, or re-encrypted (one SQLCipher transaction), with its key;
//   3. `<path>.kdf` is written from it and synced; 4. `<path>.kdf.new` is deleted.
// While `.kdf.new` exists it wins over `.kdf` (which, if there, is the same text or a torn
// copy from a crash in step 3): an open tries its key and, if it opens the file, finishes
// steps 3 and 4. If it does not (a crash before step 2 committed), the file is still under
// the old SQLCipher passphrase key and the migration starts over; a `.kdf.new` that does not
// even parse, or one beside a database with no data, is from a crash in step 1 and is dropped.
// So the file always opens with the passphrase, whatever step a crash interrupted.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "store/database.hpp"
#include "store/passphrase_kdf.hpp"

namespace parley::store {
namespace {

bool is_memory(const std::string& path) { return path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0; }

constexpr std::size_t kMaxHeaderRead = 4096;  // decode_kdf_header refuses more than 1 KiB anyway

// Whole small files through a SQLite VFS.
class VfsFiles {
 public:
  static Result<VfsFiles> make() {
    if (sqlite3_initialize() != SQLITE_OK) return make_error(Errc::store_io, "SQLite failed to initialise");
    sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
    if (!vfs) return make_error(Errc::store_io, "SQLite has no default VFS");
    return VfsFiles(vfs);
  }

  // The name SQLite itself gives `path` (its -wal is this plus "-wal"), NUL-padded as VFSes expect.
  Result<std::string> full_path(const std::string& path) const {
    std::vector<char> out(static_cast<std::size_t>(vfs_->mxPathname) + 2, '\0');
    if (vfs_->xFullPathname(vfs_, path.c_str(), vfs_->mxPathname + 1, out.data()) != SQLITE_OK)
      return make_error(Errc::store_io, "cannot resolve the store path '" + path + "'");
    return std::string(out.data());
  }

  bool exists(const std::string& name) const {
    int found = 0;
    return vfs_->xAccess(vfs_, name.c_str(), SQLITE_ACCESS_EXISTS, &found) == SQLITE_OK && found != 0;
  }

  // The size of the database `name` (0 when missing), opened as SQLite would open it.
  std::int64_t database_size(const std::string& name) const {
    if (!exists(name)) return 0;
    File file(vfs_);
    if (!file.open(name, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB)) return 0;
    sqlite3_int64 size = 0;
    return file->pMethods->xFileSize(file.get(), &size) == SQLITE_OK ? size : 0;
  }

  // nullopt when `name` does not exist.
  Result<std::optional<std::string>> read(const std::string& name, const std::string& shown) const {
    if (!exists(name)) return std::optional<std::string>{};
    File file(vfs_);
    sqlite3_int64 size = 0;
    if (!file.open(name, SQLITE_OPEN_READONLY | kHeaderType) ||
        file->pMethods->xFileSize(file.get(), &size) != SQLITE_OK)
      return make_error(Errc::store_io, "cannot read the store's key-derivation header '" + shown + "'");
    std::string text(static_cast<std::size_t>(std::min<sqlite3_int64>(size, kMaxHeaderRead)), '\0');
    if (!text.empty() &&
        file->pMethods->xRead(file.get(), text.data(), static_cast<int>(text.size()), 0) != SQLITE_OK)
      return make_error(Errc::store_io, "cannot read the store's key-derivation header '" + shown + "'");
    return std::optional<std::string>(std::move(text));
  }

  // Replaces `name`'s content by `text` and syncs it (and, natively, its folder on creation)
  // before returning: the store may depend on it right after.
  Status write(const std::string& name, const std::string& text, const std::string& shown) const {
    File file(vfs_);
    const bool ok = file.open(name, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | kHeaderType) &&
                    file->pMethods->xTruncate(file.get(), 0) == SQLITE_OK &&
                    file->pMethods->xWrite(file.get(), text.data(), static_cast<int>(text.size()), 0) == SQLITE_OK &&
                    file->pMethods->xSync(file.get(), SQLITE_SYNC_FULL) == SQLITE_OK;
    if (!ok) return make_error(Errc::store_io, "writing the store's key-derivation header '" + shown + "' failed");
    return {};
  }

  Status remove(const std::string& name, const std::string& shown) const {
    const int rc = vfs_->xDelete(vfs_, name.c_str(), 1);  // 1: sync the folder (unix VFS)
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_DELETE_NOENT && exists(name))
      return make_error(Errc::store_io, "cannot delete '" + shown + "'");
    return {};
  }

 private:
  // Opened as a super-journal: a file SQLite creates beside a database, syncs with its folder
  // on creation (unix VFS), never locks and never deletes on close.
  static constexpr int kHeaderType = SQLITE_OPEN_MASTER_JOURNAL;

  class File {
   public:
    explicit File(sqlite3_vfs* vfs) : vfs_(vfs), memory_((static_cast<std::size_t>(vfs->szOsFile) + 7) / 8, 0) {}
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File() {
      if (get()->pMethods) get()->pMethods->xClose(get());
    }
    bool open(const std::string& name, int flags) {
      // A VFS may read URI parameters after the name: two NULs end it.
      name_.assign(name.begin(), name.end());
      name_.resize(name_.size() + 2, '\0');
      int out_flags = 0;
      return vfs_->xOpen(vfs_, name_.data(), get(), flags, &out_flags) == SQLITE_OK && get()->pMethods;
    }
    sqlite3_file* get() { return reinterpret_cast<sqlite3_file*>(memory_.data()); }
    sqlite3_file* operator->() { return get(); }

   private:
    sqlite3_vfs* vfs_;
    std::vector<std::uint64_t> memory_;  // szOsFile bytes (rounded up), aligned for any sqlite3_file
    std::vector<char> name_;
  };

  explicit VfsFiles(sqlite3_vfs* vfs) : vfs_(vfs) {}
  sqlite3_vfs* vfs_;
};

Result<StoreKey> derive(const StoreKey& passphrase, const Result<PassphraseKdf>& kdf) {
  if (!kdf) return kdf.error();
  return derive_store_key(passphrase, *kdf);
}

}  // namespace

Result<Database> Database::open_passphrase(const std::string& path, const StoreKey& key, int busy_timeout_ms) {
  if (is_memory(path)) {  // nothing persists: a fresh salt each time is fine
    auto derived = derive(key, new_store_kdf());
    if (!derived) return derived.error();
    return open_keyed(path, *derived, busy_timeout_ms);
  }
  auto files = VfsFiles::make();
  if (!files) return files.error();
  auto full = files->full_path(path);
  if (!full) return full.error();
  const std::string header = *full + ".kdf";
  const std::string pending = *full + ".kdf.new";
  const std::string shown_header = path + ".kdf";  // errors name the paths the app gave
  const std::string shown_pending = path + ".kdf.new";
  const bool has_data = files->database_size(*full) > 0;

  // Steps 3 and 4 of the file comment: the header goes into place, the pending one away.
  auto install = [&](const std::string& text) -> Status {
    PARLEY_TRY(files->write(header, text, shown_header));
    return files->remove(pending, shown_pending);
  };

  auto pending_text = files->read(pending, shown_pending);
  if (!pending_text) return pending_text.error();
  bool old_key_only = false;  // a pending header whose key did not open the data
  if (*pending_text) {
    auto pending_kdf = decode_kdf_header(**pending_text);
    if (pending_kdf && has_data) {  // an interrupted creation, migration, or move into place
      auto derived = derive(key, pending_kdf);
      if (!derived) return derived.error();
      auto opened = open_keyed(path, *derived, busy_timeout_ms);
      if (opened) {
        PARLEY_TRY(install(**pending_text));
        return opened;
      }
      if (opened.error().code != Errc::store_wrong_key) return opened;
      // Not rekeyed yet (or a wrong passphrase): only SQLCipher's own key may open it now;
      // `.kdf`, if there, is a torn copy. The pending header stays until that key proves itself.
      old_key_only = true;
    } else {
      PARLEY_TRY(files->remove(pending, shown_pending));  // torn in step 1, or nothing depends on it
    }
  }

  if (!old_key_only) {
    auto header_text = files->read(header, shown_header);
    if (!header_text) return header_text.error();
    if (*header_text) {
      auto derived = derive(key, decode_kdf_header(**header_text));
      if (!derived) return derived.error();
      return open_keyed(path, *derived, busy_timeout_ms);
    }
    if (!has_data) {  // a new store
      auto kdf = new_store_kdf();
      if (!kdf) return kdf.error();
      const std::string text = encode_kdf_header(*kdf);
      PARLEY_TRY(files->write(pending, text, shown_pending));
      auto derived = derive(key, kdf);
      if (!derived) return derived.error();
      auto opened = open_keyed(path, *derived, busy_timeout_ms);
      if (!opened) return opened;
      PARLEY_TRY(install(text));
      return opened;
    }
  }

  // A store from before the header: SQLCipher's own KDF on the passphrase opens it.
  auto opened = open_keyed(path, key, busy_timeout_ms);
  if (!opened) {
    Error error = std::move(opened).error();
    if (error.code == Errc::store_wrong_key && !old_key_only)
      error.message += "; if this store was created with a key-derivation header, '" + shown_header + "' is missing";
    return error;
  }
  auto kdf = new_store_kdf();
  if (!kdf) return kdf.error();
  auto derived = derive(key, kdf);
  if (!derived) return derived.error();
  const std::string text = encode_kdf_header(*kdf);
  PARLEY_TRY(files->write(pending, text, shown_pending));
  // One transaction re-encrypts every page (also in WAL mode, which the legacy test uses).
  PARLEY_TRY(opened->rekey(*derived));
  PARLEY_TRY(install(text));
  return opened;
}

}  // namespace parley::store
