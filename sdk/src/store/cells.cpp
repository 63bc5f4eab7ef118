// SPDX-License-Identifier: GPL-3.0-or-later
// Cell tables: charters, own channel keys, installed key tags, history, held envelopes.
#include "store/device_store.hpp"
#include "store/recipient_codec.hpp"
#include "store/rows.hpp"

namespace parley::store {

Status DeviceStore::commit_put(ByteView cell_id, const StoredCommit& commit) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO charter_commits (cell_id, epoch, bytes, signature, applied_at, co_signed) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, static_cast<std::int64_t>(commit.epoch))
      .bind(3, ByteView(commit.bytes))
      .bind(4, ByteView(commit.signature))
      .bind(5, static_cast<std::int64_t>(commit.applied_at))
      .bind(6, ByteView(commit.co_signed));
  return stmt->run();
}

Result<std::vector<StoredCommit>> DeviceStore::commits_of(ByteView cell_id) const {
  auto stmt =
      db_.prepare("SELECT epoch, bytes, signature, applied_at, co_signed FROM charter_commits WHERE cell_id = ?1 "
                  "ORDER BY epoch");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id);
  std::vector<StoredCommit> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(StoredCommit{static_cast<std::uint64_t>(stmt->column_int(0)), stmt->column_blob(1),
                               stmt->column_blob(2), stmt->column_int(3), stmt->column_blob(4)});
  }
}

Result<std::vector<Bytes>> DeviceStore::cell_ids() const {
  auto stmt = db_.prepare("SELECT DISTINCT cell_id FROM charter_commits ORDER BY cell_id");
  if (!stmt) return stmt.error();
  std::vector<Bytes> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(stmt->column_blob(0));
  }
}

Result<std::optional<ChannelSendKey>> DeviceStore::send_key_get(ByteView cell_id, std::string_view channel) const {
  auto stmt = db_.prepare(
      "SELECT generation, distributed, sent_count, created_at, next_post FROM channel_send_keys "
      "WHERE cell_id = ?1 AND channel = ?2");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<ChannelSendKey>();
  ChannelSendKey key;
  auto generation = column_u32(*stmt, 0, "channel key generation");
  if (!generation) return generation.error();
  key.generation = *generation;
  auto distributed = decode_recipients(stmt->column_blob(1));
  if (!distributed) return distributed.error();
  key.distributed = std::move(*distributed);
  key.sent_count = static_cast<std::uint64_t>(stmt->column_int(2));
  key.created_at = stmt->column_int(3);
  key.next_post = static_cast<std::uint64_t>(stmt->column_int(4));
  return std::optional<ChannelSendKey>(std::move(key));
}

Status DeviceStore::send_key_put(ByteView cell_id, std::string_view channel, const ChannelSendKey& key) {
  auto distributed = encode_recipients(key.distributed);
  if (!distributed) return distributed.error();
  return update_or_insert(
      db_,
      "UPDATE channel_send_keys SET generation = ?3, distributed = ?4, sent_count = ?5, created_at = ?6, "
      "next_post = ?7 WHERE cell_id = ?1 AND channel = ?2",
      "INSERT INTO channel_send_keys (cell_id, channel, generation, distributed, sent_count, created_at, "
      "next_post) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      [&](Statement& stmt) {
        stmt.bind(1, cell_id)
            .bind(2, channel)
            .bind(3, std::int64_t{key.generation})
            .bind(4, ByteView(*distributed))
            .bind(5, static_cast<std::int64_t>(key.sent_count))
            .bind(6, std::int64_t{key.created_at})
            .bind(7, static_cast<std::int64_t>(key.next_post));
      });
}

