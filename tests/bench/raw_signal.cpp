// SPDX-License-Identifier: GPL-3.0-or-later
#include "bench/raw_signal.hpp"

#include <group_cipher.h>
#include <group_session_builder.h>
#include <key_helper.h>
#include <protocol.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <sender_key_record.h>
#include <sender_key_state.h>
#include <session_pre_key.h>
#include <signal_protocol.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/timing.hpp"
#include "crypto/signal_context.hpp"

namespace parley::bench {

namespace {

using Blob = std::vector<std::uint8_t>;

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("libsignal: ") + what + " failed: " + std::to_string(rc));
}

std::string key_of(const signal_protocol_address* a) { return std::string(a->name, a->name_len) + "." + std::to_string(a->device_id); }
std::string key_of(const signal_protocol_sender_key_name* n) {
  return std::string(n->group_id, n->group_id_len) + "/" + key_of(&n->sender);
}
signal_buffer* to_buffer(const Blob& b) { return signal_buffer_create(b.data(), b.size()); }

// Every libsignal store of one device, in memory.
struct MemoryStores {
  std::map<std::string, Blob> sessions, sender_keys, identities;
  std::map<std::uint32_t, Blob> prekeys, signed_prekeys;
  Blob identity_public, identity_private;
  std::uint32_t registration_id = 1;
  signal_protocol_store_context* ctx = nullptr;

