// SPDX-License-Identifier: GPL-3.0-or-later
// parley_client_*: open, lifecycle, identity, direct messages.
#include <cstdlib>

#include "abi.hpp"
#include "events.hpp"

using namespace parley;
using namespace parley::cabi;

namespace {

// Version 1 of parley_client_options ends with deadline_tick_ms; version 2 adds TLS and the
// invite token.
constexpr std::size_t kClientOptionsV1 = offsetof(parley_client_options, deadline_tick_ms) + sizeof(std::uint32_t);
constexpr std::size_t kClientOptionsV2 = offsetof(parley_client_options, invite_token) + sizeof(const char*);

Result<ClientOptions> to_options(const parley_client_options* in) {
  PARLEY_TRY(check_struct(in, kClientOptionsV1, "options"));
  ClientOptions out;
  auto address = to_address(in->address, "options.address");
  if (!address) return std::move(address).error();
  out.address = std::move(*address);
  PARLEY_TRY(check_name(in->store_path, "options.store_path"));
  out.store_path = in->store_path;
  if (!in->store_key || in->store_key_len == 0)
    return make_error(Errc::invalid_argument, "options.store_key is required: a device store must be encrypted");
  const int kind = enum_int(in->store_key_kind);
  if (kind == PARLEY_STORE_KEY_RAW) {
    std::array<std::uint8_t, 32> raw{};
    if (in->store_key_len != raw.size())
      return make_error(Errc::invalid_argument, "a raw store key must be 32 bytes, got " +
                                                    std::to_string(in->store_key_len));
    std::memcpy(raw.data(), in->store_key, raw.size());
    out.store_key = StoreKey::raw(raw);
    wipe(raw.data(), raw.size());
  } else if (kind == PARLEY_STORE_KEY_PASSPHRASE) {
    out.store_key = StoreKey::passphrase(slice_string(in->store_key, in->store_key_len));
  } else {
    return make_error(Errc::invalid_argument, "options.store_key_kind " + std::to_string(kind) +
                                                  " is not a parley_store_key_kind");
  }
  if (in->relay_host) out.relay_host = in->relay_host;
  if (out.relay_host.empty()) return make_error(Errc::invalid_argument, "options.relay_host is empty");
  out.relay_port = in->relay_port;
  if (in->reconnect_initial_ms == 0 || in->reconnect_max_ms < in->reconnect_initial_ms)
    return make_error(Errc::invalid_argument, "options.reconnect_initial_ms must be > 0 and <= reconnect_max_ms");
  out.reconnect_initial = std::chrono::milliseconds(in->reconnect_initial_ms);
  out.reconnect_max = std::chrono::milliseconds(in->reconnect_max_ms);
  out.initial_prekeys = in->initial_prekeys;
  if (in->deadline_tick_ms == 0) return make_error(Errc::invalid_argument, "options.deadline_tick_ms must be > 0");
  out.deadline_tick = std::chrono::milliseconds(in->deadline_tick_ms);
  if (in->struct_size >= kClientOptionsV2) {
    // The C++ client checks the pin's form and that CA and pin come with TLS (Client::open).
    out.relay_tls = in->relay_tls;
    if (in->relay_ca_file) out.relay_ca_file = in->relay_ca_file;
    if (in->relay_cert_sha256) out.relay_cert_sha256 = in->relay_cert_sha256;
    if (in->invite_token) out.invite_token = in->invite_token;
  }
  return out;
}

parley_status refuse_in_callback(parley_error* err, const char* function) {
  return fail(err, PARLEY_E_INVALID_ARGUMENT, function,
              " was called from an event callback; call it from another thread (the callback runs on the "
              "client's network thread)");
}

}  // namespace

extern "C" {

void parley_client_options_init(parley_client_options* options) {
  if (!options) return;
  *options = parley_client_options{};
  options->struct_size = sizeof *options;
  options->store_key_kind = PARLEY_STORE_KEY_PASSPHRASE;
  options->reconnect_initial_ms = 200;
  options->reconnect_max_ms = 5000;
  options->initial_prekeys = 100;
  options->deadline_tick_ms = 60000;
}

parley_status parley_client_open(const parley_client_options* options, parley_client** out, parley_error* err) {
  return guarded(err, [&] {
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto converted = to_options(options);
    if (!converted) return fail(err, converted.error());
    auto client = Client::open(std::move(*converted));
    if (!client) return fail(err, client.error());
    auto handle = std::make_unique<parley_client>();
    handle->client = std::move(*client);
    parley_client* raw = handle.get();
    handle->client->set_event_handler([raw](const Event& event) { dispatch(*raw, event); });
    *out = handle.release();
    return succeed(err);
  });
}

void parley_client_destroy(parley_client* client) {
  if (!client || in_callback_of(client)) return;
  try {
    delete client;  // ~Client stops the network thread
  } catch (...) {
    // A destructor that throws (it should not) must not cross into C.
  }
}

parley_status parley_client_address(const parley_client* client, parley_address* out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    const Address& address = client->client->address();
    out->user = address.user.c_str();
    out->device = address.device;
    return succeed(err);
  });
}

parley_status parley_client_identity_key(const parley_client* client, parley_buffer* out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = parley_buffer{};
    auto key = client->client->identity_key();
    if (!key) return fail(err, key.error());
    auto* data = static_cast<std::uint8_t*>(std::malloc(key->size()));
    if (!data) return fail(err, PARLEY_E_OUT_OF_MEMORY, "allocation failed");
    std::memcpy(data, key->data(), key->size());
    *out = parley_buffer{data, key->size()};
    return succeed(err);
  });
}

parley_status parley_client_set_event_callback(parley_client* client, parley_event_fn fn, void* user,
                                               parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (in_callback_of(client)) return refuse_in_callback(err, "parley_client_set_event_callback");
    if (client->running)
      return fail(err, PARLEY_E_INVALID_ARGUMENT, "the event callback can only be set while the client is stopped");
    client->callback = fn;
    client->user = user;
    return succeed(err);
  });
}

parley_status parley_client_start(parley_client* client, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (in_callback_of(client)) return refuse_in_callback(err, "parley_client_start");
    if (auto started = client->client->start(); !started) return fail(err, started.error());
    client->running = true;
    return succeed(err);
  });
}

parley_status parley_client_stop(parley_client* client, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (in_callback_of(client)) return refuse_in_callback(err, "parley_client_stop");
    client->client->stop();
    client->running = false;
    return succeed(err);
  });
}

parley_status parley_client_send_text(parley_client* client, parley_address to, const uint8_t* text, size_t text_len,
                                      parley_message_id* id, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto recipient = to_address(to, "to");
    if (!recipient) return fail(err, recipient.error());
    if (auto ok = check_slice(text, text_len, "text"); !ok) return fail(err, ok.error());
    auto sent = client->client->send_text(*recipient, slice_string(text, text_len));
    if (!sent) return fail(err, sent.error());
    if (id) *id = from_message_id(*sent);
    return succeed(err);
  });
}

}  // extern "C"
