// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol.hpp"

#include "crypto/keys.hpp"
#include "invites.hpp"

namespace parley::relay {

namespace {

Bytes copy(const flatbuffers::Vector<std::uint8_t>* bytes) {
  if (!bytes) return {};
  return Bytes(bytes->begin(), bytes->end());
}

Result<SignedPreKeyRecord> check_signed_prekey(const wire::SignedPreKey* spk, ByteView identity_key) {
  if (!spk) return make_error(Errc::malformed_frame, "signed prekey missing");
  if (spk->public_key()->size() != crypto::kPublicKeyBytes)
    return make_error(Errc::invalid_key, "signed prekey must be " + std::to_string(crypto::kPublicKeyBytes) +
                                             " bytes, got " + std::to_string(spk->public_key()->size()));
  if (spk->signature()->size() != crypto::kSignatureBytes)
    return make_error(Errc::invalid_signature, "signed prekey signature must be " +
                                                   std::to_string(crypto::kSignatureBytes) + " bytes, got " +
                                                   std::to_string(spk->signature()->size()));
  if (!crypto::verify(identity_key, wire::view(spk->public_key()), wire::view(spk->signature())))
    return make_error(Errc::invalid_signature, "signed prekey signature does not verify under the identity key");
  return SignedPreKeyRecord{spk->id(), copy(spk->public_key()), copy(spk->signature())};
}

Result<std::vector<PreKeyRecord>> check_prekeys(
    const flatbuffers::Vector<flatbuffers::Offset<wire::PreKey>>* list, const RelayConfig& config) {
  std::vector<PreKeyRecord> out;
  if (!list) return out;
  if (list->size() > config.max_prekeys_per_upload)
    return make_error(Errc::limit_exceeded, "at most " + std::to_string(config.max_prekeys_per_upload) +
                                                " one-time prekeys per upload, got " + std::to_string(list->size()));
  out.reserve(list->size());
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
    const wire::PreKey* prekey = list->Get(i);
    if (!prekey || prekey->public_key()->size() != crypto::kPublicKeyBytes)
      return make_error(Errc::invalid_key, "one-time prekey #" + std::to_string(i) + " must be " +
                                               std::to_string(crypto::kPublicKeyBytes) + " bytes");
    out.push_back(PreKeyRecord{prekey->id(), copy(prekey->public_key())});
  }
  return out;
}

}  // namespace

bool check_auth_signature(ByteView identity_key, ByteView nonce, const Address& address, ByteView signature) {
  if (signature.size() != crypto::kSignatureBytes) return false;
  const Bytes transcript = wire::auth_transcript(nonce, address);
  return crypto::verify(identity_key, transcript, signature);
}

Result<RegisterRequest> check_register(const wire::Register& frame, ByteView nonce, const RelayConfig& config) {
  RegisterRequest out;
  auto address = wire::to_address(frame.address());
  if (!address) return std::move(address).error();
  out.device.address = std::move(*address);
  out.device.registration_id = frame.registration_id();
  if (frame.identity_key()->size() != crypto::kPublicKeyBytes)
    return make_error(Errc::invalid_key, "identity key must be " + std::to_string(crypto::kPublicKeyBytes) +
                                             " bytes, got " + std::to_string(frame.identity_key()->size()));
  out.device.identity_key = copy(frame.identity_key());
  auto spk = check_signed_prekey(frame.signed_prekey(), out.device.identity_key);
  if (!spk) return std::move(spk).error();
  out.device.signed_prekey = std::move(*spk);
  auto prekeys = check_prekeys(frame.one_time_prekeys(), config);
  if (!prekeys) return std::move(prekeys).error();
  out.prekeys = std::move(*prekeys);
  if (!check_auth_signature(out.device.identity_key, nonce, out.device.address, wire::view(frame.signature())))
    return make_error(Errc::auth_failed, "registration signature does not verify for this challenge");
  out.admission.open = config.registration == "open";
  if (!out.admission.open && frame.invite_token() && frame.invite_token()->size() > 0)
    out.admission.token_hash = invite_token_hash(frame.invite_token()->string_view());
  return out;
}

