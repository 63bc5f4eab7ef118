// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairwise/device_keys.hpp"

#include <key_helper.h>
#include <session_pre_key.h>

#include "crypto/keys.hpp"
#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "pairwise/signal_error.hpp"

namespace parley::pairwise {

namespace {

using crypto::BufferPtr;
using crypto::SignalPtr;

constexpr std::string_view kNextPreKeyId = "next_prekey_id";
// libsignal keeps prekey ids below 0xFFFFFF (a "medium" value); ids wrap within it.
constexpr std::uint32_t kMaxPreKeyId = 0xFFFFFE;

Result<Bytes> serialize_public(const ec_public_key* key) {
  signal_buffer* raw = nullptr;
  if (int rc = ec_public_key_serialize(&raw, key); rc != 0) return from_signal(rc, "serialize public key");
  BufferPtr buffer(raw);
  return crypto::to_bytes(buffer.get());
}

Result<Bytes> serialize_private(const ec_private_key* key) {
  signal_buffer* raw = nullptr;
  if (int rc = ec_private_key_serialize(&raw, key); rc != 0) return from_signal(rc, "serialize private key");
  BufferPtr buffer(raw);
  return crypto::to_bytes(buffer.get());
}

Bytes encode_u32(std::uint32_t value) {
  return Bytes{static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
               static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Result<std::uint32_t> next_prekey_id(store::DeviceStore& store) {
  auto stored = store.meta_get(kNextPreKeyId);
  if (!stored) return std::move(stored).error();
  if (!stored->has_value()) return std::uint32_t{1};
  const Bytes& b = **stored;
  if (b.size() != 4) return make_error(Errc::store_corrupt, "next_prekey_id is not 4 bytes");
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

Result<PreKeyPublic> prekey_public(const session_pre_key* prekey) {
  auto key = serialize_public(ec_key_pair_get_public(session_pre_key_get_key_pair(prekey)));
  if (!key) return std::move(key).error();
  return PreKeyPublic{session_pre_key_get_id(prekey), std::move(*key)};
}

Result<SignedPreKeyPublic> signed_prekey_public(const session_signed_pre_key* spk) {
  auto key = serialize_public(ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)));
  if (!key) return std::move(key).error();
  const std::uint8_t* sig = session_signed_pre_key_get_signature(spk);
  return SignedPreKeyPublic{session_signed_pre_key_get_id(spk), std::move(*key),
                            Bytes(sig, sig + session_signed_pre_key_get_signature_len(spk)),
                            static_cast<TimeMs>(session_signed_pre_key_get_timestamp(spk))};
}

Result<SignalPtr<session_signed_pre_key>> load_signed_prekey(store::DeviceStore& store, std::uint32_t id) {
  auto record = store.signed_prekey_load(id);
  if (!record) return std::move(record).error();
  if (!record->has_value()) return make_error(Errc::store_not_found, "signed prekey " + std::to_string(id) + " vanished");
  session_signed_pre_key* raw = nullptr;
  if (int rc = session_signed_pre_key_deserialize(&raw, (*record)->data(), (*record)->size(), crypto::global_context());
      rc != 0)
    return from_signal(rc, "load signed prekey " + std::to_string(id));
  return SignalPtr<session_signed_pre_key>(raw);
}

// Generates signed prekey `id` under the identity key pair and stores it; the caller owns
// the transaction.
Result<SignedPreKeyPublic> generate_signed_prekey(store::DeviceStore& store, const ratchet_identity_key_pair* pair,
                                                  std::uint32_t id, TimeMs now) {
  session_signed_pre_key* raw_spk = nullptr;
  if (int rc = signal_protocol_key_helper_generate_signed_pre_key(&raw_spk, pair, id, static_cast<std::uint64_t>(now),
                                                                  crypto::global_context());
      rc != 0)
    return from_signal(rc, "generate signed prekey");
  SignalPtr<session_signed_pre_key> spk(raw_spk);
  signal_buffer* raw = nullptr;
  if (int rc = session_signed_pre_key_serialize(&raw, spk.get()); rc != 0) return from_signal(rc, "serialize signed prekey");
  BufferPtr record(raw);
  PARLEY_TRY(store.signed_prekey_store(id, ByteView(signal_buffer_data(record.get()), signal_buffer_len(record.get()))));
  return signed_prekey_public(spk.get());
}

// Generates and stores prekeys; the caller owns the transaction.
Result<std::vector<PreKeyPublic>> generate_prekeys_unlocked(store::DeviceStore& store, std::uint32_t count) {
  auto start = next_prekey_id(store);
  if (!start) return std::move(start).error();
  signal_protocol_key_helper_pre_key_list_node* head = nullptr;
  if (int rc = signal_protocol_key_helper_generate_pre_keys(&head, *start, count, crypto::global_context()); rc != 0)
    return from_signal(rc, "generate one-time prekeys");
  std::unique_ptr<signal_protocol_key_helper_pre_key_list_node, void (*)(signal_protocol_key_helper_pre_key_list_node*)>
      list(head, signal_protocol_key_helper_key_list_free);

  std::vector<PreKeyPublic> out;
  for (auto* node = head; node; node = signal_protocol_key_helper_key_list_next(node)) {
    session_pre_key* prekey = signal_protocol_key_helper_key_list_element(node);
    signal_buffer* raw = nullptr;
    if (int rc = session_pre_key_serialize(&raw, prekey); rc != 0) return from_signal(rc, "serialize prekey");
    BufferPtr record(raw);
    PARLEY_TRY(store.prekey_store(session_pre_key_get_id(prekey),
                                  ByteView(signal_buffer_data(record.get()), signal_buffer_len(record.get()))));
    auto pub = prekey_public(prekey);
    if (!pub) return std::move(pub).error();
    out.push_back(std::move(*pub));
  }
  std::uint32_t next = (*start - 1 + count) % kMaxPreKeyId + 1;
  PARLEY_TRY(store.meta_set(kNextPreKeyId, encode_u32(next)));
  return out;
}

}  // namespace

Status create_device_identity(store::DeviceStore& store, const Address& address, std::uint32_t prekey_count,
                              TimeMs now) {
  return store::in_transaction(store.db(), [&]() -> Status {
    auto existing = store.local_identity();
    if (!existing) return std::move(existing).error();
    if (existing->has_value()) return make_error(Errc::invalid_argument, "this store already holds a device identity");

    signal_context* ctx = crypto::global_context();
    ratchet_identity_key_pair* raw_pair = nullptr;
    if (int rc = signal_protocol_key_helper_generate_identity_key_pair(&raw_pair, ctx); rc != 0)
      return from_signal(rc, "generate identity key");
    SignalPtr<ratchet_identity_key_pair> pair(raw_pair);

    store::LocalIdentity identity;
    identity.address = address;
    if (int rc = signal_protocol_key_helper_generate_registration_id(&identity.registration_id, 0, ctx); rc != 0)
      return from_signal(rc, "generate registration id");
    auto pub = serialize_public(ratchet_identity_key_pair_get_public(pair.get()));
    if (!pub) return std::move(pub).error();
    auto priv = serialize_private(ratchet_identity_key_pair_get_private(pair.get()));
    if (!priv) return std::move(priv).error();
    identity.identity_public = std::move(*pub);
    identity.identity_private = std::move(*priv);
    PARLEY_TRY(store.set_local_identity(identity));
    crypto::wipe(identity.identity_private);

    auto spk = generate_signed_prekey(store, pair.get(), 1, now);
    if (!spk) return std::move(spk).error();

    auto prekeys = generate_prekeys_unlocked(store, prekey_count);
    if (!prekeys) return std::move(prekeys).error();
    return {};
  });
}

Result<std::vector<PreKeyPublic>> generate_one_time_prekeys(store::DeviceStore& store, std::uint32_t count) {
  return store::in_transaction(store.db(), [&] { return generate_prekeys_unlocked(store, count); });
}

Result<SignedPreKeyPublic> current_signed_prekey(store::DeviceStore& store) {
  auto ids = store.signed_prekey_ids();
  if (!ids) return std::move(ids).error();
  if (ids->empty()) return make_error(Errc::store_not_found, "no signed prekey: the device has no identity yet");
  auto spk = load_signed_prekey(store, ids->back());
  if (!spk) return std::move(spk).error();
  return signed_prekey_public(spk->get());
}

Result<SignedPreKeyPublic> rotate_signed_prekey(store::DeviceStore& store, TimeMs now) {
  return store::in_transaction(store.db(), [&]() -> Result<SignedPreKeyPublic> {
    auto ids = store.signed_prekey_ids();
    if (!ids) return std::move(ids).error();
    if (ids->empty()) return make_error(Errc::store_not_found, "no signed prekey: the device has no identity yet");
    if (ids->back() >= kMaxPreKeyId)
      return make_error(Errc::limit_exceeded, "signed prekey ids are used up (" + std::to_string(kMaxPreKeyId) + ")");
    auto identity = store.local_identity();
    if (!identity) return std::move(identity).error();
    if (!identity->has_value()) return make_error(Errc::store_not_found, "no device identity");
    store::LocalIdentity& id = **identity;
    ec_public_key* raw_pub = nullptr;
    if (int rc = curve_decode_point(&raw_pub, id.identity_public.data(), id.identity_public.size(),
                                    crypto::global_context());
        rc != 0)
      return from_signal(rc, "load identity public key");
    SignalPtr<ec_public_key> pub(raw_pub);
    ec_private_key* raw_priv = nullptr;
    if (int rc = curve_decode_private_point(&raw_priv, id.identity_private.data(), id.identity_private.size(),
                                            crypto::global_context());
        rc != 0) {
      crypto::wipe(id.identity_private);
      return from_signal(rc, "load identity private key");
    }
    crypto::wipe(id.identity_private);
    SignalPtr<ec_private_key> priv(raw_priv);
    ratchet_identity_key_pair* raw_pair = nullptr;
    if (int rc = ratchet_identity_key_pair_create(&raw_pair, pub.get(), priv.get()); rc != 0)
      return from_signal(rc, "load identity key pair");
    SignalPtr<ratchet_identity_key_pair> pair(raw_pair);
    return generate_signed_prekey(store, pair.get(), ids->back() + 1, now);
  });
}

Result<std::size_t> prune_signed_prekeys(store::DeviceStore& store, TimeMs replaced_before) {
  return store::in_transaction(store.db(), [&]() -> Result<std::size_t> {
    auto ids = store.signed_prekey_ids();
    if (!ids) return std::move(ids).error();
    std::size_t removed = 0;
    // Key i was replaced when key i+1 was made; the newest is never removed.
    for (std::size_t i = 0; i + 1 < ids->size(); ++i) {
      auto successor = load_signed_prekey(store, (*ids)[i + 1]);
      if (!successor) return std::move(successor).error();
      if (static_cast<TimeMs>(session_signed_pre_key_get_timestamp(successor->get())) > replaced_before) break;
      PARLEY_TRY(store.signed_prekey_remove((*ids)[i]));
      ++removed;
    }
    return removed;
  });
}

Result<std::vector<PreKeyPublic>> unused_one_time_prekeys(store::DeviceStore& store) {
  auto ids = store.prekey_ids();
  if (!ids) return std::move(ids).error();
  std::vector<PreKeyPublic> out;
  for (auto id : *ids) {
    auto record = store.prekey_load(id);
    if (!record) return std::move(record).error();
    if (!record->has_value()) continue;
    session_pre_key* raw = nullptr;
    if (int rc = session_pre_key_deserialize(&raw, (*record)->data(), (*record)->size(), crypto::global_context());
        rc != 0)
      return from_signal(rc, "load prekey " + std::to_string(id));
    SignalPtr<session_pre_key> prekey(raw);
    auto pub = prekey_public(prekey.get());
    if (!pub) return std::move(pub).error();
    out.push_back(std::move(*pub));
  }
  return out;
}

}  // namespace parley::pairwise
