// SPDX-License-Identifier: GPL-3.0-or-later
// Tables that let lost channel traffic be recovered: per-sender post cursors and the key
// distributions this device sent (docs/protocol.md "Recovering lost messages").
#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {

Result<std::optional<std::uint64_t>> DeviceStore::cursor_get(ByteView cell_id, std::string_view channel,
                                                             const Address& sender) const {
  auto stmt = db_.prepare(
      "SELECT next_post FROM channel_cursors WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel).bind(3, sender.user).bind(4, std::int64_t{sender.device});
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(stmt->column_int(0)));
}

Status DeviceStore::cursor_put(ByteView cell_id, std::string_view channel, const Address& sender,
                               std::uint64_t next_post) {
  return update_or_insert(
      db_, "UPDATE channel_cursors SET next_post = ?5 WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4",
      "INSERT INTO channel_cursors (cell_id, channel, user, device, next_post) VALUES (?1, ?2, ?3, ?4, ?5)",
      [&](Statement& stmt) {
        stmt.bind(1, cell_id)
            .bind(2, channel)
            .bind(3, sender.user)
            .bind(4, std::int64_t{sender.device})
            .bind(5, static_cast<std::int64_t>(next_post));
      });
}

Status DeviceStore::sent_distribution_put(ByteView cell_id, std::string_view channel, std::uint32_t generation,
                                          const Address& recipient, ByteView body) {
  auto stmt = db_.prepare(
      "INSERT OR REPLACE INTO sent_distributions (cell_id, channel, generation, user, device, body) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, std::int64_t{generation})
      .bind(4, recipient.user)
      .bind(5, std::int64_t{recipient.device})
      .bind(6, body);
  return stmt->run();
}

Result<std::optional<Bytes>> DeviceStore::sent_distribution_get(ByteView cell_id, std::string_view channel,
                                                                std::uint32_t generation,
                                                                const Address& recipient) const {
  auto stmt = db_.prepare(
      "SELECT body FROM sent_distributions WHERE cell_id = ?1 AND channel = ?2 AND generation = ?3 AND user = ?4 "
      "AND device = ?5");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, std::int64_t{generation})
      .bind(4, recipient.user)
      .bind(5, std::int64_t{recipient.device});
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<Bytes>();
  return std::optional<Bytes>(stmt->column_blob(0));
}

Status DeviceStore::sent_distributions_prune(ByteView cell_id, std::string_view channel, std::uint32_t generation) {
  auto stmt = db_.prepare("DELETE FROM sent_distributions WHERE cell_id = ?1 AND channel = ?2 AND generation < ?3");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel).bind(3, std::int64_t{generation});
  return stmt->run();
}

Result<std::uint64_t> DeviceStore::reader_since_note(ByteView cell_id, std::string_view channel, const Address& reader,
                                                     std::uint64_t post) {
  {
    auto stmt = db_.prepare(
        "INSERT OR IGNORE INTO channel_reader_since (cell_id, channel, user, device, first_post) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!stmt) return stmt.error();
    stmt->bind(1, cell_id)
        .bind(2, channel)
        .bind(3, reader.user)
        .bind(4, std::int64_t{reader.device})
        .bind(5, static_cast<std::int64_t>(post));
    PARLEY_TRY(stmt->run());
  }
  auto stmt = db_.prepare(
      "SELECT first_post FROM channel_reader_since WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel).bind(3, reader.user).bind(4, std::int64_t{reader.device});
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(Errc::store_corrupt, "reader_since row vanished inside its transaction");
  return static_cast<std::uint64_t>(stmt->column_int(0));
}

Status DeviceStore::reader_since_forget(ByteView cell_id, std::string_view channel, const Address& reader) {
  auto stmt = db_.prepare(
      "DELETE FROM channel_reader_since WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel).bind(3, reader.user).bind(4, std::int64_t{reader.device});
  return stmt->run();
}

}  // namespace parley::store
