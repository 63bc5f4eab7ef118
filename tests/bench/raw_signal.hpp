// SPDX-License-Identifier: GPL-3.0-or-later
// The baseline every SDK figure is compared with: raw libsignal-protocol-c doing the same
// cryptographic work (sender-key encrypt/decrypt, X3DH + first message) over in-memory stores
// (std::map), in the same process and with the same crypto provider as the SDK
// (parley::crypto::global_context(), OpenSSL). No SQLCipher, no envelopes, no policy.
#pragma once

#include <cstddef>

namespace parley::bench {

struct Cost {
  double cpu_s = 0;   // CPU time of the calling thread
  double wall_s = 0;
  std::size_t n = 0;  // operations measured
  double cpu_per_op_us() const { return n ? cpu_s * 1e6 / static_cast<double>(n) : 0; }
  double wall_per_op_us() const { return n ? wall_s * 1e6 / static_cast<double>(n) : 0; }
};

// `n` sender-key messages of `size` bytes encrypted by one device, then decrypted by another.
struct SenderKeyCosts {
  Cost encrypt, decrypt;
  Cost verify;  // deserialize + the signature check alone (what SenderKeys::decrypt adds before libsignal's own)
};
SenderKeyCosts raw_sender_keys(std::size_t n, std::size_t size);

// `n` pairwise session setups: the initiator processes a fresh prekey bundle (X3DH) and
// encrypts a first message of `size` bytes; the responder decrypts the PreKeySignalMessage.
// Key generation for the bundles happens outside the timed part (as in the SDK, where
// prekeys are made at registration).
struct X3dhCosts {
  Cost initiator, responder;
  Cost session_encrypt;  // a further message on the established session (what a key distribution costs)
};
X3dhCosts raw_x3dh(std::size_t n, std::size_t size);

}  // namespace parley::bench
