// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/memory_relay.hpp"

#include <algorithm>

namespace parley::test {

namespace {
Bytes copy(const flatbuffers::Vector<std::uint8_t>* v) { return v ? Bytes(v->begin(), v->end()) : Bytes{}; }
}  // namespace

Bytes MemoryRelay::open(int connection) {
  connections_[connection] = std::nullopt;
  pushed_up_to_[connection] = 0;
  flatbuffers::FlatBufferBuilder fbb;
  Bytes nonce(wire::kNonceBytes, static_cast<std::uint8_t>(connection));
  auto body = wire::CreateChallenge(fbb, fbb.CreateVector(nonce));
  return wire::finish_relay_frame(fbb, wire::RelayBody::Challenge, body.Union());
}

void MemoryRelay::handle(int connection, ByteView bytes, std::map<int, std::deque<Bytes>>& out) {
  auto parsed = wire::parse_client_frame(bytes);
  if (!parsed) throw std::runtime_error("engine sent a bad frame: " + parsed.error().to_string());
  const wire::ClientFrame* frame = *parsed;
  auto reply = [&](int conn, Bytes b) { out[conn].push_back(std::move(b)); };
  flatbuffers::FlatBufferBuilder fbb;

  switch (frame->body_type()) {
    case wire::ClientBody::Register: {
      auto* r = frame->body_as_Register();
      Address who = *wire::to_address(r->address());
      Device& d = devices_[who];
      d = Device{};  // a new registration replaces the old keys, prekeys included
      d.registration_id = r->registration_id();
      d.identity_key = copy(r->identity_key());
      d.spk_id = r->signed_prekey()->id();
      d.spk_public = copy(r->signed_prekey()->public_key());
      d.spk_signature = copy(r->signed_prekey()->signature());
      if (r->one_time_prekeys())
        for (const auto* pk : *r->one_time_prekeys()) d.prekeys.emplace_back(pk->id(), copy(pk->public_key()));
      [[fallthrough]];
    }
    case wire::ClientBody::Authenticate: {
      const wire::Address* addr = frame->body_type() == wire::ClientBody::Register
                                      ? frame->body_as_Register()->address()
                                      : frame->body_as_Authenticate()->address();
      Address who = *wire::to_address(addr);
      connections_[connection] = who;
      auto ok = wire::CreateAuthOk(fbb, static_cast<std::uint32_t>(devices_[who].prekeys.size()));
      reply(connection, wire::finish_relay_frame(fbb, wire::RelayBody::AuthOk, ok.Union()));
      deliver_pending(connection, out);
      return;
    }
    case wire::ClientBody::FetchBundle: {
      auto* f = frame->body_as_FetchBundle();
      Address who = *wire::to_address(f->address());
      auto substitute = impersonate.find(who);
      auto it = devices_.find(substitute == impersonate.end() ? who : substitute->second);
      if (it == devices_.end()) {
        reply(connection, wire::make_failure({Errc::unknown_device, "no such device"}, false, f->request_id()));
        return;
      }
      Device& d = it->second;
      flatbuffers::Offset<wire::PreKey> otk;
      if (!d.prekeys.empty()) {
        otk = wire::CreatePreKey(fbb, d.prekeys.front().first, fbb.CreateVector(d.prekeys.front().second));
        d.prekeys.pop_front();
      }
      auto spk = wire::CreateSignedPreKey(fbb, d.spk_id, fbb.CreateVector(d.spk_public), fbb.CreateVector(d.spk_signature));
      auto bundle = wire::CreateBundle(fbb, f->request_id(), wire::make_address(fbb, who), d.registration_id,
                                       fbb.CreateVector(d.identity_key), spk, otk);
      reply(connection, wire::finish_relay_frame(fbb, wire::RelayBody::Bundle, bundle.Union()));
      return;
    }
    case wire::ClientBody::Send: {
      auto* s = frame->body_as_Send();
      Address sender = *connections_.at(connection);
      MessageId id = *wire::to_message_id(s->message_id());
      const bool duplicate = stored_.count({sender, id}) > 0;
      if (!duplicate) {
        std::vector<Address> accepted;
        std::vector<wire::Refused> refused;
        for (const auto* r : *s->recipients()) {
          const Address to = *wire::to_address(r);
          if (std::find(accepted.begin(), accepted.end(), to) != accepted.end() ||
              std::any_of(refused.begin(), refused.end(), [&](const wire::Refused& x) { return x.recipient == to; }))
            continue;
          if (refuse_unknown && !devices_.count(to))
            refused.push_back({to, Errc::unknown_device});
          else if (max_mailbox > 0 && mailbox_size(to) >= max_mailbox)
            refused.push_back({to, Errc::mailbox_full});
          else
            accepted.push_back(to);
        }
        if (accepted.empty()) {
          reply(connection, wire::make_failure({refused.front().code, "no recipient can take it"}, false, 0, &id, refused));
          return;
        }
        stored_[{sender, id}] = refused;
        Captured c{sender, id, {}, copy(s->payload())};
        for (const auto* r : *s->recipients()) c.recipients.push_back(*wire::to_address(r));
        captured_.push_back(std::move(c));
        for (const Address& to : accepted) {
          const int n = copies ? copies(sender, to, wire::view(s->payload())) : 1;
          for (int i = 0; i < n; ++i) {
            Mail mail{next_delivery_++, sender, id, copy(s->payload())};
            if (tamper) tamper(sender, to, mail.payload);
            if (withhold && withhold(sender, to, mail.payload))
              withheld_.emplace_back(to, std::move(mail));
            else
              mailboxes_[to].push_back(std::move(mail));
          }
        }
      }
      if (!drop_send_acks) {
        auto idv = fbb.CreateVector(id.bytes.data(), id.bytes.size());
        auto refusals = wire::make_refusals(fbb, stored_[{sender, id}]);
        auto ack = wire::CreateSendAck(fbb, idv, duplicate, refusals);
        reply(connection, wire::finish_relay_frame(fbb, wire::RelayBody::SendAck, ack.Union()));
      }
      for (auto& [conn, who] : connections_)
        if (who) deliver_pending(conn, out);
      return;
    }
    case wire::ClientBody::Ack: {
      if (drop_acks) return;
      Address who = *connections_.at(connection);
      auto& box = mailboxes_[who];
      for (auto id : *frame->body_as_Ack()->delivery_ids())
        std::erase_if(box, [&](const Mail& m) { return m.delivery_id == id; });
      return;
    }
    default:
      return;
  }
}

// Pushes everything queued for the connection's device (no flow control: tests are small).
// A mail already pushed on this connection is not pushed again until it reconnects.
void MemoryRelay::deliver_pending(int connection, std::map<int, std::deque<Bytes>>& out) {
  auto who = connections_.at(connection);
  if (!who) return;
  auto& last = pushed_up_to_[connection];
  std::vector<const Mail*> batch;
  for (const auto& mail : mailboxes_[*who])
    if (mail.delivery_id > last) batch.push_back(&mail);
  if (batch.empty()) return;
  last = batch.back()->delivery_id;  // delivery ids grow along the mailbox
  if (reorder) reorder(*who, batch);
  for (const Mail* mail : batch) {
    flatbuffers::FlatBufferBuilder fbb;
    auto d = wire::CreateDeliver(fbb, mail->delivery_id, wire::make_address(fbb, mail->sender),
                                 fbb.CreateVector(mail->message_id.bytes.data(), mail->message_id.bytes.size()),
                                 fbb.CreateVector(mail->payload), 0);
    out[connection].push_back(wire::finish_relay_frame(fbb, wire::RelayBody::Deliver, d.Union()));
  }
}

// Behind everything queued: new delivery ids, so each is pushed on the next delivery round.
void MemoryRelay::release_withheld() {
  auto held = std::move(withheld_);
  withheld_.clear();
  for (auto& [to, mail] : held) {
    mail.delivery_id = next_delivery_++;
    mailboxes_[to].push_back(std::move(mail));
  }
}

}  // namespace parley::test
