// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairwise/sessions.hpp"

#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
#include <session_record.h>
#include <session_state.h>
#include <protocol.h>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "pairwise/signal_address.hpp"
#include "pairwise/signal_error.hpp"

namespace parley::pairwise {

namespace {

using crypto::BufferPtr;
using crypto::SignalPtr;

struct CipherFree {
  void operator()(session_cipher* cipher) const { session_cipher_free(cipher); }
};
using CipherPtr = std::unique_ptr<session_cipher, CipherFree>;

Result<SignalPtr<ec_public_key>> decode_public(const Bytes& key, const char* what) {
  ec_public_key* raw = nullptr;
  if (int rc = curve_decode_point(&raw, key.data(), key.size(), crypto::global_context()); rc != 0)
    return from_signal(rc, std::string("decode ") + what);
  return SignalPtr<ec_public_key>(raw);
}

}  // namespace

Result<bool> Sessions::has_session(const Address& peer) const {
  auto record = adapter_.store().session_load(peer);
  if (!record) return std::move(record).error();
  return record->has_value();
}

Result<std::optional<Bytes>> Sessions::remote_identity(const Address& peer) const {
  const std::string what = "session with " + peer.to_string();
  signal_protocol_address address = to_signal_address(peer);
  session_record* raw = nullptr;
  if (int rc = signal_protocol_session_load_session(adapter_.context(), &raw, &address); rc != 0)
    return from_signal(rc, what);
  SignalPtr<session_record> record(raw);
  session_state* state = record ? session_record_get_state(record.get()) : nullptr;
  ec_public_key* remote = state ? session_state_get_remote_identity_key(state) : nullptr;
  if (!remote) return std::optional<Bytes>{};
  signal_buffer* raw_key = nullptr;
  if (int rc = ec_public_key_serialize(&raw_key, remote); rc != 0) return from_signal(rc, what);
  BufferPtr key(raw_key);
  return std::optional<Bytes>(crypto::to_bytes(key.get()));
}

Status Sessions::forget(const Address& peer) { return adapter_.store().session_delete(peer); }

Status Sessions::process_bundle(const PreKeyBundle& bundle) {
  const std::string what = "session with " + bundle.address.to_string();
  auto identity = decode_public(bundle.identity_key, "identity key");
  if (!identity) return std::move(identity).error();
  auto signed_key = decode_public(bundle.signed_prekey.public_key, "signed prekey");
  if (!signed_key) return std::move(signed_key).error();
  SignalPtr<ec_public_key> one_time;
  std::uint32_t one_time_id = 0;
  if (bundle.one_time_prekey) {
    auto key = decode_public(bundle.one_time_prekey->public_key, "one-time prekey");
    if (!key) return std::move(key).error();
    one_time = std::move(*key);
    one_time_id = bundle.one_time_prekey->id;
  }

  session_pre_key_bundle* raw_bundle = nullptr;
  if (int rc = session_pre_key_bundle_create(
          &raw_bundle, bundle.registration_id, static_cast<int>(bundle.address.device), one_time_id, one_time.get(),
          bundle.signed_prekey.id, signed_key->get(), bundle.signed_prekey.signature.data(),
          bundle.signed_prekey.signature.size(), identity->get());
      rc != 0)
    return from_signal(rc, what);
  SignalPtr<session_pre_key_bundle> prekey_bundle(raw_bundle);

  signal_protocol_address address = to_signal_address(bundle.address);
  session_builder* raw_builder = nullptr;
  if (int rc = session_builder_create(&raw_builder, adapter_.context(), &address, crypto::global_context()); rc != 0)
    return from_signal(rc, what);
  std::unique_ptr<session_builder, void (*)(session_builder*)> builder(raw_builder, session_builder_free);
  if (int rc = session_builder_process_pre_key_bundle(builder.get(), prekey_bundle.get()); rc != 0) {
    // libsignal reports a bad signed-prekey signature as INVALID_KEY; say what it means.
    if (rc == SG_ERR_INVALID_KEY) return make_error(Errc::invalid_signature, what + ": signed prekey signature is invalid");
    return from_signal(rc, what);
  }
  return {};
}

Result<envelope::Envelope> Sessions::encrypt(const Address& to, ByteView plaintext) {
  const std::string what = "encrypt to " + to.to_string();
  signal_protocol_address address = to_signal_address(to);
  session_cipher* raw_cipher = nullptr;
  if (int rc = session_cipher_create(&raw_cipher, adapter_.context(), &address, crypto::global_context()); rc != 0)
    return from_signal(rc, what);
  CipherPtr cipher(raw_cipher);
  ciphertext_message* raw_message = nullptr;
  if (int rc = session_cipher_encrypt(cipher.get(), plaintext.data(), plaintext.size(), &raw_message); rc != 0)
    return from_signal(rc, what);
  SignalPtr<ciphertext_message> message(raw_message);
  envelope::Envelope out;
  out.type = ciphertext_message_get_type(message.get()) == CIPHERTEXT_PREKEY_TYPE ? envelope::CipherType::prekey
                                                                                   : envelope::CipherType::whisper;
  out.ciphertext = crypto::to_bytes(ciphertext_message_get_serialized(message.get()));
  return out;
}

Result<Bytes> Sessions::decrypt(const Address& from, const envelope::Envelope& envelope) {
  const std::string what = "decrypt from " + from.to_string();
  signal_protocol_address address = to_signal_address(from);
  session_cipher* raw_cipher = nullptr;
  if (int rc = session_cipher_create(&raw_cipher, adapter_.context(), &address, crypto::global_context()); rc != 0)
    return from_signal(rc, what);
  CipherPtr cipher(raw_cipher);
  signal_buffer* raw_plain = nullptr;
  int rc = 0;
  if (envelope.type == envelope::CipherType::prekey) {
    pre_key_signal_message* raw_message = nullptr;
    rc = pre_key_signal_message_deserialize(&raw_message, envelope.ciphertext.data(), envelope.ciphertext.size(),
                                            crypto::global_context());
    if (rc != 0) return from_signal(rc, what);
    SignalPtr<pre_key_signal_message> message(raw_message);
    rc = session_cipher_decrypt_pre_key_signal_message(cipher.get(), message.get(), nullptr, &raw_plain);
  } else {
    signal_message* raw_message = nullptr;
    rc = signal_message_deserialize(&raw_message, envelope.ciphertext.data(), envelope.ciphertext.size(),
                                    crypto::global_context());
    if (rc != 0) return from_signal(rc, what);
    SignalPtr<signal_message> message(raw_message);
    rc = session_cipher_decrypt_signal_message(cipher.get(), message.get(), nullptr, &raw_plain);
  }
  // The ciphertext parsed, so INVALID_MESSAGE here means it failed authentication under
  // every session state libsignal tried: report it as the MAC failure it is.
  if (rc == SG_ERR_INVALID_MESSAGE) return make_error(Errc::bad_mac, what + ": MAC check failed under every session state");
  if (rc != 0) return from_signal(rc, what);
  BufferPtr plain(raw_plain);
  return crypto::to_bytes(plain.get());
}

}  // namespace parley::pairwise
