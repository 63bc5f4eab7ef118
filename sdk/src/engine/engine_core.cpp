// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/engine_core.hpp"

#include <algorithm>

#include "crypto/keys.hpp"
#include "wire/frames.hpp"

namespace parley::engine {

namespace {

// Acknowledged sends whose outbox rows wait for the next transaction: beyond this many
// (a reconnect resending a long outbox), they are removed in one transaction of their own.
constexpr std::size_t kMaxAckedUnremoved = 64;

}  // namespace

Core::Core(store::DeviceStore& store_in, std::unique_ptr<pairwise::SignalStoreAdapter> adapter_in, Address self_in,
           EngineOptions options_in, cells::CellBook book_in)
    : store(store_in), adapter(std::move(adapter_in)), sessions(*adapter), self(std::move(self_in)),
      options(std::move(options_in)), reports([this](Event event) { emit(std::move(event)); }),
      sender_keys(*adapter), book(std::move(book_in)), epochs(options.withheld_commit_ms),
      beacons(BeaconTimes{options.supervisor_beacon_ms, options.supervisor_beacon_after_commit_ms,
                          options.supervisor_silence_ms}) {}

MessageId Core::new_message_id() {
  MessageId id;
  options.random(id.bytes);
  return id;
}

Status Core::begin_txn() {
  if (in_txn_) return make_error(Errc::internal, "an engine transaction is already open");
  PARLEY_TRY(store.db().begin());
  book.begin();
  in_txn_ = true;
  for (const auto& id : acked_) {
    if (auto removed = store.outbox_remove(id); !removed) {
      rollback_txn();
      return removed;
    }
  }
  acked_in_txn_ = acked_.size();
  return {};
}

Status Core::commit_txn(Effects& fx) {
  if (auto committed = store.db().commit(); !committed) {
    rollback_txn();
    return committed;
  }
  in_txn_ = false;
  acked_.erase(acked_.begin(), acked_.begin() + static_cast<std::ptrdiff_t>(acked_in_txn_));
  acked_in_txn_ = 0;
  book.publish();
  // Actions may queue more actions (an acknowledgement tracked may queue a receipt).
  while (!fx.on_commit.empty()) {
    auto actions = std::move(fx.on_commit);
    fx.on_commit.clear();
    for (auto& action : actions) action(fx);
  }
  return {};
}

void Core::rollback_txn() {
  (void)store.db().rollback();
  book.discard();
  in_txn_ = false;
  acked_in_txn_ = 0;
}

void Core::finish(Effects& after) {
  if (link.ready()) {
    for (const auto& item : after.sends) transmit_send(item);
    for (const auto& peer : after.bundles) request_bundle(peer);
  }
  if (after.retry_held) retry_held = true;
  for (auto& event : after.events) emit(std::move(event));
  auto asks = std::move(after.asks);
  auto rebases = std::move(after.rebases);
  after = {};
  if ((!asks.empty() || !rebases.empty()) && follow_up) follow_up(std::move(asks), std::move(rebases));
}

Status Core::queue_pairwise(const Address& to, const envelope::Content& content, TimeMs now, bool quiet,
                            Effects& after) {
  Bytes plain = envelope::encode(content);
  auto has = sessions.has_session(to);
  if (!has) return std::move(has).error();
  if (!*has) {
    auto seq = store.pending_put(store::PendingItem{0, content.message_id, to, plain, now});
    crypto::wipe(plain);
    if (!seq) return std::move(seq).error();
    after.bundles.push_back(to);
  } else {
    auto sealed = sessions.encrypt(to, plain);
    crypto::wipe(plain);
    if (!sealed) return std::move(sealed).error();
    store::OutboxItem item{content.message_id, {to}, envelope::encode(*sealed), now};
    PARLEY_TRY(store.outbox_put(item));
    after.sends.push_back(std::move(item));
  }
  if (quiet) after.on_commit.push_back([this, id = content.message_id](Effects&) { reports.mark_quiet(id); });
  return {};
}

void Core::transmit_send(const store::OutboxItem& item) {
  if (!link.ready()) return;
  flatbuffers::FlatBufferBuilder fbb(item.payload.size() + 128);
  std::vector<flatbuffers::Offset<wire::Address>> recipients;
  for (const auto& r : item.recipients) recipients.push_back(wire::make_address(fbb, r));
  auto body = wire::CreateSend(fbb, fbb.CreateVector(item.message_id.bytes.data(), item.message_id.bytes.size()),
                               fbb.CreateVector(recipients), fbb.CreateVector(item.payload));
  outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::Send, body.Union()));
  reports.transmitted(item.message_id, item.recipients);
}

void Core::request_bundle(const Address& peer) {
  const auto id = link.ask_bundle(peer);
  if (!id) return;  // not connected (asked again at AuthOk), or already in flight
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateFetchBundle(fbb, *id, wire::make_address(fbb, peer));
  outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::FetchBundle, body.Union()));
}

void Core::transmit_ack(std::uint64_t delivery_id) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<std::uint64_t> ids{delivery_id};
  auto body = wire::CreateAck(fbb, fbb.CreateVector(ids));
  outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::Ack, body.Union()));
}

void Core::note_acked(const MessageId& id) {
  if (!acked(id)) acked_.push_back(id);
  if (acked_.size() >= kMaxAckedUnremoved) remove_acked();
}

bool Core::acked(const MessageId& id) const { return std::find(acked_.begin(), acked_.end(), id) != acked_.end(); }

void Core::remove_acked() {
  if (acked_.empty() || in_txn_) return;
  Effects fx;
  // begin_txn removes them; on failure they stay listed and the next transaction tries again.
  if (auto done = transact(fx, []() -> Status { return {}; }); !done) emit(ProtocolError{done.error()});
}

}  // namespace parley::engine
