// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairwise/sender_keys.hpp"

#include <group_cipher.h>
#include <group_session_builder.h>
#include <protocol.h>
#include <sender_key.h>
#include <sender_key_record.h>
#include <sender_key_state.h>

#include <memory>
#include <string>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "pairwise/signal_error.hpp"

// What libsignal-protocol-c 2.3.3 returns, read from its source and pinned by
// tests/pairwise/sender_keys_test.cpp:
//
//   sender_key_message_deserialize / sender_key_distribution_message_deserialize
//     too short (<= 65 bytes / <= 1 byte)      SG_ERR_INVAL            -> invalid_message
//     version nibble < 3 / > 3                 LEGACY / INVALID_VERSION -> invalid_message
//     protobuf does not unpack                 INVALID_PROTO_BUF       -> invalid_message
//     required field missing                   INVALID_MESSAGE         -> invalid_message
//     signing key not a valid point            INVALID_KEY             -> invalid_key
//     (the distribution's chain key length is NOT checked: we require 32 bytes)
//   group_cipher_encrypt
//     no own state (empty record)              INVALID_KEY_ID, rewritten to NO_SESSION -> no_session
//     only a received state (no private key)   INVALID_KEY             -> invalid_key
//   group_cipher_decrypt
//     absent or empty record                   NO_SESSION              -> no_session
//     no state with the message's key id       INVALID_KEY_ID, rewritten to INVALID_MESSAGE
//     signature check fails                    INVALID_MESSAGE
//     iteration already consumed               DUPLICATE_MESSAGE       -> duplicate_message
//     > 2000 iterations ahead                  INVALID_MESSAGE
//
// Because decrypt folds "unknown key id", "bad signature" and "too far ahead" into one
// INVALID_MESSAGE, decrypt() checks the key id and the signature itself (read-only, against
// the same stored record) when libsignal rejected a message, so each case gets its own code:
// no_session, invalid_signature, and invalid_message for what remains. libsignal verifies the
// signature before it touches the chain and stores the record only on success, so a rejected
// message changes nothing and the record read afterwards is the one libsignal checked
// against. An accepted message is verified once (by libsignal), not twice.

namespace parley::pairwise {

namespace {

using crypto::SignalPtr;

struct GroupCipherFree {
  void operator()(group_cipher* cipher) const { group_cipher_free(cipher); }
};
using GroupCipherPtr = std::unique_ptr<group_cipher, GroupCipherFree>;

struct GroupBuilderFree {
  void operator()(group_session_builder* builder) const { group_session_builder_free(builder); }
};
using GroupBuilderPtr = std::unique_ptr<group_session_builder, GroupBuilderFree>;

// libsignal's view of a sender key name. It owns copies of the group id and user name: the
// group id is kept NUL-terminated because libsignal logs it with "%s" when a log callback is
// installed, and group_cipher keeps a pointer to the name for its whole life.
class SignalName {
 public:
  SignalName(ByteView group_id, const Address& sender)
      : group_(reinterpret_cast<const char*>(group_id.data()), group_id.size()), user_(sender.user) {
    name_.group_id = group_.c_str();
    name_.group_id_len = group_.size();
    name_.sender = signal_protocol_address{user_.c_str(), user_.size(), static_cast<std::int32_t>(sender.device)};
  }
  SignalName(const SignalName&) = delete;
  SignalName& operator=(const SignalName&) = delete;

  const signal_protocol_sender_key_name* get() const { return &name_; }

