// SPDX-License-Identifier: GPL-3.0-or-later
// The relay session (relay_session.hpp).
#include "engine/relay_session.hpp"

#include <set>

#include "crypto/keys.hpp"
#include "envelope/envelope.hpp"

namespace parley::engine {

namespace {

constexpr std::string_view kRegistered = "registered";

flatbuffers::Offset<wire::SignedPreKey> make_signed_prekey(flatbuffers::FlatBufferBuilder& fbb,
                                                           const pairwise::SignedPreKeyPublic& spk) {
  return wire::CreateSignedPreKey(fbb, spk.id, fbb.CreateVector(spk.public_key), fbb.CreateVector(spk.signature));
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::PreKey>>> make_prekeys(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<pairwise::PreKeyPublic>& prekeys) {
  std::vector<flatbuffers::Offset<wire::PreKey>> out;
  out.reserve(prekeys.size());
  for (const auto& pk : prekeys) out.push_back(wire::CreatePreKey(fbb, pk.id, fbb.CreateVector(pk.public_key)));
  return fbb.CreateVector(out);
}

Result<pairwise::PreKeyBundle> to_bundle(const wire::Bundle& bundle) {
  auto address = wire::to_address(bundle.address());
  if (!address) return std::move(address).error();
  pairwise::PreKeyBundle out;
  out.address = std::move(*address);
  out.registration_id = bundle.registration_id();
  auto ik = wire::view(bundle.identity_key());
  out.identity_key.assign(ik.begin(), ik.end());
  const wire::SignedPreKey* spk = bundle.signed_prekey();
  out.signed_prekey.id = spk->id();
  auto spk_key = wire::view(spk->public_key());
  auto spk_sig = wire::view(spk->signature());
  out.signed_prekey.public_key.assign(spk_key.begin(), spk_key.end());
  out.signed_prekey.signature.assign(spk_sig.begin(), spk_sig.end());
  if (const wire::PreKey* otk = bundle.one_time_prekey()) {
    auto key = wire::view(otk->public_key());
    out.one_time_prekey = pairwise::PreKeyPublic{otk->id(), Bytes(key.begin(), key.end())};
  }
  return out;
}

Error failure_error(const wire::Failure& failure) {
  Errc code = errc_known(failure.code()) ? static_cast<Errc>(failure.code()) : Errc::protocol_violation;
  std::string message = failure.message() ? failure.message()->str() : std::string{};
  return make_error(code, "relay: " + message);
}

}  // namespace

void RelaySession::on_open(TimeMs) {
  core_.link.opened();
  core_.outbound.clear();
}

void RelaySession::on_close(const Error& reason, TimeMs) {
  const bool was_open = core_.link.closed();
  core_.outbound.clear();
  core_.reports.disconnected();
  // An attempt that never opened (a refused certificate, an unreachable relay) is reported
  // too, once per reason: the app learns why it cannot connect, without an event per retry.
  const bool repeated = !was_open && last_failure_ && last_failure_->code == reason.code &&
                        last_failure_->message == reason.message;
  if (was_open)
    last_failure_.reset();
  else
    last_failure_ = reason;
  if (!repeated) core_.emit(Disconnected{reason});
}

Status RelaySession::on_challenge(const wire::Challenge& challenge) {
  if (core_.link.state() != RelayLink::State::awaiting_challenge)
    return make_error(Errc::protocol_violation, "relay sent a challenge outside the handshake");
  auto nonce = wire::view(challenge.nonce());
  if (nonce.size() != wire::kNonceBytes)
    return make_error(Errc::protocol_violation, "challenge nonce must be 32 bytes");

  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  const store::LocalIdentity& id = **identity;
  auto signature = crypto::sign(id.identity_private, wire::auth_transcript(nonce, core_.self));
  if (!signature) return std::move(signature).error();

  auto registered = core_.store.meta_get(kRegistered);
  if (!registered) return std::move(registered).error();
  const bool registering = !registered->has_value();

  flatbuffers::FlatBufferBuilder fbb;
  if (registering) {
    auto spk = pairwise::current_signed_prekey(core_.store);
    if (!spk) return std::move(spk).error();
    auto otks = pairwise::unused_one_time_prekeys(core_.store);
    if (!otks) return std::move(otks).error();
    auto body = wire::CreateRegister(fbb, wire::make_address(fbb, core_.self), id.registration_id,
                                     fbb.CreateVector(id.identity_public), make_signed_prekey(fbb, *spk),
                                     make_prekeys(fbb, *otks), fbb.CreateVector(*signature),
                                     core_.options.invite_token.empty() ? 0 : fbb.CreateString(core_.options.invite_token));
    core_.outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::Register, body.Union()));
  } else {
    auto body = wire::CreateAuthenticate(fbb, wire::make_address(fbb, core_.self), fbb.CreateVector(*signature));
    core_.outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::Authenticate, body.Union()));
  }
  return core_.link.challenged(registering);
}