  MemoryStores() {
    signal_context* g = crypto::global_context();
    check(signal_protocol_store_context_create(&ctx, g), "store context");
    signal_protocol_session_store ss{};
    ss.load_session_func = [](signal_buffer** record, signal_buffer** user, const signal_protocol_address* a, void* u) {
      auto& m = static_cast<MemoryStores*>(u)->sessions;
      auto it = m.find(key_of(a));
      *user = nullptr;
      if (it == m.end()) return 0;
      *record = to_buffer(it->second);
      return 1;
    };
    ss.get_sub_device_sessions_func = [](signal_int_list** s, const char*, size_t, void*) {
      *s = signal_int_list_alloc();
      return 0;
    };
    ss.store_session_func = [](const signal_protocol_address* a, uint8_t* r, size_t len, uint8_t*, size_t, void* u) {
      static_cast<MemoryStores*>(u)->sessions[key_of(a)] = Blob(r, r + len);
      return 0;
    };
    ss.contains_session_func = [](const signal_protocol_address* a, void* u) {
      return static_cast<int>(static_cast<MemoryStores*>(u)->sessions.count(key_of(a)));
    };
    ss.delete_session_func = [](const signal_protocol_address* a, void* u) {
      return static_cast<int>(static_cast<MemoryStores*>(u)->sessions.erase(key_of(a)));
    };
    ss.delete_all_sessions_func = [](const char*, size_t, void*) { return 0; };
    ss.user_data = this;
    check(signal_protocol_store_context_set_session_store(ctx, &ss), "session store");

    signal_protocol_pre_key_store ps{};
    ps.load_pre_key = [](signal_buffer** r, uint32_t id, void* u) {
      auto& m = static_cast<MemoryStores*>(u)->prekeys;
      auto it = m.find(id);
      if (it == m.end()) return SG_ERR_INVALID_KEY_ID;
      *r = to_buffer(it->second);
      return SG_SUCCESS;
    };
    ps.store_pre_key = [](uint32_t id, uint8_t* r, size_t len, void* u) {
      static_cast<MemoryStores*>(u)->prekeys[id] = Blob(r, r + len);
      return 0;
    };
    ps.contains_pre_key = [](uint32_t id, void* u) { return static_cast<int>(static_cast<MemoryStores*>(u)->prekeys.count(id)); };
    ps.remove_pre_key = [](uint32_t id, void* u) { return static_cast<int>(static_cast<MemoryStores*>(u)->prekeys.erase(id)); };
    ps.user_data = this;
    check(signal_protocol_store_context_set_pre_key_store(ctx, &ps), "prekey store");

    signal_protocol_signed_pre_key_store sps{};
    sps.load_signed_pre_key = [](signal_buffer** r, uint32_t id, void* u) {
      auto& m = static_cast<MemoryStores*>(u)->signed_prekeys;
      auto it = m.find(id);
      if (it == m.end()) return SG_ERR_INVALID_KEY_ID;
      *r = to_buffer(it->second);
      return SG_SUCCESS;
    };
    sps.store_signed_pre_key = [](uint32_t id, uint8_t* r, size_t len, void* u) {
      static_cast<MemoryStores*>(u)->signed_prekeys[id] = Blob(r, r + len);
      return 0;
    };
    sps.contains_signed_pre_key = [](uint32_t id, void* u) {
      return static_cast<int>(static_cast<MemoryStores*>(u)->signed_prekeys.count(id));
    };
    sps.remove_signed_pre_key = [](uint32_t id, void* u) {
      return static_cast<int>(static_cast<MemoryStores*>(u)->signed_prekeys.erase(id));
    };
    sps.user_data = this;
    check(signal_protocol_store_context_set_signed_pre_key_store(ctx, &sps), "signed prekey store");

    signal_protocol_identity_key_store is{};
    is.get_identity_key_pair = [](signal_buffer** pub, signal_buffer** priv, void* u) {
      auto* s = static_cast<MemoryStores*>(u);
      *pub = to_buffer(s->identity_public);
      *priv = to_buffer(s->identity_private);
      return 0;
    };
    is.get_local_registration_id = [](void* u, uint32_t* id) {
      *id = static_cast<MemoryStores*>(u)->registration_id;
      return 0;
    };
    is.save_identity = [](const signal_protocol_address* a, uint8_t* k, size_t len, void* u) {
      static_cast<MemoryStores*>(u)->identities[key_of(a)] = Blob(k, k + len);
      return 0;
    };
    is.is_trusted_identity = [](const signal_protocol_address*, uint8_t*, size_t, void*) { return 1; };
    is.user_data = this;
    check(signal_protocol_store_context_set_identity_key_store(ctx, &is), "identity store");

    signal_protocol_sender_key_store sks{};
    sks.store_sender_key = [](const signal_protocol_sender_key_name* n, uint8_t* r, size_t len, uint8_t*, size_t,
                              void* u) {
      static_cast<MemoryStores*>(u)->sender_keys[key_of(n)] = Blob(r, r + len);
      return 0;
    };
    sks.load_sender_key = [](signal_buffer** r, signal_buffer** user, const signal_protocol_sender_key_name* n, void* u) {
      auto& m = static_cast<MemoryStores*>(u)->sender_keys;
      auto it = m.find(key_of(n));
      *user = nullptr;
      if (it == m.end()) return 0;
      *r = to_buffer(it->second);
      return 1;
    };
    sks.user_data = this;
    check(signal_protocol_store_context_set_sender_key_store(ctx, &sks), "sender key store");

    // Identity key pair.
    ratchet_identity_key_pair* pair = nullptr;
    check(signal_protocol_key_helper_generate_identity_key_pair(&pair, g), "identity key");
    signal_buffer *pub = nullptr, *priv = nullptr;
    check(ec_public_key_serialize(&pub, ratchet_identity_key_pair_get_public(pair)), "serialize");
    check(ec_private_key_serialize(&priv, ratchet_identity_key_pair_get_private(pair)), "serialize");
    identity_public.assign(signal_buffer_data(pub), signal_buffer_data(pub) + signal_buffer_len(pub));
    identity_private.assign(signal_buffer_data(priv), signal_buffer_data(priv) + signal_buffer_len(priv));
    signal_buffer_free(pub);
    signal_buffer_bzero_free(priv);
    identity_ = pair;
  }
  ~MemoryStores() {
    signal_protocol_store_context_destroy(ctx);
    SIGNAL_UNREF(identity_);
  }
  MemoryStores(const MemoryStores&) = delete;
  MemoryStores& operator=(const MemoryStores&) = delete;

