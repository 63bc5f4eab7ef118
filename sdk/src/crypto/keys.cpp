// SPDX-License-Identifier: GPL-3.0-or-later
// Identity keys and XEdDSA signatures through libsignal's curve API; randomness through the
// crypto provider. wipe() lives in <backend>_wipe.cpp.
#include "crypto/keys.hpp"

#include <curve.h>

#include <algorithm>
#include <array>
#include <string>

#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"

namespace parley::crypto {
namespace {

constexpr std::uint8_t kDjbKeyType = 0x05;

// Little-endian 2^252 + 27742317777372353535851937790883648493, the order of the base point.
constexpr std::array<std::uint8_t, 32> kGroupOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Little-endian 2^255 - 19, the field prime.
constexpr std::array<std::uint8_t, 32> kFieldPrime = {
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

// value < bound, both 32-byte little-endian. Public data only, so not constant-time.
bool less_than(const std::array<std::uint8_t, 32>& value,
               const std::array<std::uint8_t, 32>& bound) {
  for (std::size_t i = 32; i-- > 0;) {
    if (value[i] != bound[i]) return value[i] < bound[i];
  }
  return false;
}

// libsignal accepts u >= p (it drops bit 255 and reduces), so one key would have several
// accepted encodings; the XEdDSA spec rejects them, and so do we.
bool canonical_public_key(ByteView serialized) {
  std::array<std::uint8_t, 32> u{};
  std::copy_n(serialized.begin() + 1, u.size(), u.begin());
  return less_than(u, kFieldPrime);
}

// libsignal only checks that S < 2^253, so (R, S + L) verifies wherever (R, S) does. Honest
// signers always output S < L (RFC 8032's rule); rejecting the rest makes signatures
// non-malleable. The top bit of the last byte carries the Edwards sign bit, not S.
bool canonical_signature(ByteView signature) {
  std::array<std::uint8_t, 32> s{};
  std::copy_n(signature.begin() + 32, s.size(), s.begin());
  s[31] &= 0x7f;
  return less_than(s, kGroupOrder);
}

// libsignal memmoves the message, which must not be given a null pointer even for zero
// bytes; an empty span may carry one.
const std::uint8_t* nonnull(ByteView bytes) {
  static constexpr std::uint8_t kEmpty = 0;
  return bytes.empty() ? &kEmpty : bytes.data();
}

Error libsignal_error(const char* call, int code) {
  return make_error(Errc::crypto,
                    std::string(call) + " failed with libsignal code " + std::to_string(code));
}

Error no_context() {
  return make_error(Errc::out_of_memory, "the libsignal context could not be created");
}

}  // namespace

Result<KeyPair> generate_key_pair() {
  signal_context* context = global_context();
  if (!context) return no_context();

  ec_key_pair* raw_pair = nullptr;
  if (int rc = curve_generate_key_pair(context, &raw_pair); rc < 0) {
    return libsignal_error("curve_generate_key_pair", rc);
  }
  SignalPtr<ec_key_pair> pair(raw_pair);

  signal_buffer* raw_public = nullptr;
  if (int rc = ec_public_key_serialize(&raw_public, ec_key_pair_get_public(pair.get())); rc < 0) {
    return libsignal_error("ec_public_key_serialize", rc);
  }
  BufferPtr public_buffer(raw_public);

  signal_buffer* raw_private = nullptr;
  if (int rc = ec_private_key_serialize(&raw_private, ec_key_pair_get_private(pair.get()));
      rc < 0) {
    return libsignal_error("ec_private_key_serialize", rc);
  }
  BufferPtr private_buffer(raw_private);

  KeyPair keys{to_bytes(public_buffer.get()), to_bytes(private_buffer.get())};
  if (keys.public_key.size() != kPublicKeyBytes || keys.private_key.size() != kPrivateKeyBytes) {
    wipe(keys.private_key);
    return make_error(Errc::internal, "libsignal serialized a key with an unexpected length");
  }
  return keys;
}

Result<Bytes> sign(ByteView private_key, ByteView message) {
  if (private_key.size() != kPrivateKeyBytes) {
    return make_error(Errc::invalid_key,
                      "private key must be 32 bytes, got " + std::to_string(private_key.size()));
  }
  signal_context* context = global_context();
  if (!context) return no_context();

  // Clamp a copy as X25519 does. libsignal signs with the scalar as given, so an unclamped
  // key would sign for a different point than the public key X25519 derives from it.
  // Generated keys are already clamped, so this changes nothing for them.
  std::array<std::uint8_t, kPrivateKeyBytes> scalar{};
  std::copy(private_key.begin(), private_key.end(), scalar.begin());
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  ec_private_key* raw_key = nullptr;
  const int decoded = curve_decode_private_point(&raw_key, scalar.data(), scalar.size(), context);
  wipe(scalar);
  if (decoded < 0) return libsignal_error("curve_decode_private_point", decoded);
  SignalPtr<ec_private_key> key(raw_key);  // wiped by libsignal when freed

  signal_buffer* raw_signature = nullptr;
  const int signed_rc = curve_calculate_signature(context, &raw_signature, key.get(),
                                                  nonnull(message), message.size());
  BufferPtr signature(raw_signature);
  if (signed_rc < 0) return libsignal_error("curve_calculate_signature", signed_rc);
  if (!signature || signal_buffer_len(signature.get()) != kSignatureBytes) {
    return make_error(Errc::internal, "libsignal produced a signature with an unexpected length");
  }
  return to_bytes(signature.get());
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  // libsignal reads fixed-size buffers, and for a wrong-length signature it returns a
  // negative code rather than 0, so lengths are settled here first.
  if (public_key.size() != kPublicKeyBytes || signature.size() != kSignatureBytes) return false;
  if (public_key[0] != kDjbKeyType || !canonical_public_key(public_key) ||
      !canonical_signature(signature)) {
    return false;
  }
  signal_context* context = global_context();
  if (!context) return false;

  ec_public_key* raw_key = nullptr;
  if (curve_decode_point(&raw_key, public_key.data(), public_key.size(), context) < 0) {
    return false;
  }
  SignalPtr<ec_public_key> key(raw_key);
  // 1 is valid; 0 invalid; negative is an error. Only 1 counts.
  return curve_verify_signature(key.get(), nonnull(message), message.size(), signature.data(),
                                signature.size()) == 1;
}

Status random_bytes(std::span<std::uint8_t> out) {
  if (crypto_provider().random_func(out.data(), out.size(), nullptr) < 0) {
    return make_error(Errc::crypto, "the CSPRNG of the crypto provider failed");
  }
  return {};
}

}  // namespace parley::crypto