Result<std::optional<KeyTagRecord>> DeviceStore::key_tag_get(ByteView tag) const {
  auto stmt = db_.prepare("SELECT cell_id, channel, generation FROM channel_key_tags WHERE tag = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, tag);
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<KeyTagRecord>();
  auto generation = column_u32(*stmt, 2, "key tag generation");
  if (!generation) return generation.error();
  return std::optional<KeyTagRecord>(KeyTagRecord{stmt->column_blob(0), stmt->column_text(1), *generation});
}

Status DeviceStore::key_tag_put(ByteView tag, const KeyTagRecord& record) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO channel_key_tags (tag, cell_id, channel, generation) VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, tag).bind(2, ByteView(record.cell_id)).bind(3, record.channel).bind(4, std::int64_t{record.generation});
  return stmt->run();
}

Result<bool> DeviceStore::history_add(const HistoryRecord& r) {
  auto stmt = db_.prepare(
      "INSERT OR IGNORE INTO channel_history (cell_id, channel, user, device, message_id, epoch, sent_at, received_at, "
      "kind, body, post_number, precedence, attestation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!stmt) return stmt.error();
  stmt->bind(1, ByteView(r.cell_id))
      .bind(2, r.channel)
      .bind(3, r.sender.user)
      .bind(4, std::int64_t{r.sender.device})
      .bind(5, id_bytes(r.message_id))
      .bind(6, static_cast<std::int64_t>(r.epoch))
      .bind(7, std::int64_t{r.sent_at})
      .bind(8, std::int64_t{r.received_at})
      .bind(9, std::int64_t{r.kind})
      .bind(10, ByteView(r.body))
      .bind(11, static_cast<std::int64_t>(r.post_number))
      .bind(12, std::int64_t{r.precedence})
      .bind(13, ByteView(r.attestation));
  PARLEY_TRY(stmt->run());
  return db_.changes() > 0;
}

namespace {

constexpr const char* kHistoryColumns =
    "SELECT user, device, message_id, epoch, sent_at, received_at, kind, body, post_number, precedence, attestation "
    "FROM channel_history ";

Result<std::vector<HistoryRecord>> read_history(Statement& stmt, ByteView cell_id, std::string_view channel) {
  std::vector<HistoryRecord> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    HistoryRecord r;
    r.cell_id.assign(cell_id.begin(), cell_id.end());
    r.channel = std::string(channel);
    r.sender.user = stmt.column_text(0);
    auto device = column_u32(stmt, 1, "history sender device");
    if (!device) return device.error();
    r.sender.device = *device;
    auto id = column_message_id(stmt, 2, "history message id");
    if (!id) return id.error();
    r.message_id = *id;
    r.epoch = static_cast<std::uint64_t>(stmt.column_int(3));
    r.sent_at = stmt.column_int(4);
    r.received_at = stmt.column_int(5);
    r.kind = static_cast<std::uint8_t>(stmt.column_int(6));
    r.body = stmt.column_blob(7);
    r.post_number = static_cast<std::uint64_t>(stmt.column_int(8));
    r.precedence = static_cast<std::uint8_t>(stmt.column_int(9));
    r.attestation = stmt.column_blob(10);
    out.push_back(std::move(r));
  }
}

}  // namespace

Result<std::vector<HistoryRecord>> DeviceStore::history(ByteView cell_id, std::string_view channel) const {
  auto stmt = db_.prepare(std::string(kHistoryColumns) + "WHERE cell_id = ?1 AND channel = ?2 ORDER BY seq");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id).bind(2, channel);
  return read_history(*stmt, cell_id, channel);
}

Result<std::vector<HistoryRecord>> DeviceStore::history_posts(ByteView cell_id, std::string_view channel,
                                                              const Address& sender, std::uint64_t from_post,
                                                              std::uint64_t to_post) const {
  auto stmt = db_.prepare(std::string(kHistoryColumns) +
                          "WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 AND device = ?4 "
                          "AND post_number BETWEEN ?5 AND ?6 ORDER BY post_number");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, sender.user)
      .bind(4, std::int64_t{sender.device})
      .bind(5, static_cast<std::int64_t>(from_post))
      .bind(6, static_cast<std::int64_t>(to_post));
  return read_history(*stmt, cell_id, channel);
}

