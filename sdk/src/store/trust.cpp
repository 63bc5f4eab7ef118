// SPDX-License-Identifier: GPL-3.0-or-later
// Tables behind the engine's trust rules (docs/protocol.md "Identity", "Joining",
// "Freshness"): when each charter epoch was applied, what a device's predecessor at an
// address leaves behind, join anchors and invitations.
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
                          "DELETE FROM sent_distributions WHERE cell_id = ?1 AND user = ?2 AND device = ?3"}) {
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

Status DeviceStore::anchor_put(int kind, ByteView value) {
  auto stmt = db_.prepare("INSERT OR IGNORE INTO join_anchors (kind, value) VALUES (?1, ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{kind}).bind(2, value);
  return stmt->run();
}

Result<bool> DeviceStore::anchor_has(int kind, ByteView value) const {
  auto stmt = db_.prepare("SELECT 1 FROM join_anchors WHERE kind = ?1 AND value = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{kind}).bind(2, value);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  return *row;
}

Status DeviceStore::invitation_put(const Invitation& invitation, std::size_t max) {
  {
    auto count = db_.prepare("SELECT count(*) FROM invitations WHERE cell_id <> ?1");
    if (!count) return count.error();
    count->bind(1, ByteView(invitation.cell_id));
    auto row = count->step();
    if (!row) return std::move(row).error();
    if (static_cast<std::size_t>(count->column_int(0)) >= max)
      return make_error(Errc::limit_exceeded, "this device already holds " + std::to_string(max) +
                                                  " invitations; accept or decline one first");
  }
  auto stmt = db_.prepare(
      "INSERT OR REPLACE INTO invitations (cell_id, user, device, welcome, received_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, ByteView(invitation.cell_id))
      .bind(2, invitation.sender.user)
      .bind(3, std::int64_t{invitation.sender.device})
      .bind(4, ByteView(invitation.welcome))
      .bind(5, std::int64_t{invitation.received_at});
  return stmt->run();
}

namespace {

Result<std::vector<Invitation>> read_invitations(Statement& stmt) {
  std::vector<Invitation> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(Invitation{stmt.column_blob(0),
                             Address{stmt.column_text(1), static_cast<std::uint32_t>(stmt.column_int(2))},
                             stmt.column_blob(3), stmt.column_int(4)});
  }
}

}  // namespace

Result<std::optional<Invitation>> DeviceStore::invitation_get(ByteView cell_id) const {
  auto stmt = db_.prepare("SELECT cell_id, user, device, welcome, received_at FROM invitations WHERE cell_id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id);
  auto all = read_invitations(*stmt);
  if (!all) return std::move(all).error();
  if (all->empty()) return std::optional<Invitation>();
  return std::optional<Invitation>(std::move(all->front()));
}

Result<std::vector<Invitation>> DeviceStore::invitations() const {
  auto stmt = db_.prepare("SELECT cell_id, user, device, welcome, received_at FROM invitations ORDER BY received_at");
  if (!stmt) return stmt.error();
  return read_invitations(*stmt);
}

Status DeviceStore::invitation_remove(ByteView cell_id) {
  auto stmt = db_.prepare("DELETE FROM invitations WHERE cell_id = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id);
  return stmt->run();
}

}  // namespace parley::store