Status RelaySession::on_auth_ok(const wire::AuthOk& ok) {
  auto registered = core_.link.authenticated();
  if (!registered) return std::move(registered).error();
  if (*registered) PARLEY_TRY(core_.store.meta_set(kRegistered, Bytes{1}));
  core_.emit(Connected{ok.prekeys_remaining()});

  // Resend everything not yet acknowledged, with the same ids and bytes.
  core_.remove_acked();
  auto outbox = core_.store.outbox_items();
  if (!outbox) return std::move(outbox).error();
  for (const auto& item : *outbox)
    if (!core_.acked(item.message_id)) core_.transmit_send(item);

  auto pending = core_.store.pending_items();
  if (!pending) return std::move(pending).error();
  std::set<Address> peers;
  for (const auto& item : *pending) peers.insert(item.recipient);
  for (const auto& peer : peers) {
    auto has = core_.sessions.has_session(peer);
    if (!has) return std::move(has).error();
    if (*has)
      PARLEY_TRY(encrypt_pending_for(peer));
    else
      core_.request_bundle(peer);
  }
  return {};
}

Status RelaySession::on_prekeys_low() {
  auto fresh = pairwise::generate_one_time_prekeys(core_.store, core_.options.prekey_batch);
  if (!fresh) return std::move(fresh).error();
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateUploadPreKeys(fbb, 0, make_prekeys(fbb, *fresh));
  core_.outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::UploadPreKeys, body.Union()));
  core_.emit(PreKeysReplenished{static_cast<std::uint32_t>(fresh->size())});
  return {};
}

std::optional<TimeMs> RelaySession::signed_prekey_made_at() {
  if (!signed_prekey_made_at_) {
    auto current = pairwise::current_signed_prekey(core_.store);
    if (!current) return std::nullopt;  // read again at the next look
    signed_prekey_made_at_ = current->created_at;
  }
  return signed_prekey_made_at_;
}

void RelaySession::rotate_signed_prekey(TimeMs now) {
  auto fresh = pairwise::rotate_signed_prekey(core_.store, now);
  if (!fresh) {
    core_.emit(ProtocolError{fresh.error()});
    signed_prekey_made_at_ = now;  // not again before the next period: no busy loop
    return;
  }
  signed_prekey_made_at_ = fresh->created_at;
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateUploadPreKeys(fbb, make_signed_prekey(fbb, *fresh), 0);
  core_.outbound.push_back(wire::finish_client_frame(fbb, wire::ClientBody::UploadPreKeys, body.Union()));
  // If this frame is lost with the connection, the relay serves the previous key until the
  // next rotation: at most two periods old, still within signed_prekey_keep_ms.
  if (auto pruned = pairwise::prune_signed_prekeys(core_.store, now - core_.options.signed_prekey_keep_ms); !pruned)
    core_.emit(ProtocolError{pruned.error()});
}

Status RelaySession::on_bundle(const wire::Bundle& frame) {
  auto answered = core_.link.answered(frame.request_id());
  if (!answered) return make_error(Errc::protocol_violation, "relay answered a bundle request that was not made");
  const Address peer = std::move(*answered);

  auto bundle = to_bundle(frame);
  if (bundle && bundle->address != peer)
    bundle = make_error(Errc::protocol_violation, "relay returned the bundle of another device");
  if (bundle) {
    if (auto built = core_.sessions.process_bundle(*bundle); !built) bundle = std::move(built).error();
  }
  if (!bundle) return fail_pending_for(peer, bundle.error());
  return encrypt_pending_for(peer);
}

