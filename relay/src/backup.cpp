// SPDX-License-Identifier: GPL-3.0-or-later
#include "backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <system_error>
#include <thread>

namespace parley::relay {

namespace {

constexpr int kBusyRetries = 200;  // x 25 ms: the source is only briefly locked (WAL recovery)

Status fsync_path(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::store_io, "cannot open " + path.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(Errc::store_io, "fsync of " + path.string() + " failed");
  return {};
}

void remove_partial(const std::filesystem::path& partial) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"})
    std::filesystem::remove(partial.string() + suffix, ec);
}

// The copy itself, into the open (empty) database `dest`.
Result<std::uint64_t> copy_pages(store::Database& source, store::Database& dest) {
  sqlite3_backup* backup = sqlite3_backup_init(dest.handle(), "main", source.handle(), "main");
  if (backup == nullptr)
    return make_error(Errc::store_io, std::string("cannot start the backup: ") + sqlite3_errmsg(dest.handle()));
  // One step of all pages: the copy is one read transaction on the source, a consistent
  // snapshot. In WAL mode that reader does not block the relay's writers, and unlike a
  // step-by-step copy it is not restarted by their commits.
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const auto pages = static_cast<std::uint64_t>(sqlite3_backup_pagecount(backup));
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    return make_error(Errc::store_io, std::string("backup failed: ") + sqlite3_errstr(rc));
  return pages;
}

}  // namespace

Status check_integrity(store::Database& db) {
  auto check = db.prepare("PRAGMA integrity_check(10)");
  if (!check) return std::move(check).error();
  auto row = check->step();
  if (!row) return std::move(row).error();
  const std::string first = *row ? check->column_text(0) : std::string("no answer");
  if (first != "ok") return make_error(Errc::store_corrupt, "integrity check: " + first);
  return {};
}

Result<std::uint64_t> backup_database(store::Database& source, const std::filesystem::path& destination,
                                      const StoreKey& key) {
  std::error_code ec;
  if (std::filesystem::exists(destination, ec))
    return make_error(Errc::invalid_argument, destination.string() + " exists; give a new file name");
  const std::filesystem::path partial = destination.string() + ".partial";
  remove_partial(partial);
  std::uint64_t pages = 0;
  {
    store::DatabaseOptions options;
    options.wal = false;  // one self-contained file
    auto dest = store::Database::open(partial.string(), key, options);
    if (!dest) {
      remove_partial(partial);
      return std::move(dest).error();
    }
    auto copied = copy_pages(source, *dest);
    Status checked = copied ? check_integrity(*dest) : Status(copied.error());
    if (!checked) {
      remove_partial(partial);
      return std::move(checked).error();
    }
    pages = *copied;
  }  // closed: everything is in the one file
  ::chmod(partial.c_str(), 0600);  // mail and keys: readable by the relay's user only
  if (auto synced = fsync_path(partial, false); !synced) {
    remove_partial(partial);
    return synced.error();
  }
  std::filesystem::rename(partial, destination, ec);
  if (ec) {
    remove_partial(partial);
    return make_error(Errc::store_io, "cannot move the backup into place: " + ec.message());
  }
  const auto folder = destination.has_parent_path() ? destination.parent_path() : std::filesystem::path(".");
  PARLEY_TRY(fsync_path(folder, true));
  return pages;
}

}  // namespace parley::relay
