// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairwise/signal_store_adapter.hpp"

#include <signal_protocol.h>

#include "crypto/signal_context.hpp"

namespace parley::pairwise {

namespace {

using store::DeviceStore;

SignalStoreAdapter& adapter_of(void* user_data) { return *static_cast<SignalStoreAdapter*>(user_data); }
DeviceStore& from(void* user_data) { return adapter_of(user_data).store(); }

Address to_address(const signal_protocol_address* address) {
  return Address{std::string(address->name, address->name_len), static_cast<std::uint32_t>(address->device_id)};
}

ByteView view(const uint8_t* data, size_t len) { return ByteView(data, len); }

// Copies an optional blob into a fresh signal_buffer: 1 found, 0 absent, <0 error.
int load_into(const Result<std::optional<Bytes>>& loaded, signal_buffer** out, int absent = 0) {
  if (!loaded.ok()) return SG_ERR_UNKNOWN;
  if (!loaded->has_value()) return absent;
  const Bytes& bytes = **loaded;
  *out = signal_buffer_create(bytes.data(), bytes.size());
  return *out ? 1 : SG_ERR_NOMEM;
}

int status_code(const Status& status) { return status.ok() ? SG_SUCCESS : SG_ERR_UNKNOWN; }

// --- sessions ---
int load_session(signal_buffer** record, signal_buffer** user_record, const signal_protocol_address* address,
                 void* user_data) {
  *user_record = nullptr;
  return load_into(from(user_data).session_load(to_address(address)), record);
}

int sub_device_sessions(signal_int_list** sessions, const char* name, size_t name_len, void* user_data) {
  auto devices = from(user_data).session_devices(std::string_view(name, name_len));
  if (!devices.ok()) return SG_ERR_UNKNOWN;
  signal_int_list* list = signal_int_list_alloc();
  if (!list) return SG_ERR_NOMEM;
  for (auto device : *devices) signal_int_list_push_back(list, static_cast<int>(device));
  *sessions = list;
  return static_cast<int>(devices->size());
}

int store_session(const signal_protocol_address* address, uint8_t* record, size_t record_len, uint8_t*, size_t,
                  void* user_data) {
  return status_code(from(user_data).session_store(to_address(address), view(record, record_len)));
}

int contains_session(const signal_protocol_address* address, void* user_data) {
  auto loaded = from(user_data).session_load(to_address(address));
  if (!loaded.ok()) return SG_ERR_UNKNOWN;
  return loaded->has_value() ? 1 : 0;
}

int delete_session(const signal_protocol_address* address, void* user_data) {
  return status_code(from(user_data).session_delete(to_address(address)));
}

int delete_all_sessions(const char* name, size_t name_len, void* user_data) {
  return status_code(from(user_data).session_delete_all(std::string_view(name, name_len)));
}

// --- one-time prekeys ---
int load_pre_key(signal_buffer** record, uint32_t id, void* user_data) {
  int found = load_into(from(user_data).prekey_load(id), record, SG_ERR_INVALID_KEY_ID);
  return found == 1 ? SG_SUCCESS : found;
}

int store_pre_key(uint32_t id, uint8_t* record, size_t len, void* user_data) {
  return status_code(from(user_data).prekey_store(id, view(record, len)));
}

int contains_pre_key(uint32_t id, void* user_data) {
  auto loaded = from(user_data).prekey_load(id);
  if (!loaded.ok()) return SG_ERR_UNKNOWN;
  return loaded->has_value() ? 1 : 0;
}

int remove_pre_key(uint32_t id, void* user_data) { return status_code(from(user_data).prekey_remove(id)); }

// --- signed prekeys ---
int load_signed_pre_key(signal_buffer** record, uint32_t id, void* user_data) {
  int found = load_into(from(user_data).signed_prekey_load(id), record, SG_ERR_INVALID_KEY_ID);
  return found == 1 ? SG_SUCCESS : found;
}

int store_signed_pre_key(uint32_t id, uint8_t* record, size_t len, void* user_data) {
  return status_code(from(user_data).signed_prekey_store(id, view(record, len)));
}

int contains_signed_pre_key(uint32_t id, void* user_data) {
  auto loaded = from(user_data).signed_prekey_load(id);
  if (!loaded.ok()) return SG_ERR_UNKNOWN;
  return loaded->has_value() ? 1 : 0;
}

int remove_signed_pre_key(uint32_t id, void* user_data) {
  return status_code(from(user_data).signed_prekey_remove(id));
}

// --- identity ---
int get_identity_key_pair(signal_buffer** public_data, signal_buffer** private_data, void* user_data) {
  auto identity = from(user_data).local_identity();
  if (!identity.ok() || !identity->has_value()) return SG_ERR_UNKNOWN;
  const auto& id = **identity;
  *public_data = signal_buffer_create(id.identity_public.data(), id.identity_public.size());
  *private_data = signal_buffer_create(id.identity_private.data(), id.identity_private.size());
  return (*public_data && *private_data) ? SG_SUCCESS : SG_ERR_NOMEM;
}

int get_local_registration_id(void* user_data, uint32_t* registration_id) {
  auto identity = from(user_data).local_identity();
  if (!identity.ok() || !identity->has_value()) return SG_ERR_UNKNOWN;
  *registration_id = (*identity)->registration_id;
  return SG_SUCCESS;
}

int save_identity(const signal_protocol_address* address, uint8_t* key_data, size_t key_len, void* user_data) {
  return status_code(from(user_data).identity_save(to_address(address), view(key_data, key_len)));
}

// Trust on first use per address, unless the identity check says no or a vouch (an anchor,
// a joined cell's charter) says yes: otherwise an address whose key changes is untrusted
// (libsignal turns 0 into SG_ERR_UNTRUSTED_IDENTITY).
int is_trusted_identity(const signal_protocol_address* address, uint8_t* key_data, size_t key_len, void* user_data) {
  const Address peer = to_address(address);
  const auto& check = adapter_of(user_data).identity_check();
  if (check && !check(peer, ByteView(key_data, key_len))) return 0;
  const auto& vouch = adapter_of(user_data).identity_vouch();
  if (vouch && vouch(peer, ByteView(key_data, key_len))) return 1;
  auto known = from(user_data).identity_load(peer);
  if (!known.ok()) return SG_ERR_UNKNOWN;
  if (!known->has_value()) return 1;
  const Bytes& stored = **known;
  return (stored.size() == key_len && std::equal(stored.begin(), stored.end(), key_data)) ? 1 : 0;
}

// --- sender keys ---
ByteView group_of(const signal_protocol_sender_key_name* name) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(name->group_id), name->group_id_len);
}

