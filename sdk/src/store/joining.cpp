// SPDX-License-Identifier: GPL-3.0-or-later
// Join anchors and pending invitations (docs/protocol.md "Joining").
#include "store/device_store.hpp"
#include "store/rows.hpp"

namespace parley::store {
namespace {

StoredInvitation read_invitation(const Statement& stmt) {
  StoredInvitation out;
  out.genesis = stmt.column_blob(0);
  out.cell_id = stmt.column_blob(1);
  out.from = Address{stmt.column_text(2), static_cast<std::uint32_t>(stmt.column_int(3))};
  out.welcome = stmt.column_blob(4);
  out.received_at = stmt.column_int(5);
  return out;
}

constexpr const char* kColumns = "genesis, cell_id, from_user, from_device, welcome, received_at";

}  // namespace

Status DeviceStore::join_anchor_put(std::uint8_t kind, ByteView value, TimeMs now) {
  auto stmt = db_.prepare("INSERT OR IGNORE INTO join_anchors (kind, value, added_at) VALUES (?1, ?2, ?3)");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{kind}).bind(2, value).bind(3, std::int64_t{now});
  return stmt->run();
}

Result<bool> DeviceStore::join_anchor_has(std::uint8_t kind, ByteView value) const {
  auto stmt = db_.prepare("SELECT 1 FROM join_anchors WHERE kind = ?1 AND value = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::int64_t{kind}).bind(2, value);
  return stmt->step();
}

Status DeviceStore::invitation_put(const StoredInvitation& invitation, std::size_t max_total,
                                   std::size_t max_per_sender) {
  PARLEY_TRY(invitation_remove(invitation.genesis));
  // Make room first: the sender's oldest beyond its share, then the oldest of all. A flood
  // from one device pushes out only its own invitations; many devices can push out others',
  // which costs nothing anchored (anchored Welcomes never wait here).
  auto own = db_.prepare(
      "DELETE FROM cell_invitations WHERE genesis IN (SELECT genesis FROM cell_invitations "
      "WHERE from_user = ?1 AND from_device = ?2 ORDER BY received_at DESC, genesis LIMIT -1 OFFSET ?3)");
  if (!own) return own.error();
  own->bind(1, invitation.from.user)
      .bind(2, std::int64_t{invitation.from.device})
      .bind(3, static_cast<std::int64_t>(max_per_sender == 0 ? 0 : max_per_sender - 1));
  PARLEY_TRY(own->run());
  auto all = db_.prepare(
      "DELETE FROM cell_invitations WHERE genesis IN (SELECT genesis FROM cell_invitations "
      "ORDER BY received_at DESC, genesis LIMIT -1 OFFSET ?1)");
  if (!all) return all.error();
  all->bind(1, static_cast<std::int64_t>(max_total == 0 ? 0 : max_total - 1));
  PARLEY_TRY(all->run());
  auto stmt = db_.prepare(std::string("INSERT INTO cell_invitations (") + kColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  stmt->bind(1, ByteView(invitation.genesis))
      .bind(2, ByteView(invitation.cell_id))
      .bind(3, invitation.from.user)
      .bind(4, std::int64_t{invitation.from.device})
      .bind(5, ByteView(invitation.welcome))
      .bind(6, std::int64_t{invitation.received_at});
  return stmt->run();
}

Result<std::vector<StoredInvitation>> DeviceStore::invitations() const {
  auto stmt = db_.prepare(std::string("SELECT ") + kColumns + " FROM cell_invitations ORDER BY received_at, genesis");
  if (!stmt) return stmt.error();
  std::vector<StoredInvitation> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(read_invitation(*stmt));
  }
}

Result<std::optional<StoredInvitation>> DeviceStore::invitation_get(ByteView genesis) const {
  auto stmt = db_.prepare(std::string("SELECT ") + kColumns + " FROM cell_invitations WHERE genesis = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, genesis);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredInvitation>();
  return std::optional<StoredInvitation>(read_invitation(*stmt));
}

Status DeviceStore::invitation_remove(ByteView genesis) {
  auto stmt = db_.prepare("DELETE FROM cell_invitations WHERE genesis = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, genesis);
  return stmt->run();
}

}  // namespace parley::store