 private:
  std::string group_;
  std::string user_;
  signal_protocol_sender_key_name name_{};
};

Status check_name(ByteView group_id, const Address& sender) {
  if (group_id.empty() || group_id.size() > kMaxSenderKeyGroupIdBytes)
    return make_error(Errc::invalid_argument, "group id must be 1.." + std::to_string(kMaxSenderKeyGroupIdBytes) +
                                                  " bytes, got " + std::to_string(group_id.size()));
  if (sender.user.empty() || sender.user.size() > kMaxUserNameBytes || sender.device > kMaxDeviceId)
    return make_error(Errc::invalid_argument, "sender address is not a valid device address");
  return {};
}

// Parse failures of untrusted bytes: all "does not parse", except a malformed key.
Error parse_error(int rc, const std::string& what) {
  switch (rc) {
    case SG_ERR_INVAL:
    case SG_ERR_INVALID_PROTO_BUF:
    case SG_ERR_INVALID_MESSAGE:
    case SG_ERR_LEGACY_MESSAGE:
    case SG_ERR_INVALID_VERSION:
      return make_error(Errc::invalid_message, what + ": does not parse");
    case SG_ERR_INVALID_KEY:
      return make_error(Errc::invalid_key, what + ": the signing key is not a valid public key");
    default:
      return from_signal(rc, what);
  }
}

// The stored record under `name`, or nullptr if there is none.
Result<SignalPtr<sender_key_record>> load_record(const store::DeviceStore& store, ByteView group_id,
                                                 const Address& sender) {
  auto loaded = store.sender_key_load(group_id, sender);
  if (!loaded) return std::move(loaded).error();
  if (!loaded->has_value()) return SignalPtr<sender_key_record>();
  const Bytes& bytes = **loaded;
  sender_key_record* raw = nullptr;
  if (int rc = sender_key_record_deserialize(&raw, bytes.data(), bytes.size(), crypto::global_context()); rc < 0)
    return make_error(Errc::store_corrupt, "stored sender key record of " + sender.to_string() + " does not parse (" +
                                               std::to_string(rc) + ")");
  return SignalPtr<sender_key_record>(raw);
}

// The newest state of a non-empty record; nullptr for an absent or empty one.
sender_key_state* head_state(sender_key_record* record) {
  sender_key_state* state = nullptr;
  if (!record || sender_key_record_is_empty(record)) return nullptr;
  if (sender_key_record_get_sender_key_state(record, &state) < 0) return nullptr;
  return state;
}

sender_key_state* state_by_id(sender_key_record* record, std::uint32_t key_id) {
  sender_key_state* state = nullptr;
  if (!record || sender_key_record_is_empty(record)) return nullptr;
  if (sender_key_record_get_sender_key_state_by_id(record, &state, key_id) < 0) return nullptr;
  return state;
}

}  // namespace

Result<Bytes> SenderKeys::own_distribution(ByteView group_id, const Address& self) {
  PARLEY_TRY(check_name(group_id, self));
  const std::string what = "own sender key of " + self.to_string();
  auto record = load_record(adapter_.store(), group_id, self);
  if (!record) return std::move(record).error();
  // libsignal only creates a key for an empty record; for a non-empty one it re-exports the
  // newest state, which could be a key someone else distributed under our name.
  if (sender_key_state* state = head_state(record->get());
      state && !sender_key_state_get_signing_key_private(state))
    return make_error(Errc::invalid_key, what + ": the stored key was received, not created by this device");

  SignalName name(group_id, self);
  group_session_builder* raw_builder = nullptr;
  if (int rc = group_session_builder_create(&raw_builder, adapter_.context(), crypto::global_context()); rc < 0)
    return from_signal(rc, what);
  GroupBuilderPtr builder(raw_builder);
  sender_key_distribution_message* raw_message = nullptr;
  if (int rc = group_session_builder_create_session(builder.get(), &raw_message, name.get()); rc < 0)
    return from_signal(rc, what);
  SignalPtr<sender_key_distribution_message> message(raw_message);
  // A distribution message is a ciphertext_message underneath; this is libsignal's own accessor.
  return crypto::to_bytes(ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(message.get())));
}

Status SenderKeys::install_distribution(const SenderKeyName& name, ByteView distribution) {
  PARLEY_TRY(check_name(name.group_id, name.sender));
  const std::string what = "sender key distribution from " + name.sender.to_string();
  sender_key_distribution_message* raw_message = nullptr;
  if (int rc = sender_key_distribution_message_deserialize(&raw_message, distribution.data(), distribution.size(),
                                                           crypto::global_context());
      rc < 0)
    return parse_error(rc, what);
  SignalPtr<sender_key_distribution_message> message(raw_message);
  if (std::size_t len = signal_buffer_len(sender_key_distribution_message_get_chain_key(message.get()));
      len != kSenderChainKeyBytes)
    return make_error(Errc::invalid_key, what + ": chain key must be " + std::to_string(kSenderChainKeyBytes) +
                                             " bytes, got " + std::to_string(len));

  auto record = load_record(adapter_.store(), name.group_id, name.sender);
  if (!record) return std::move(record).error();
  if (sender_key_state* head = head_state(record->get())) {
    if (sender_key_state_get_signing_key_private(head))
      return make_error(Errc::invalid_argument, what + ": the name is this device's own sending key");
    // First install wins. libsignal would prepend the state again at the distribution's
    // iteration, rewinding the chain so that already decrypted messages decrypt again;
    // a different key would be accepted next to the first one.
    sender_key_state* same = state_by_id(record->get(), sender_key_distribution_message_get_id(message.get()));
    if (same && ec_public_key_compare(sender_key_state_get_signing_key_public(same),
                                      sender_key_distribution_message_get_signature_key(message.get())) == 0)
      return {};
    return make_error(Errc::invalid_key, what + ": a different sender key is already installed under this name");
  }

  SignalName signal_name(name.group_id, name.sender);
  group_session_builder* raw_builder = nullptr;
  if (int rc = group_session_builder_create(&raw_builder, adapter_.context(), crypto::global_context()); rc < 0)
    return from_signal(rc, what);
  GroupBuilderPtr builder(raw_builder);
  if (int rc = group_session_builder_process_session(builder.get(), signal_name.get(), message.get()); rc < 0)
    return from_signal(rc, what);
  return {};
}

