// SPDX-License-Identifier: GPL-3.0-or-later
// Opening a store with a passphrase: derive the raw key with the parameters in `<path>.kdf`,
// create that header for a new store, and migrate a store created with SQLCipher's default
// passphrase KDF (no header) to a derived raw key.
//
// The migration survives a crash at any point: the new header is written first as
// `<path>.kdf.new`, then the file is re-encrypted (one SQLCipher transaction), then the
// header is renamed into place. An open that finds `<path>.kdf.new` tries its key first and
// falls back to the old passphrase key, so the file always opens with one of the two.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/database.hpp"
#include "store/passphrase_kdf.hpp"

namespace parley::store {
namespace {

namespace fs = std::filesystem;

bool is_memory(const std::string& path) { return path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0; }

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool has_data(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return !ec && size > 0;
}

Result<PassphraseKdf> read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::store_io, "cannot read the store's key-derivation header '" + path + "'");
  std::string text;
  text.resize(4096);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return decode_kdf_header(text);
}

// Written and flushed to disk before the store depends on it.
Status write_header(const std::string& path, const PassphraseKdf& kdf) {
  const std::string text = encode_kdf_header(kdf);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::store_io, "cannot write the store's key-derivation header '" + path + "'");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(Errc::store_io, "writing the store's key-derivation header '" + path + "' failed");
  return {};
}

Status rename_header(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    return make_error(Errc::store_io, "cannot move the store's key-derivation header into place at '" + to + "'");
  return {};
}

Result<StoreKey> derive(const StoreKey& passphrase, const Result<PassphraseKdf>& kdf) {
  if (!kdf) return kdf.error();
  return derive_store_key(passphrase, *kdf);
}

}  // namespace

Result<Database> Database::open_passphrase(const std::string& path, const StoreKey& key, int busy_timeout_ms) {
#ifdef __EMSCRIPTEN__
  // In the browser the database lives on OPFS behind a SQLite VFS, where a header file beside
  // it cannot be written with stdio: passphrase stores keep SQLCipher's own KDF there for now
  // (docs/threat-model.md "Store at rest"); browser apps should prefer a raw key.
  if (!is_memory(path)) return open_keyed(path, key, busy_timeout_ms);
#endif
  if (is_memory(path)) {  // nothing persists: a fresh salt each time is fine
    auto derived = derive(key, new_store_kdf());
    if (!derived) return derived.error();
    return open_keyed(path, *derived, busy_timeout_ms);
  }
  const std::string header = path + ".kdf";
  const std::string pending = path + ".kdf.new";

  if (exists(header)) {
    auto derived = derive(key, read_header(header));
    if (!derived) return derived.error();
    return open_keyed(path, *derived, busy_timeout_ms);
  }
  if (exists(pending)) {  // an interrupted migration or creation
    auto derived = derive(key, read_header(pending));
    if (!derived) return derived.error();
    auto opened = open_keyed(path, *derived, busy_timeout_ms);
    if (opened) {
      PARLEY_TRY(rename_header(pending, header));
      return opened;
    }
    if (opened.error().code != Errc::store_wrong_key || !has_data(path)) return opened;
    // Still the old key: fall through and migrate again with a fresh header.
  }
  if (!has_data(path)) {
    auto kdf = new_store_kdf();
    if (!kdf) return kdf.error();
    PARLEY_TRY(write_header(pending, *kdf));
    auto derived = derive(key, kdf);
    if (!derived) return derived.error();
    auto opened = open_keyed(path, *derived, busy_timeout_ms);
    if (!opened) return opened;
    PARLEY_TRY(rename_header(pending, header));
    return opened;
  }

  // A store from before the header: SQLCipher's own KDF on the passphrase opens it.
  auto opened = open_keyed(path, key, busy_timeout_ms);
  if (!opened) {
    Error error = std::move(opened).error();
    if (error.code == Errc::store_wrong_key)
      error.message += "; if this store was created with a key-derivation header, '" + header + "' is missing";
    return error;
  }
  auto kdf = new_store_kdf();
  if (!kdf) return kdf.error();
  auto derived = derive(key, kdf);
  if (!derived) return derived.error();
  PARLEY_TRY(write_header(pending, *kdf));
  // One transaction re-encrypts every page (also in WAL mode, which the legacy test uses).
  PARLEY_TRY(opened->rekey(*derived));
  PARLEY_TRY(rename_header(pending, header));
  return opened;
}

}  // namespace parley::store