  ratchet_identity_key_pair* identity_ = nullptr;
};

}  // namespace

SenderKeyCosts raw_sender_keys(std::size_t n, std::size_t size) {
  signal_context* g = crypto::global_context();
  MemoryStores alice, bob;
  const std::string group = "bench-group-0001";
  const std::string user = "alice";
  signal_protocol_sender_key_name name{group.c_str(), group.size(), {user.c_str(), user.size(), 1}};

  group_session_builder *ab = nullptr, *bb = nullptr;
  check(group_session_builder_create(&ab, alice.ctx, g), "group builder");
  check(group_session_builder_create(&bb, bob.ctx, g), "group builder");
  sender_key_distribution_message* dist = nullptr;
  check(group_session_builder_create_session(ab, &dist, &name), "create session");
  signal_buffer* dist_bytes = ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(dist));
  sender_key_distribution_message* received = nullptr;
  check(sender_key_distribution_message_deserialize(&received, signal_buffer_data(dist_bytes), signal_buffer_len(dist_bytes), g),
        "deserialize distribution");
  check(group_session_builder_process_session(bb, &name, received), "process distribution");
  SIGNAL_UNREF(dist);
  SIGNAL_UNREF(received);

  group_cipher *ac = nullptr, *bc = nullptr;
  check(group_cipher_create(&ac, alice.ctx, &name, g), "group cipher");
  check(group_cipher_create(&bc, bob.ctx, &name, g), "group cipher");

  SenderKeyCosts out;
  const Blob plaintext(size, 0x61);
  std::vector<Blob> ciphertexts;
  ciphertexts.reserve(n);
  {
    Span span(out.encrypt);
    for (std::size_t i = 0; i < n; ++i) {
      ciphertext_message* m = nullptr;
      check(group_cipher_encrypt(ac, plaintext.data(), plaintext.size(), &m), "group encrypt");
      signal_buffer* s = ciphertext_message_get_serialized(m);
      ciphertexts.emplace_back(signal_buffer_data(s), signal_buffer_data(s) + signal_buffer_len(s));
      SIGNAL_UNREF(m);
    }
  }
  out.encrypt.n = n;
  {
    Span span(out.decrypt);
    for (const auto& c : ciphertexts) {
      sender_key_message* m = nullptr;
      check(sender_key_message_deserialize(&m, c.data(), c.size(), g), "deserialize");
      signal_buffer* p = nullptr;
      check(group_cipher_decrypt(bc, m, nullptr, &p), "group decrypt");
      if (signal_buffer_len(p) != size) throw std::runtime_error("raw decrypt: wrong size");
      signal_buffer_free(p);
      SIGNAL_UNREF(m);
    }
  }
  out.decrypt.n = n;
  {
    const Blob& rec = bob.sender_keys.begin()->second;
    sender_key_record* record = nullptr;
    check(sender_key_record_deserialize(&record, rec.data(), rec.size(), g), "record");
    sender_key_state* state = nullptr;
    check(sender_key_record_get_sender_key_state(record, &state), "state");
    Span span(out.verify);
    for (const auto& c : ciphertexts) {
      sender_key_message* m = nullptr;
      check(sender_key_message_deserialize(&m, c.data(), c.size(), g), "deserialize");
      check(sender_key_message_verify_signature(m, sender_key_state_get_signing_key_public(state)), "verify");
      SIGNAL_UNREF(m);
    }
    SIGNAL_UNREF(record);
  }
  out.verify.n = n;
  group_cipher_free(ac);
  group_cipher_free(bc);
  group_session_builder_free(ab);
  group_session_builder_free(bb);
  return out;
}

