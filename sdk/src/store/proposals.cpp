// SPDX-License-Identifier: GPL-3.0-or-later
// Party-admin proposals a supervisor device received and has not decided on yet.
#include "store/device_store.hpp"

namespace parley::store {

Status DeviceStore::proposal_put(ByteView cell_id, ByteView id, const StoredCommit& p, TimeMs now) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO cell_proposals (cell_id, id, bytes, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id).bind(3, ByteView(p.bytes)).bind(4, ByteView(p.signature)).bind(5, std::int64_t{now});
  return stmt->run();
}

Result<std::optional<StoredCommit>> DeviceStore::proposal_get(ByteView cell_id, ByteView id) const {
  auto stmt = db_.prepare("SELECT bytes, signature FROM cell_proposals WHERE cell_id = ?1 AND id = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredCommit>();
  return std::optional<StoredCommit>(StoredCommit{0, stmt->column_blob(0), stmt->column_blob(1)});
}

Status DeviceStore::proposal_remove(ByteView cell_id, ByteView id) {
  auto stmt = db_.prepare("DELETE FROM cell_proposals WHERE cell_id = ?1 AND id = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, id);
  return stmt->run();
}

Result<std::vector<DeviceStore::PendingProposal>> DeviceStore::proposals(ByteView cell_id) const {
  auto stmt = db_.prepare("SELECT id, bytes, received_at FROM cell_proposals WHERE cell_id = ?1 ORDER BY received_at, id");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id);
  std::vector<PendingProposal> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(PendingProposal{stmt->column_blob(0), stmt->column_blob(1), stmt->column_int(2)});
  }
  return out;
}

}  // namespace parley::store
