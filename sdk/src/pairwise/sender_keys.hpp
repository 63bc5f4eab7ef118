// SPDX-License-Identifier: GPL-3.0-or-later
// Sender Keys (libsignal group_session_builder / group_cipher) for channel encryption.
//
// This lives in pairwise/ because pairwise/ hosts all libsignal session state: the sender key
// records sit in the same DeviceStore, behind the same SignalStoreAdapter, as the Double
// Ratchet sessions. The channel layer decides *which* keys exist and who receives them; this
// class only wraps libsignal with typed errors.
//
// One sender key chain is named by SenderKeyName{group_id, sender}. group_id is opaque bytes
// chosen by the channel layer (cell id || channel id || key generation). Parley never rotates
// a chain in place: removal and rotation use a NEW group_id (the next generation), so each
// name holds exactly one key. A device that never received the distribution for a name
// cannot decrypt under it; that is how READ is enforced.
//
// SECURITY — what binds a key to its sender is the name it was installed under, nothing
// else. A distribution message carries a key id, a chain key and a public signing key; it is
// not signed and names no sender. libsignal checks each channel message's signature against
// the signing key installed for the name the *receiver* asked for. So if a receiver installed
// Mallory's own distribution under {group, Alice}, it would accept Mallory's messages as
// Alice's. The channel layer must therefore call install_distribution(name, ...) only with a
// distribution that arrived over the pairwise session FROM name.sender (the Double Ratchet
// authenticates that), and never with a sender taken from the distribution's payload.
//
// Hardening over raw libsignal (see sender_keys.cpp for why):
//   - install_distribution is first-install-wins: re-delivering the same distribution is a
//     no-op (libsignal would rewind the chain and re-open already decrypted iterations to
//     replay), and a different key under an occupied name is refused (invalid_key).
//   - installing over this device's own sending key is refused, and own_distribution refuses
//     to re-export a received key that sits under this device's own name.
//   - a distribution whose chain key is not 32 bytes is refused (libsignal accepts any length).
//
// Every call reads and writes the records through the adapter's DeviceStore; wrap a call in
// a store transaction to make it atomic with other writes. Error messages never contain
// plaintext, key material or group ids.
#pragma once

#include <cstddef>

#include "pairwise/signal_store_adapter.hpp"
#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::pairwise {

// Upper bound on a group id, so that every buffer is bounded. Generous for
// cell id || channel id || generation.
inline constexpr std::size_t kMaxSenderKeyGroupIdBytes = 256;

// Length of the chain key in a well-formed distribution message.
inline constexpr std::size_t kSenderChainKeyBytes = 32;

// Names one sender key chain: the channel layer's opaque group id plus the sending device.
struct SenderKeyName {
  Bytes group_id;
  Address sender;
};

class SenderKeys {
 public:
  // `adapter` (and its store) must outlive this object.
  explicit SenderKeys(SignalStoreAdapter& adapter) : adapter_(adapter) {}

  // Creates this device's own sender key for `group_id` if it has none, and returns the
  // serialized SenderKeyDistributionMessage (key id, current iteration, chain key, public
  // signing key). The result is SECRET: whoever holds it reads every later message of this
  // chain; send it only inside pairwise sessions to the readers. Calling again returns the
  // same key at its current iteration.
  // Errors: invalid_argument (empty/oversized group id or bad address), invalid_key (the
  // name holds a key received from elsewhere, not one this device can send with),
  // store_* from the store, crypto/out_of_memory from libsignal.
  Result<Bytes> own_distribution(ByteView group_id, const Address& self);

  // Installs a distribution received from name.sender for name.group_id. The caller
  // guarantees that it arrived over the pairwise session from name.sender (see above).
  // Installing the same distribution again is a no-op.
  // Errors: invalid_argument (bad name, or the name is this device's own sending key),
  // invalid_message (does not parse), invalid_key (malformed signing or chain key, or a
  // different key is already installed under this name), store_*.
  Status install_distribution(const SenderKeyName& name, ByteView distribution);

  // True if a key (received, or this device's own) is stored under `name`.
  Result<bool> has_key(const SenderKeyName& name) const;

  // Encrypts with this device's own key for `group_id` and advances its chain. Returns the
  // serialized SenderKeyMessage (key id, iteration, AES-CBC ciphertext, 64-byte signature).
  // Errors: invalid_argument, no_session (own_distribution was never called for this
  // group), invalid_key (the key under this device's name was received, not created),
  // store_*, crypto.
  Result<Bytes> encrypt(ByteView group_id, const Address& self, ByteView plaintext);

  // Decrypts a SenderKeyMessage from name.sender. Nothing is stored unless it succeeds.
  // Errors:
  //   invalid_message   does not parse, or is more than 2000 iterations ahead of the chain
  //   no_session        no key under `name`, or none with the message's key id (a device
  //                     that was never given this generation's key, e.g. a removed reader)
  //   invalid_signature the signature does not verify under the installed signing key
  //                     (tampered body/header/signature, or a message from another sender)
  //   duplicate_message this iteration was already decrypted (replay)
  //   store_*, crypto
  Result<Bytes> decrypt(const SenderKeyName& name, ByteView ciphertext);

 private:
  SignalStoreAdapter& adapter_;
};

}  // namespace parley::pairwise
