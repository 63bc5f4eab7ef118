// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's protocol rules that need no socket: checks of Register / UploadPreKeys /
// Authenticate contents and the builders of every relay frame. The protocol core
// (relay_core.cpp) calls these; tests can call them directly.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "config.hpp"
#include "parley/error.hpp"
#include "parley/types.hpp"
#include "storage.hpp"
#include "wire/frames.hpp"

namespace parley::relay {

struct RegisterRequest {
  DeviceRecord device;
  std::vector<PreKeyRecord> prekeys;
  Admission admission;  // open, or the invite token's hash (time set when it is stored)
};

struct UploadRequest {
  std::optional<SignedPreKeyRecord> signed_prekey;
  std::vector<PreKeyRecord> prekeys;
};

// Checks a Register against the connection's challenge `nonce`: valid address (invalid_argument),
// 33-byte identity key (invalid_key), signed prekey signed by the identity key
// (invalid_signature), at most max_prekeys_per_upload one-time prekeys of 33 bytes
// (limit_exceeded / invalid_key), and `signature` over the auth transcript (auth_failed).
Result<RegisterRequest> check_register(const wire::Register& frame, ByteView nonce, const RelayConfig& config);

// Same rules for an upload by the authenticated device whose identity key is `identity_key`.
Result<UploadRequest> check_upload(const wire::UploadPreKeys& frame, ByteView identity_key, const RelayConfig& config);

// True if `signature` signs the auth transcript of (nonce, address) under `identity_key`.
bool check_auth_signature(ByteView identity_key, ByteView nonce, const Address& address, ByteView signature);

// --- relay frames ---
Bytes make_challenge(ByteView nonce);
Bytes make_auth_ok(std::uint32_t prekeys_remaining);
Bytes make_prekeys_low(std::uint32_t remaining);
Bytes make_bundle(std::uint32_t request_id, const BundleRecord& bundle);
// `refused` (may be empty): the recipients the message was not stored for.
Bytes make_send_ack(const MessageId& message_id, bool duplicate, const std::vector<Refusal>& refused = {});
// The Failure for a Send that no recipient could take: names each refused recipient and why.
Bytes make_send_refused(const MessageId& message_id, const std::vector<Refusal>& refused);
std::vector<wire::Refused> to_wire(const std::vector<Refusal>& refused);
Bytes make_deliver(const StoredMessage& message);

}  // namespace parley::relay
