// SPDX-License-Identifier: GPL-3.0-or-later
// A device's encrypted local store: one SQLCipher file per device.
//
// This layer knows tables and blobs, not libsignal: pairwise/signal_store_adapter.cpp maps
// libsignal's store callbacks onto these methods. Records are opaque serialized blobs.
// Callers that need atomicity (decrypt + de-dup + outbox) wrap calls in
// in_transaction(store.db(), ...).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/error.hpp"
#include "parley/store_key.hpp"
#include "parley/types.hpp"
#include "store/database.hpp"

namespace parley::store {

// This device's own long-term identity (private key stays in this file only).
struct LocalIdentity {
  Address address;
  std::uint32_t registration_id = 0;
  Bytes identity_public;   // 33 bytes
  Bytes identity_private;  // 32 bytes
};

// A payload ready to go to the relay, resent with the same message id until acknowledged.
struct OutboxItem {
  MessageId message_id;
  std::vector<Address> recipients;
  Bytes payload;  // exact bytes of the first attempt (the ratchet has already advanced)
  TimeMs created_at = 0;
};

// A plaintext Content waiting for a pairwise session with `recipient` (encrypted at rest).
struct PendingItem {
  std::int64_t seq = 0;  // assigned by pending_put; order of creation
  MessageId message_id;
  Address recipient;
  Bytes content;
  TimeMs created_at = 0;
};

// One stored charter commit (charter::SignedCommit's two parts).
struct StoredCommit {
  std::uint64_t epoch = 0;
  Bytes bytes;
  Bytes signature;
  TimeMs applied_at = 0;  // this device's clock when it applied the commit (0: unknown, long ago)
  Bytes co_signed = {};   // the commit's "PLS1" container when it carries co-signatures, else empty
};

// A Welcome kept as an invitation (store/joining.cpp): the bytes as they arrived, checked
// again when the app accepts it.
struct StoredInvitation {
  Bytes genesis;  // 32-byte hash of the genesis commit
  Bytes cell_id;
  Address from;
  Bytes welcome;
  TimeMs received_at = 0;
};

// A channel post made while this device lacked a charter epoch it had heard of: it is sent
// once the commit is here (store/trust.cpp).
struct QueuedPost {
  std::int64_t seq = 0;
  Bytes cell_id;
  std::string channel;
  std::uint8_t kind = 0;
  Bytes body;  // plaintext, encrypted at rest with the rest of the store
  std::uint8_t precedence = 0;
  MessageId message_id;
  TimeMs created_at = 0;
};

// This device's own sending state for one channel: the key generation in use and the
// devices its distribution went to.
struct ChannelSendKey {
  std::uint32_t generation = 0;
  std::vector<Address> distributed;
  std::uint64_t sent_count = 0;
  TimeMs created_at = 0;
  std::uint64_t next_post = 1;  // post number of the next message, across generations
};

struct KeyTagRecord {
  Bytes cell_id;
  std::string channel;
  std::uint32_t generation = 0;
};

struct HistoryRecord {
  Bytes cell_id;
  std::string channel;
  Address sender;
  MessageId message_id;
  std::uint64_t epoch = 0;
  TimeMs sent_at = 0;
  TimeMs received_at = 0;
  std::uint8_t kind = 1;
  Bytes body;
  std::uint64_t post_number = 0;
  std::uint8_t precedence = 1;
  Bytes attestation;
};

struct HeldEnvelope {
  std::int64_t seq = 0;
  Address sender;
  Bytes payload;
  TimeMs received_at = 0;
};

class DeviceStore {
 public:
  // Opens or creates the store at `path`. Errc::store_wrong_key if `key` does not open an
  // existing file; Errc::store_io if the path is not usable.
  static Result<std::unique_ptr<DeviceStore>> open(const std::string& path, const StoreKey& key);

  Database& db() { return db_; }

  // --- local identity and counters ---
  Result<std::optional<LocalIdentity>> local_identity() const;
  Status set_local_identity(const LocalIdentity& identity);
  // Small named values (e.g. "registered", "next_prekey_id").
  Result<std::optional<Bytes>> meta_get(std::string_view key) const;
  Status meta_set(std::string_view key, ByteView value);

