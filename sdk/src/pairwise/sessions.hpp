// SPDX-License-Identifier: GPL-3.0-or-later
// Pairwise sessions: X3DH from a prekey bundle, then the Double Ratchet (libsignal).
// Every failure is a typed Error: duplicate_message, bad_mac, no_session, untrusted_identity,
// invalid_message, invalid_key, invalid_signature.
//
// Each call reads and writes session state through the DeviceStore; wrap a call in a store
// transaction to make it atomic with other writes (e.g. the inbox de-dup mark).
#pragma once

#include "envelope/envelope.hpp"
#include "pairwise/device_keys.hpp"
#include "pairwise/signal_store_adapter.hpp"

namespace parley::pairwise {

class Sessions {
 public:
  explicit Sessions(SignalStoreAdapter& adapter) : adapter_(adapter) {}

  Result<bool> has_session(const Address& peer) const;

  // The identity key (33 bytes, serialized) of the peer the current session with `peer` was
  // built with; nullopt without a session. The engine compares it with the charter's key
  // before every use of a session for cell traffic (libsignal checks only at creation).
  Result<std::optional<Bytes>> remote_identity(const Address& peer) const;

  // Deletes the session with `peer` (all its states). The next message needs a new one.
  Status forget(const Address& peer);

  // Starts a session as the initiator (X3DH). Checks the signed prekey's signature and the
  // identity against the one first seen for this address.
  Status process_bundle(const PreKeyBundle& bundle);

  Result<envelope::Envelope> encrypt(const Address& to, ByteView plaintext);
  Result<Bytes> decrypt(const Address& from, const envelope::Envelope& envelope);

 private:
  SignalStoreAdapter& adapter_;
};

}  // namespace parley::pairwise