Status RelaySession::on_send_ack(const wire::SendAck& ack) {
  auto id = wire::to_message_id(ack.message_id());
  if (!id) return std::move(id).error();
  auto refused = wire::to_refusals(ack.refused());
  if (!refused) return std::move(refused).error();
  // The row goes with the next transaction (begin_txn): one commit (one fsync on disk) less
  // per send. Until then the id is known here and never resent; should the process end
  // first, the row is sent again after the restart with the same id and bytes, exactly as
  // after a SendAck lost with the connection: the relay and the readers drop the duplicate.
  core_.note_acked(*id);
  core_.reports.acknowledged(*id, *refused);
  return {};
}

Status RelaySession::on_failure(const wire::Failure& failure, TimeMs now) {
  Error error = failure_error(failure);
  if (failure.fatal()) {
    core_.emit(ProtocolError{error});
    return error;
  }
  if (auto peer = core_.link.answered(failure.request_id())) {
    if (error.code == Errc::rate_limited) {
      // Its messages stay pending; the bundle is asked for again after a pause.
      core_.link.refetch_later(*peer, now + core_.options.relay_busy_retry_ms);
      return {};
    }
    return fail_pending_for(*peer, error);
  }
  if (failure.message_id()) {
    auto id = wire::to_message_id(failure.message_id());
    if (!id) return std::move(id).error();
    auto refused = wire::to_refusals(failure.refused());
    if (!refused) return std::move(refused).error();
    if (error.code == Errc::rate_limited || error.code == Errc::storage_full) {
      // The relay stored nothing and asks to come back later: the message stays in the
      // outbox and goes again after a pause (the relay_retry timer), or on the next connection.
      core_.reports.paused(*id);
      core_.link.resend_later(*id, now + core_.options.relay_busy_retry_ms);
      return {};
    }
    PARLEY_TRY(core_.store.outbox_remove(*id));
    core_.reports.failed(*id, error, *refused);
    return {};
  }
  core_.emit(ProtocolError{error});
  return {};
}

Status RelaySession::encrypt_pending_for(const Address& peer) {
  Effects fx;
  auto sealed = core_.transact(fx, [&]() -> Status {
    auto pending = core_.store.pending_items();
    if (!pending) return std::move(pending).error();
    for (const auto& item : *pending) {
      if (item.recipient != peer) continue;
      auto env = core_.sessions.encrypt(peer, item.content);
      if (!env) return std::move(env).error();
      store::OutboxItem out{item.message_id, {peer}, envelope::encode(*env), item.created_at};
      PARLEY_TRY(core_.store.outbox_put(out));
      PARLEY_TRY(core_.store.pending_remove(item.seq));
      fx.sends.push_back(std::move(out));
    }
    return {};
  });
  if (!sealed) return fail_pending_for(peer, sealed.error());
  core_.finish(fx);
  return {};
}

Status RelaySession::fail_pending_for(const Address& peer, const Error& error) {
  auto pending = core_.store.pending_items();
  if (!pending) return std::move(pending).error();
  for (const auto& item : *pending) {
    if (item.recipient != peer) continue;
    PARLEY_TRY(core_.store.pending_remove(item.seq));
    core_.reports.never_sent(item.message_id, peer, error);
  }
  return {};
}

void RelaySession::resend_refused(TimeMs now) {
  if (!core_.link.due(now)) return;
  auto outbox = core_.store.outbox_items();
  if (!outbox) return;  // tried again at the next timeout
  const RelayLink::Due due = core_.link.take_due(now);
  // Ids no longer in the outbox (acknowledged meanwhile) need no resend.
  for (const auto& item : *outbox)
    if (due.resends.count(item.message_id) && !core_.acked(item.message_id)) core_.transmit_send(item);
  for (const auto& peer : due.refetches) core_.request_bundle(peer);
}

}  // namespace parley::engine
