// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/engine.hpp"

#include <algorithm>

#include "common/address.hpp"
#include "crypto/keys.hpp"
#include "envelope/envelope.hpp"

namespace parley::engine {

Result<std::unique_ptr<Engine>> Engine::create(store::DeviceStore& store, EngineOptions options) {
  auto identity = store.local_identity();
  if (!identity) return std::move(identity).error();
  if (!identity->has_value())
    return make_error(Errc::invalid_argument, "the store has no device identity; create one first");
  auto adapter = pairwise::SignalStoreAdapter::create(store);
  if (!adapter) return std::move(adapter).error();
  if (!options.random) options.random = [](std::span<std::uint8_t> out) { (void)crypto::random_bytes(out); };
  auto book = cells::CellBook::load(store);
  if (!book) return std::move(book).error();
  return std::unique_ptr<Engine>(
      new Engine(store, std::move(*adapter), (*identity)->address, std::move(options), std::move(*book)));
}

Engine::Engine(store::DeviceStore& store, std::unique_ptr<pairwise::SignalStoreAdapter> adapter, Address self,
               EngineOptions options, cells::CellBook book)
    : core_(store, std::move(adapter), std::move(self), std::move(options), std::move(book)),
      relay_(core_),
      identities_(core_),
      charters_(core_, identities_),
      proposals_(core_, identities_, charters_),
      beacons_(core_, identities_, charters_),
      joining_(core_, identities_, charters_),
      hotline_(store, core_.book, core_.options.max_clock_skew_ms),
      tracking_(core_, hotline_),
      recovery_(core_.options.recovery_retry_ms) {
  // No global identity veto: each cell's charter binds its own members' keys, pinned and
  // checked per cell (identities.cpp). libsignal then checks the pin when it builds a
  // session from a bundle or a first message; a key an anchor or a joined charter binds
  // overrides a pin taken on first use (vouches_for).
  core_.adapter->set_identity_vouch(
      [this](const Address& peer, ByteView key) { return identities_.vouches_for(peer, key); });
  core_.follow_up = [this](std::vector<ResyncAsk> asks, std::vector<LostCommit> rebases) {
    if (!asks.empty()) charters_.send_asks(asks);
    for (const auto& lost : rebases) charters_.rebase_lost_commit(lost);
  };
}

Engine::~Engine() { core_.remove_acked(); }

void Engine::on_open(TimeMs now) { relay_.on_open(now); }

void Engine::on_close(const Error& reason, TimeMs now) { relay_.on_close(reason, now); }

Status Engine::on_frame(ByteView bytes, TimeMs now) {
  auto parsed = wire::parse_relay_frame(bytes);
  if (!parsed) {
    core_.emit(ProtocolError{parsed.error()});
    return std::move(parsed).error();
  }
  const wire::RelayFrame* frame = *parsed;
  switch (frame->body_type()) {
    case wire::RelayBody::Challenge:
      return relay_.on_challenge(*frame->body_as_Challenge());
    case wire::RelayBody::AuthOk:
      core_.beacons.connected(now);
      return relay_.on_auth_ok(*frame->body_as_AuthOk());
    case wire::RelayBody::PreKeysLow:
      return core_.link.ready() ? relay_.on_prekeys_low() : Status{};
    case wire::RelayBody::Bundle:
      return relay_.on_bundle(*frame->body_as_Bundle());
    case wire::RelayBody::SendAck:
      return relay_.on_send_ack(*frame->body_as_SendAck());
    case wire::RelayBody::Deliver:
      return on_deliver(*frame->body_as_Deliver(), now);
    case wire::RelayBody::Failure:
      return relay_.on_failure(*frame->body_as_Failure(), now);
    default:
      return make_error(Errc::protocol_violation, "relay sent an unknown frame type");
  }
}

namespace {

// This device's own store failed (disk full, file locked, I/O error, no memory): nothing of
// the delivery was kept and nothing is wrong with the message. It is not acknowledged, and
// on_deliver returns the error: the driver closes the connection, and the relay delivers the
// message again after the reconnect. Every other failure is a verdict on the message itself
// and is final: the delivery is acknowledged so that it does not block the mailbox.
bool own_store_failed(const Error& error) { return error.code == Errc::store_io || error.code == Errc::out_of_memory; }

}  // namespace

Status Engine::on_deliver(const wire::Deliver& deliver, TimeMs now) {
  if (!core_.link.ready()) return make_error(Errc::protocol_violation, "delivery before authentication");
  const std::uint64_t delivery_id = deliver.delivery_id();
  auto sender = wire::to_address(deliver.sender());
  if (!sender) {
    core_.transmit_ack(delivery_id);
    core_.emit(ProtocolError{sender.error()});
    return {};
  }
  auto envelope = envelope::decode(wire::view(deliver.payload()));
  if (!envelope) {
    core_.transmit_ack(delivery_id);  // it can never become valid: do not let it block the mailbox
    core_.emit(DecryptFailed{*sender, envelope.error()});
    return {};
  }

  if (envelope->type == envelope::CipherType::sender_key) {
    Effects after;
    auto hold = on_channel_envelope(*sender, *envelope, now, after);
    if (!hold && own_store_failed(hold.error())) return std::move(hold).error();  // not acknowledged
    if (hold && *hold) {
      auto held = core_.store.held_put(*sender, wire::view(deliver.payload()), now, core_.options.max_held_envelopes,
                                  core_.options.max_held_per_sender);
      core_.held_changed = true;
      recovery_.held(now);  // its key was just asked for: the recovery timer asks again later
      if (!held && own_store_failed(held.error())) return std::move(held).error();  // not acknowledged
      if (!held) core_.emit(DecryptFailed{*sender, held.error()});
    }
    core_.transmit_ack(delivery_id);  // held envelopes live in the store, not in the mailbox
    if (!hold) core_.emit(DecryptFailed{*sender, hold.error()});
    core_.finish(after);
    retry_held(now);
    return {};
  }

  // Decrypt, parse, record as seen and act on control traffic in one transaction: a failure
  // leaves the session state as it was, and a success is never reported twice.
  struct Received {
    envelope::Content content;
    bool fresh = false;
  };
  Effects after;
  auto received = core_.transact(after, [&]() -> Result<Received> {
    auto plain = core_.sessions.decrypt(*sender, *envelope);
    if (!plain) return std::move(plain).error();
    auto content = envelope::decode_content(*plain);
    crypto::wipe(*plain);
    if (!content) return std::move(content).error();
    auto seen = core_.store.inbox_seen(*sender, content->message_id);
    if (!seen) return std::move(seen).error();
    if (!*seen) {
      PARLEY_TRY(core_.store.inbox_mark(*sender, content->message_id, now));
      if (content->kind != envelope::ContentKind::text) PARLEY_TRY(on_control(*sender, *content, now, after));
    }
    return Received{std::move(*content), !*seen};
  });
  if (!received && own_store_failed(received.error())) return std::move(received).error();  // not acknowledged
  core_.transmit_ack(delivery_id);
  if (!received) {
    after = {};  // the store rolled back, and with it everything the delivery would have done
    // A redelivery of a message already decrypted (e.g. our ack was lost) is not an error.
    if (received.error().code != Errc::duplicate_message) core_.emit(DecryptFailed{*sender, received.error()});
    return {};
  }
  core_.finish(after);
  if (received->fresh && received->content.kind == envelope::ContentKind::text) {
    const auto& body = received->content.body;
    core_.emit(MessageReceived{*sender, received->content.message_id, received->content.sent_at,
                         std::string(body.begin(), body.end())});
  }
  crypto::wipe(received->content.body);
  retry_held(now);
  return {};
}

Status Engine::on_control(const Address& sender, const envelope::Content& content, TimeMs now, Effects& after) {
  switch (content.kind) {
    case envelope::ContentKind::charter_commit:
      return charters_.on_charter_commit(sender, content.body, now, after);
    case envelope::ContentKind::welcome:
      return joining_.on_welcome(sender, content.body, now, after);
    case envelope::ContentKind::sender_key_distribution:
      return on_distribution(sender, content.body, after);
    case envelope::ContentKind::resync_request:
      return charters_.on_resync(sender, content.body, now, after);
    case envelope::ContentKind::posts_request:
      return on_posts_request(sender, content.body, now, after);
    case envelope::ContentKind::posts_resend:
      return on_posts_resend(sender, content.body, now, after);
    case envelope::ContentKind::key_request:
      return on_key_request(sender, content.body, now, after);
    case envelope::ContentKind::proposal:
      return proposals_.on_proposal(sender, content.body, now, after);
    case envelope::ContentKind::escalation:
      return on_escalation(sender, content.body, now, after);
    case envelope::ContentKind::head_beacon:
      return beacons_.on_head_beacon(sender, content, now, after);
    case envelope::ContentKind::text:
      break;
  }
  return {};
}

Result<CellId> Engine::create_cell(charter::SeedCellOptions options, TimeMs now) {
  return charters_.create_cell(std::move(options), now);
}

Status Engine::commit(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now) {
  return charters_.commit(cell, std::move(operations), now);
}

Result<ProposalId> Engine::propose(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now) {
  return proposals_.propose(cell, std::move(operations), now);
}

Status Engine::accept_proposal(const CellId& cell, const ProposalId& id, TimeMs now) {
  return proposals_.accept_proposal(cell, id, now);
}

Status Engine::reject_proposal(const CellId& cell, const ProposalId& id) { return proposals_.reject_proposal(cell, id); }

Status Engine::add_join_anchor(const JoinAnchor& anchor, TimeMs now) {
  PARLEY_TRY(joining_.add_join_anchor(anchor, now));
  retry_held(now);
  return {};
}

Status Engine::accept_invitation(const Digest& genesis, TimeMs now) {
  PARLEY_TRY(joining_.accept_invitation(genesis, now));
  retry_held(now);
  return {};
}

Status Engine::decline_invitation(const Digest& genesis) { return joining_.decline_invitation(genesis); }

Result<std::vector<Invitation>> Engine::invitations() const { return joining_.invitations(); }

Result<JoinAnchor> Engine::join_anchor(const CellId& cell) const { return joining_.join_anchor(cell); }

Result<JoinAnchor> Engine::supervisor_anchor() const { return joining_.supervisor_anchor(); }

Result<MessageId> Engine::send_text(const Address& to, std::string_view text, TimeMs now) {
  PARLEY_TRY(validate_address(to));
  if (to == core_.self) return make_error(Errc::invalid_argument, "a device cannot open a pairwise session with itself");
  if (text.size() > envelope::kMaxBodyBytes)
    return make_error(Errc::invalid_argument, "message is " + std::to_string(text.size()) + " bytes, limit " +
                                                  std::to_string(envelope::kMaxBodyBytes));
  envelope::Content content;
  content.message_id = core_.new_message_id();
  content.sent_at = now;
  content.body.assign(text.begin(), text.end());
  Effects after;
  auto queued = core_.transact(after, [&]() -> Status { return core_.queue_pairwise(to, content, now, /*quiet=*/false, after); });
  if (!queued) return std::move(queued).error();
  core_.finish(after);
  return content.message_id;
}

std::optional<Bytes> Engine::poll_transmit() {
  if (core_.outbound.empty()) return std::nullopt;
  Bytes out = std::move(core_.outbound.front());
  core_.outbound.pop_front();
  return out;
}

std::optional<Event> Engine::poll_event() {
  if (core_.events.empty()) return std::nullopt;
  Event out = std::move(core_.events.front());
  core_.events.pop_front();
  return out;
}

}  // namespace parley::engine