X3dhCosts raw_x3dh(std::size_t n, std::size_t size) {
  signal_context* g = crypto::global_context();
  X3dhCosts out;
  const Blob plaintext(size, 0x62);
  const std::string alice_name = "alice";
  const signal_protocol_address alice_addr{alice_name.c_str(), alice_name.size(), 1};
  MemoryStores alice;
  for (std::size_t i = 0; i < n; ++i) {
    // Bob i: a fresh device with a signed prekey and one one-time prekey (not timed).
    MemoryStores bob;
    const std::string bob_name = "bob" + std::to_string(i);
    const signal_protocol_address bob_addr{bob_name.c_str(), bob_name.size(), 1};
    session_signed_pre_key* spk = nullptr;
    check(signal_protocol_key_helper_generate_signed_pre_key(&spk, bob.identity_, 1, 0, g), "signed prekey");
    signal_protocol_key_helper_pre_key_list_node* head = nullptr;
    check(signal_protocol_key_helper_generate_pre_keys(&head, 1, 1, g), "prekeys");
    session_pre_key* pk = signal_protocol_key_helper_key_list_element(head);
    signal_buffer* b = nullptr;
    check(session_signed_pre_key_serialize(&b, spk), "serialize");
    bob.signed_prekeys[1] = Blob(signal_buffer_data(b), signal_buffer_data(b) + signal_buffer_len(b));
    signal_buffer_free(b);
    check(session_pre_key_serialize(&b, pk), "serialize");
    bob.prekeys[session_pre_key_get_id(pk)] = Blob(signal_buffer_data(b), signal_buffer_data(b) + signal_buffer_len(b));
    signal_buffer_free(b);
    session_pre_key_bundle* bundle = nullptr;
    check(session_pre_key_bundle_create(&bundle, bob.registration_id, 1, session_pre_key_get_id(pk),
                                        ec_key_pair_get_public(session_pre_key_get_key_pair(pk)), 1,
                                        ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)),
                                        session_signed_pre_key_get_signature(spk),
                                        session_signed_pre_key_get_signature_len(spk),
                                        ratchet_identity_key_pair_get_public(bob.identity_)),
          "bundle");

    Blob first;
    {
      Span span(out.initiator);
      session_builder* builder = nullptr;
      check(session_builder_create(&builder, alice.ctx, &bob_addr, g), "session builder");
      check(session_builder_process_pre_key_bundle(builder, bundle), "process bundle");
      session_cipher* cipher = nullptr;
      check(session_cipher_create(&cipher, alice.ctx, &bob_addr, g), "session cipher");
      ciphertext_message* m = nullptr;
      check(session_cipher_encrypt(cipher, plaintext.data(), plaintext.size(), &m), "encrypt");
      signal_buffer* s = ciphertext_message_get_serialized(m);
      first.assign(signal_buffer_data(s), signal_buffer_data(s) + signal_buffer_len(s));
      SIGNAL_UNREF(m);
      {
        Span again(out.session_encrypt);
        check(session_cipher_encrypt(cipher, plaintext.data(), plaintext.size(), &m), "encrypt again");
        SIGNAL_UNREF(m);
      }
      session_cipher_free(cipher);
      session_builder_free(builder);
    }
    {
      Span span(out.responder);
      pre_key_signal_message* pm = nullptr;
      check(pre_key_signal_message_deserialize(&pm, first.data(), first.size(), g), "deserialize prekey message");
      session_cipher* cipher = nullptr;
      check(session_cipher_create(&cipher, bob.ctx, &alice_addr, g), "session cipher");
      signal_buffer* p = nullptr;
      check(session_cipher_decrypt_pre_key_signal_message(cipher, pm, nullptr, &p), "decrypt prekey message");
      if (signal_buffer_len(p) != size) throw std::runtime_error("raw x3dh: wrong size");
      signal_buffer_free(p);
      SIGNAL_UNREF(pm);
      session_cipher_free(cipher);
    }
    SIGNAL_UNREF(bundle);
    SIGNAL_UNREF(spk);
    signal_protocol_key_helper_key_list_free(head);
  }
  out.initiator.n = out.responder.n = out.session_encrypt.n = n;
  out.initiator.cpu_s -= out.session_encrypt.cpu_s;  // the second encrypt ran inside the initiator's span
  out.initiator.wall_s -= out.session_encrypt.wall_s;
  return out;
}

}  // namespace parley::bench