  // --- remote identities (trust on first use, per address) ---
  Result<std::optional<Bytes>> identity_load(const Address& address) const;
  Status identity_save(const Address& address, ByteView public_key);

  // --- one-time prekeys (serialized libsignal records) ---
  Result<std::optional<Bytes>> prekey_load(std::uint32_t id) const;
  Status prekey_store(std::uint32_t id, ByteView record);
  Status prekey_remove(std::uint32_t id);
  Result<std::vector<std::uint32_t>> prekey_ids() const;  // ascending

  // --- signed prekeys ---
  Result<std::optional<Bytes>> signed_prekey_load(std::uint32_t id) const;
  Status signed_prekey_store(std::uint32_t id, ByteView record);
  Status signed_prekey_remove(std::uint32_t id);
  Result<std::vector<std::uint32_t>> signed_prekey_ids() const;  // ascending

  // --- pairwise sessions ---
  Result<std::optional<Bytes>> session_load(const Address& address) const;
  Status session_store(const Address& address, ByteView record);
  Status session_delete(const Address& address);
  Status session_delete_all(std::string_view user);
  Result<std::vector<std::uint32_t>> session_devices(std::string_view user) const;

  // --- sender keys (group_id is opaque bytes chosen by the channel layer) ---
  Result<std::optional<Bytes>> sender_key_load(ByteView group_id, const Address& sender) const;
  Status sender_key_store(ByteView group_id, const Address& sender, ByteView record);

  // --- outbox ---
  Status outbox_put(const OutboxItem& item);  // same message_id again: no-op
  Result<std::vector<OutboxItem>> outbox_items() const;  // in creation order
  Status outbox_remove(const MessageId& id);

  // --- messages waiting for a session ---
  Result<std::int64_t> pending_put(const PendingItem& item);  // returns seq
  Result<std::vector<PendingItem>> pending_items() const;     // in creation order
  Status pending_remove(std::int64_t seq);

  // --- inbox de-duplication: a message id from a sender is delivered to the app once ---
  Result<bool> inbox_seen(const Address& sender, const MessageId& id) const;
  Status inbox_mark(const Address& sender, const MessageId& id, TimeMs now);

  // --- cells (store/cells.cpp) ---
  Status commit_put(ByteView cell_id, const StoredCommit& commit);  // same (cell, epoch) again: no-op
  Result<std::vector<StoredCommit>> commits_of(ByteView cell_id) const;  // ascending epoch
  Result<std::vector<Bytes>> cell_ids() const;                          // every cell with commits
  Result<std::optional<ChannelSendKey>> send_key_get(ByteView cell_id, std::string_view channel) const;
  Status send_key_put(ByteView cell_id, std::string_view channel, const ChannelSendKey& key);
  Result<std::optional<KeyTagRecord>> key_tag_get(ByteView tag) const;
  Status key_tag_put(ByteView tag, const KeyTagRecord& record);  // first record wins
  // false if (cell, sender, message id) is already there.
  Result<bool> history_add(const HistoryRecord& record);
  Result<std::vector<HistoryRecord>> history(ByteView cell_id, std::string_view channel) const;  // arrival order
  // The sender's posts numbered from..to on the channel, ascending.
  Result<std::vector<HistoryRecord>> history_posts(ByteView cell_id, std::string_view channel, const Address& sender,
                                                   std::uint64_t from_post, std::uint64_t to_post) const;
  // The charter epoch of the sender's nearest post on the channel numbered below (`below`) or
  // above `post` that this device holds; nullopt if it holds none.
  Result<std::optional<std::uint64_t>> history_epoch_near(ByteView cell_id, std::string_view channel,
                                                           const Address& sender, std::uint64_t post,
                                                           bool below) const;
  // Holds an envelope; at most `max_per_sender` per sender and `max_held` in all (the
  // sender holding the most loses its oldest first).
  Status held_put(const Address& sender, ByteView payload, TimeMs now, std::size_t max_held,
                  std::size_t max_per_sender);
  Result<std::vector<HeldEnvelope>> held_items() const;
  // When the oldest held envelope arrived; nullopt if none is held.
  Result<std::optional<TimeMs>> held_oldest() const;
  Status held_remove(std::int64_t seq);

