// SPDX-License-Identifier: GPL-3.0-or-later
// Maps libsignal-protocol-c's synchronous store callbacks onto a DeviceStore.
#pragma once

#include <functional>

#include "store/device_store.hpp"

// libsignal's store context, opaque here: its headers stay inside crypto/ and pairwise/.
struct signal_protocol_store_context;

namespace parley::pairwise {

class SignalStoreAdapter {
 public:
  // `store` must outlive the adapter. Errc::crypto if libsignal refuses the context.
  static Result<std::unique_ptr<SignalStoreAdapter>> create(store::DeviceStore& store);
  ~SignalStoreAdapter();
  SignalStoreAdapter(const SignalStoreAdapter&) = delete;
  SignalStoreAdapter& operator=(const SignalStoreAdapter&) = delete;

  signal_protocol_store_context* context() const { return context_; }

  // Consulted before trust-on-first-use whenever libsignal asks whether a peer's identity
  // key is trusted (building a session from a bundle, or accepting a first message).
  // Returning false makes libsignal fail with untrusted_identity.
  using IdentityCheck = std::function<bool(const Address& peer, ByteView identity_key)>;
  void set_identity_check(IdentityCheck check) { identity_check_ = std::move(check); }
  const IdentityCheck& identity_check() const { return identity_check_; }
  // Consulted after the check: true when something stronger than first use (an anchor the
  // app gave, a joined cell's charter) binds this key, which is then trusted even though the
  // address was first seen under another key (e.g. one a relay planted before the cell).
  using IdentityVouch = std::function<bool(const Address& peer, ByteView identity_key)>;
  void set_identity_vouch(IdentityVouch vouch) { identity_vouch_ = std::move(vouch); }
  const IdentityVouch& identity_vouch() const { return identity_vouch_; }
  store::DeviceStore& store() const { return store_; }

 private:
  explicit SignalStoreAdapter(store::DeviceStore& store) : store_(store) {}
  store::DeviceStore& store_;
  signal_protocol_store_context* context_ = nullptr;
  IdentityCheck identity_check_;
  IdentityVouch identity_vouch_;
};

}  // namespace parley::pairwise
