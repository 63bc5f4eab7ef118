// SPDX-License-Identifier: GPL-3.0-or-later
// Tables behind the engine's trust rules (docs/protocol.md "Identity", "Joining",
// "Freshness"): when each charter epoch was applied, what a device's predecessor at an
// address leaves behind, and posts queued while a charter epoch is missing.
#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {

Result<std::optional<TimeMs>> DeviceStore::commit_applied_at(ByteView cell_id, std::uint64_t epoch) const {
  auto stmt = db_.prepare("SELECT applied_at FROM charter_commits WHERE cell_id = ?1 AND epoch = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, static_cast<std::int64_t>(epoch));
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<TimeMs>();
  return std::optional<TimeMs>(stmt->column_int(0));
}

Status DeviceStore::commits_delete_from(ByteView cell_id, std::uint64_t epoch) {
  auto stmt = db_.prepare("DELETE FROM charter_commits WHERE cell_id = ?1 AND epoch >= ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, static_cast<std::int64_t>(epoch));
  return stmt->run();
}

Status DeviceStore::forget_peer_in_cell(ByteView cell_id, ByteView group_prefix, const Address& device) {
  const std::int64_t d = device.device;
  {
    auto stmt = db_.prepare(
        "DELETE FROM sender_keys WHERE substr(group_id, 1, ?1) = ?2 AND user = ?3 AND device = ?4");
    if (!stmt) return stmt.error();
    stmt->bind(1, static_cast<std::int64_t>(group_prefix.size())).bind(2, group_prefix).bind(3, device.user).bind(4, d);
    PARLEY_TRY(stmt->run());
  }
  for (const char* sql : {"DELETE FROM channel_cursors WHERE cell_id = ?1 AND user = ?2 AND device = ?3",
                          "DELETE FROM sent_distributions WHERE cell_id = ?1 AND user = ?2 AND device = ?3",
                          "DELETE FROM channel_reader_since WHERE cell_id = ?1 AND user = ?2 AND device = ?3"}) {
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, cell_id).bind(2, device.user).bind(3, d);
    PARLEY_TRY(stmt->run());
  }
  return {};
}

Status DeviceStore::queued_post_put(const QueuedPost& post) {
  auto stmt = db_.prepare(
      "INSERT INTO queued_posts (cell_id, channel, kind, body, precedence, message_id, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!stmt) return stmt.error();
  stmt->bind(1, ByteView(post.cell_id))
      .bind(2, post.channel)
      .bind(3, std::int64_t{post.kind})
      .bind(4, ByteView(post.body))
      .bind(5, std::int64_t{post.precedence})
      .bind(6, ByteView(post.message_id.bytes))
      .bind(7, std::int64_t{post.created_at});
  return stmt->run();
}

Result<std::vector<QueuedPost>> DeviceStore::queued_posts() const {
  auto stmt = db_.prepare(
      "SELECT seq, cell_id, channel, kind, body, precedence, message_id, created_at FROM queued_posts ORDER BY seq");
  if (!stmt) return stmt.error();
  std::vector<QueuedPost> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    QueuedPost p;
    p.seq = stmt->column_int(0);
    p.cell_id = stmt->column_blob(1);
    p.channel = stmt->column_text(2);
    p.kind = static_cast<std::uint8_t>(stmt->column_int(3));
    p.body = stmt->column_blob(4);
    p.precedence = static_cast<std::uint8_t>(stmt->column_int(5));
    const Bytes id = stmt->column_blob(6);
    if (id.size() != p.message_id.bytes.size()) return make_error(Errc::store_corrupt, "queued post message id");
    std::copy(id.begin(), id.end(), p.message_id.bytes.begin());
    p.created_at = stmt->column_int(7);
    out.push_back(std::move(p));
  }
}

Status DeviceStore::queued_post_remove(std::int64_t seq) {
  auto stmt = db_.prepare("DELETE FROM queued_posts WHERE seq = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, seq);
  return stmt->run();
}

}  // namespace parley::store