  // --- recovery of lost channel traffic (store/recovery.cpp) ---
  // The lowest post number of `sender` on the channel this device has not accounted for.
  Result<std::optional<std::uint64_t>> cursor_get(ByteView cell_id, std::string_view channel,
                                                  const Address& sender) const;
  Status cursor_put(ByteView cell_id, std::string_view channel, const Address& sender, std::uint64_t next_post);
  // The exact KeyDistribution body sent to `recipient` for a generation of this device's key.
  Status sent_distribution_put(ByteView cell_id, std::string_view channel, std::uint32_t generation,
                               const Address& recipient, ByteView body);
  Result<std::optional<Bytes>> sent_distribution_get(ByteView cell_id, std::string_view channel,
                                                     std::uint32_t generation, const Address& recipient) const;
  // Forgets the distributions of generations below `generation` (they are no longer used).
  Status sent_distributions_prune(ByteView cell_id, std::string_view channel, std::uint32_t generation);
  // The first post of this device on `channel` that `reader` was meant to read: `post` if none
  // is recorded yet (then recorded), else the one recorded. Forgotten when the reader stops
  // reading the channel (or leaves the cell: forget_peer_in_cell).
  Result<std::uint64_t> reader_since_note(ByteView cell_id, std::string_view channel, const Address& reader,
                                          std::uint64_t post);
  Status reader_since_forget(ByteView cell_id, std::string_view channel, const Address& reader);

  // --- trust (store/trust.cpp) ---
  // Forgets the cell's commits from `epoch` on (a supervisor tie-break replaced them).
  Status commits_delete_from(ByteView cell_id, std::uint64_t epoch);
  // When this device applied `epoch` of the cell (nullopt: no such commit; 0: unknown).
  Result<std::optional<TimeMs>> commit_applied_at(ByteView cell_id, std::uint64_t epoch) const;
  // A device of a cell changed its key or left: forget the sender keys it gave (groups
  // starting with `group_prefix`), the cursor of its posts and the key distributions it was
  // sent in the cell, so that nothing of its predecessor's reaches a new holder of the address.
  Status forget_peer_in_cell(ByteView cell_id, ByteView group_prefix, const Address& device);
  // --- joining (store/joining.cpp) ---
  Status join_anchor_put(std::uint8_t kind, ByteView value, TimeMs now);
  Result<bool> join_anchor_has(std::uint8_t kind, ByteView value) const;
  // Keeps at most `max_per_sender` invitations from its sender and `max_total` in all,
  // dropping the oldest; an invitation with the same genesis is replaced.
  Status invitation_put(const StoredInvitation& invitation, std::size_t max_total, std::size_t max_per_sender);
  Result<std::vector<StoredInvitation>> invitations() const;  // oldest first
  Result<std::optional<StoredInvitation>> invitation_get(ByteView genesis) const;
  Status invitation_remove(ByteView genesis);

  Status queued_post_put(const QueuedPost& post);
  Result<std::vector<QueuedPost>> queued_posts() const;  // in the order they were made
  Status queued_post_remove(std::int64_t seq);

  // --- hotline: (message, party) pairs already reported overdue (store/hotline.cpp) ---
  Status overdue_mark(ByteView cell_id, std::string_view channel, const Address& sender, const MessageId& id,
                      std::string_view party);
  Result<bool> overdue_marked(ByteView cell_id, std::string_view channel, const Address& sender, const MessageId& id,
                              std::string_view party) const;

  // --- party-admin proposals waiting on a supervisor device (store/proposals.cpp) ---
  Status proposal_put(ByteView cell_id, ByteView id, const StoredCommit& signed_proposal, TimeMs now);
  Result<std::optional<StoredCommit>> proposal_get(ByteView cell_id, ByteView id) const;  // epoch unused
  Status proposal_remove(ByteView cell_id, ByteView id);
  // The cell's pending proposals by arrival (received_at, then id): id, signed bytes, time.
  struct PendingProposal {
    Bytes id;
    Bytes bytes;
    TimeMs received_at = 0;
  };
  Result<std::vector<PendingProposal>> proposals(ByteView cell_id) const;

 private:
  explicit DeviceStore(Database db) : db_(std::move(db)) {}
  Status migrate();
  mutable Database db_;
};

}  // namespace parley::store