Result<UploadRequest> check_upload(const wire::UploadPreKeys& frame, ByteView identity_key, const RelayConfig& config) {
  UploadRequest out;
  if (frame.signed_prekey()) {
    auto spk = check_signed_prekey(frame.signed_prekey(), identity_key);
    if (!spk) return std::move(spk).error();
    out.signed_prekey = std::move(*spk);
  }
  auto prekeys = check_prekeys(frame.one_time_prekeys(), config);
  if (!prekeys) return std::move(prekeys).error();
  out.prekeys = std::move(*prekeys);
  return out;
}

// --- frames ---

Bytes make_challenge(ByteView nonce) {
  flatbuffers::FlatBufferBuilder fbb(128);
  auto body = wire::CreateChallenge(fbb, fbb.CreateVector(nonce.data(), nonce.size()));
  return wire::finish_relay_frame(fbb, wire::RelayBody::Challenge, body.Union());
}

Bytes make_auth_ok(std::uint32_t prekeys_remaining) {
  flatbuffers::FlatBufferBuilder fbb(64);
  auto body = wire::CreateAuthOk(fbb, prekeys_remaining);
  return wire::finish_relay_frame(fbb, wire::RelayBody::AuthOk, body.Union());
}

Bytes make_prekeys_low(std::uint32_t remaining) {
  flatbuffers::FlatBufferBuilder fbb(64);
  auto body = wire::CreatePreKeysLow(fbb, remaining);
  return wire::finish_relay_frame(fbb, wire::RelayBody::PreKeysLow, body.Union());
}

Bytes make_bundle(std::uint32_t request_id, const BundleRecord& bundle) {
  flatbuffers::FlatBufferBuilder fbb(512);
  const auto& device = bundle.device;
  auto address = wire::make_address(fbb, device.address);
  auto identity = fbb.CreateVector(device.identity_key);
  auto spk = wire::CreateSignedPreKey(fbb, device.signed_prekey.id, fbb.CreateVector(device.signed_prekey.public_key),
                                      fbb.CreateVector(device.signed_prekey.signature));
  flatbuffers::Offset<wire::PreKey> otpk;
  if (bundle.one_time_prekey)
    otpk = wire::CreatePreKey(fbb, bundle.one_time_prekey->id, fbb.CreateVector(bundle.one_time_prekey->public_key));
  auto body = wire::CreateBundle(fbb, request_id, address, device.registration_id, identity, spk, otpk);
  return wire::finish_relay_frame(fbb, wire::RelayBody::Bundle, body.Union());
}

std::vector<wire::Refused> to_wire(const std::vector<Refusal>& refused) {
  std::vector<wire::Refused> out;
  out.reserve(refused.size());
  for (const auto& r : refused) out.push_back(wire::Refused{r.recipient, r.code});
  return out;
}

Bytes make_send_ack(const MessageId& message_id, bool duplicate, const std::vector<Refusal>& refused) {
  flatbuffers::FlatBufferBuilder fbb(64 + 48 * refused.size());
  auto id = fbb.CreateVector(message_id.bytes.data(), message_id.bytes.size());
  auto refusals = wire::make_refusals(fbb, to_wire(refused));
  auto body = wire::CreateSendAck(fbb, id, duplicate, refusals);
  return wire::finish_relay_frame(fbb, wire::RelayBody::SendAck, body.Union());
}

Bytes make_send_refused(const MessageId& message_id, const std::vector<Refusal>& refused) {
  Error error = make_error(Errc::invalid_argument, "no recipient");
  if (!refused.empty()) {
    const Refusal& first = refused.front();
    error.code = first.code;
    error.message = "no recipient can take the message: " + first.recipient.to_string() +
                    (first.code == Errc::mailbox_full ? " has a full mailbox" : " is not registered");
    if (refused.size() > 1) error.message += " (and " + std::to_string(refused.size() - 1) + " more)";
  }
  return wire::make_failure(error, false, 0, &message_id, to_wire(refused));
}

Bytes make_deliver(const StoredMessage& message) {
  flatbuffers::FlatBufferBuilder fbb(message.payload.size() + 256);
  auto sender = wire::make_address(fbb, message.sender);
  auto id = fbb.CreateVector(message.message_id.bytes.data(), message.message_id.bytes.size());
  auto payload = fbb.CreateVector(message.payload);
  auto body = wire::CreateDeliver(fbb, message.delivery_id, sender, id, payload,
                                  static_cast<std::uint64_t>(message.stored_at_ms));
  return wire::finish_relay_frame(fbb, wire::RelayBody::Deliver, body.Union());
}

}  // namespace parley::relay