int store_sender_key(const signal_protocol_sender_key_name* name, uint8_t* record, size_t len, uint8_t*, size_t,
                     void* user_data) {
  return status_code(from(user_data).sender_key_store(group_of(name), to_address(&name->sender), view(record, len)));
}

int load_sender_key(signal_buffer** record, signal_buffer** user_record, const signal_protocol_sender_key_name* name,
                    void* user_data) {
  *user_record = nullptr;
  return load_into(from(user_data).sender_key_load(group_of(name), to_address(&name->sender)), record);
}

}  // namespace

Result<std::unique_ptr<SignalStoreAdapter>> SignalStoreAdapter::create(store::DeviceStore& store) {
  std::unique_ptr<SignalStoreAdapter> adapter(new SignalStoreAdapter(store));
  if (signal_protocol_store_context_create(&adapter->context_, crypto::global_context()) != 0)
    return make_error(Errc::crypto, "libsignal could not create a store context");
  void* user = adapter.get();

  signal_protocol_session_store sessions{load_session, sub_device_sessions, store_session, contains_session,
                                         delete_session, delete_all_sessions, nullptr, user};
  signal_protocol_pre_key_store prekeys{load_pre_key, store_pre_key, contains_pre_key, remove_pre_key, nullptr, user};
  signal_protocol_signed_pre_key_store signed_prekeys{load_signed_pre_key, store_signed_pre_key,
                                                      contains_signed_pre_key, remove_signed_pre_key, nullptr, user};
  signal_protocol_identity_key_store identity{get_identity_key_pair, get_local_registration_id, save_identity,
                                              is_trusted_identity, nullptr, user};
  signal_protocol_sender_key_store sender_keys{store_sender_key, load_sender_key, nullptr, user};

  auto* ctx = adapter->context_;
  if (signal_protocol_store_context_set_session_store(ctx, &sessions) != 0 ||
      signal_protocol_store_context_set_pre_key_store(ctx, &prekeys) != 0 ||
      signal_protocol_store_context_set_signed_pre_key_store(ctx, &signed_prekeys) != 0 ||
      signal_protocol_store_context_set_identity_key_store(ctx, &identity) != 0 ||
      signal_protocol_store_context_set_sender_key_store(ctx, &sender_keys) != 0)
    return make_error(Errc::crypto, "libsignal refused the store callbacks");
  return adapter;
}

SignalStoreAdapter::~SignalStoreAdapter() {
  if (context_) signal_protocol_store_context_destroy(context_);
}

}  // namespace parley::pairwise