Result<std::optional<std::uint64_t>> DeviceStore::history_epoch_near(ByteView cell_id, std::string_view channel,
                                                                      const Address& sender, std::uint64_t post,
                                                                      bool below) const {
  auto stmt = db_.prepare(below ? "SELECT epoch FROM channel_history WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 "
                                  "AND device = ?4 AND post_number BETWEEN 1 AND ?5 - 1 ORDER BY post_number DESC LIMIT 1"
                                : "SELECT epoch FROM channel_history WHERE cell_id = ?1 AND channel = ?2 AND user = ?3 "
                                  "AND device = ?4 AND post_number > ?5 ORDER BY post_number LIMIT 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, cell_id)
      .bind(2, channel)
      .bind(3, sender.user)
      .bind(4, std::int64_t{sender.device})
      .bind(5, static_cast<std::int64_t>(post));
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(static_cast<std::uint64_t>(stmt->column_int(0)));
}

// Bounded: when full, the oldest held envelope goes (it is the least likely to become readable).
Status DeviceStore::held_put(const Address& sender, ByteView payload, TimeMs now, std::size_t max_held,
                             std::size_t max_per_sender) {
  auto stmt = db_.prepare("INSERT INTO held_envelopes (user, device, payload, received_at) VALUES (?1, ?2, ?3, ?4)");
  if (!stmt) return stmt.error();
  stmt->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, payload).bind(4, std::int64_t{now});
  PARLEY_TRY(stmt->run());
  // A sender's flood evicts its own oldest envelopes first...
  auto own = db_.prepare(
      "DELETE FROM held_envelopes WHERE user = ?1 AND device = ?2 AND seq NOT IN "
      "(SELECT seq FROM held_envelopes WHERE user = ?1 AND device = ?2 ORDER BY seq DESC LIMIT ?3)");
  if (!own) return own.error();
  own->bind(1, sender.user).bind(2, std::int64_t{sender.device}).bind(3, static_cast<std::int64_t>(max_per_sender));
  PARLEY_TRY(own->run());
  // ...and over the total, the sender holding the most loses its oldest: many senders'
  // junk cannot push out the few envelopes an honest member is waiting on.
  for (;;) {
    auto count = db_.prepare("SELECT count(*) FROM held_envelopes");
    if (!count) return count.error();
    auto row = count->step();
    if (!row) return std::move(row).error();
    if (static_cast<std::size_t>(count->column_int(0)) <= max_held) return {};
    auto evict = db_.prepare(
        "DELETE FROM held_envelopes WHERE seq = (SELECT h.seq FROM held_envelopes h JOIN "
        "(SELECT user, device FROM held_envelopes GROUP BY user, device ORDER BY count(*) DESC, min(seq) LIMIT 1) t "
        "ON h.user = t.user AND h.device = t.device ORDER BY h.seq LIMIT 1)");
    if (!evict) return evict.error();
    PARLEY_TRY(evict->run());
  }
}

Result<std::vector<HeldEnvelope>> DeviceStore::held_items() const {
  auto stmt = db_.prepare("SELECT seq, user, device, payload, received_at FROM held_envelopes ORDER BY seq");
  if (!stmt) return stmt.error();
  std::vector<HeldEnvelope> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    HeldEnvelope h;
    h.seq = stmt->column_int(0);
    h.sender.user = stmt->column_text(1);
    auto device = column_u32(*stmt, 2, "held sender device");
    if (!device) return device.error();
    h.sender.device = *device;
    h.payload = stmt->column_blob(3);
    h.received_at = stmt->column_int(4);
    out.push_back(std::move(h));
  }
}

Result<std::optional<TimeMs>> DeviceStore::held_oldest() const {
  auto stmt = db_.prepare("SELECT min(received_at) FROM held_envelopes");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return std::move(row).error();
  if (!*row || stmt->column_is_null(0)) return std::optional<TimeMs>();
  return std::optional<TimeMs>(stmt->column_int(0));
}

Status DeviceStore::held_remove(std::int64_t seq) {
  auto stmt = db_.prepare("DELETE FROM held_envelopes WHERE seq = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, seq);
  return stmt->run();
}

}  // namespace parley::store