Result<bool> SenderKeys::has_key(const SenderKeyName& name) const {
  PARLEY_TRY(check_name(name.group_id, name.sender));
  auto record = load_record(adapter_.store(), name.group_id, name.sender);
  if (!record) return std::move(record).error();
  return head_state(record->get()) != nullptr;
}

Result<Bytes> SenderKeys::encrypt(ByteView group_id, const Address& self, ByteView plaintext) {
  PARLEY_TRY(check_name(group_id, self));
  const std::string what = "encrypt with own sender key of " + self.to_string();
  SignalName name(group_id, self);
  group_cipher* raw_cipher = nullptr;
  if (int rc = group_cipher_create(&raw_cipher, adapter_.context(), name.get(), crypto::global_context()); rc < 0)
    return from_signal(rc, what);
  GroupCipherPtr cipher(raw_cipher);
  ciphertext_message* raw_message = nullptr;
  int rc = group_cipher_encrypt(cipher.get(), plaintext.data(), plaintext.size(), &raw_message);
  if (rc == SG_ERR_NO_SESSION)
    return make_error(Errc::no_session, what + ": this device has no sending key for this group");
  if (rc == SG_ERR_INVALID_KEY)
    return make_error(Errc::invalid_key, what + ": the key stored under this device's name was received, not created");
  if (rc < 0) return from_signal(rc, what);
  SignalPtr<ciphertext_message> message(raw_message);
  return crypto::to_bytes(ciphertext_message_get_serialized(message.get()));
}

Result<Bytes> SenderKeys::decrypt(const SenderKeyName& name, ByteView ciphertext) {
  PARLEY_TRY(check_name(name.group_id, name.sender));
  const std::string what = "sender key message from " + name.sender.to_string();
  sender_key_message* raw_message = nullptr;
  if (int rc = sender_key_message_deserialize(&raw_message, ciphertext.data(), ciphertext.size(),
                                              crypto::global_context());
      rc < 0)
    return parse_error(rc, what);
  SignalPtr<sender_key_message> message(raw_message);

  SignalName signal_name(name.group_id, name.sender);
  group_cipher* raw_cipher = nullptr;
  if (int rc = group_cipher_create(&raw_cipher, adapter_.context(), signal_name.get(), crypto::global_context());
      rc < 0)
    return from_signal(rc, what);
  GroupCipherPtr cipher(raw_cipher);
  signal_buffer* raw_plain = nullptr;
  // libsignal loads the record, picks the state by the message's key id, verifies the
  // signature against that state's signing key, and only then derives the message key,
  // decrypts and stores the record: a message it accepts was verified, once.
  const int rc = group_cipher_decrypt(cipher.get(), message.get(), nullptr, &raw_plain);
  if (rc < 0) {
    if (rc == SG_ERR_DUPLICATE_MESSAGE) return from_signal(rc, what);
    // Rejected, and nothing was stored: look at the same record again, read-only, to tell
    // the cases libsignal folds into NO_SESSION / INVALID_MESSAGE apart (rejected messages
    // pay for the signature check twice, accepted ones once).
    auto record = load_record(adapter_.store(), name.group_id, name.sender);
    if (!record) return std::move(record).error();
    if (!head_state(record->get()))
      return make_error(Errc::no_session, what + ": no sender key from this device for this group");
    sender_key_state* state = state_by_id(record->get(), sender_key_message_get_key_id(message.get()));
    if (!state)
      return make_error(Errc::no_session, what + ": no sender key with this message's key id for this group");
    if (sender_key_message_verify_signature(message.get(), sender_key_state_get_signing_key_public(state)) < 0)
      return make_error(Errc::invalid_signature, what + ": signature does not verify under the sender's signing key");
    // Key id and signature are fine; what is left of INVALID_MESSAGE is the 2000-iteration
    // look-ahead limit.
    if (rc == SG_ERR_INVALID_MESSAGE)
      return make_error(Errc::invalid_message, what + ": more than 2000 messages ahead of the stored chain");
    return from_signal(rc, what);
  }
  crypto::BufferPtr plain(raw_plain);
  return crypto::to_bytes(plain.get());
}

}  // namespace parley::pairwise
