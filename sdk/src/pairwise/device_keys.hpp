// SPDX-License-Identifier: GPL-3.0-or-later
// A device's long-term keys: identity, registration id, signed prekey, one-time prekeys.
// Private parts stay in the DeviceStore; the public parts are what the relay publishes.
#pragma once

#include <optional>
#include <vector>

#include "parley/error.hpp"
#include "parley/types.hpp"
#include "store/device_store.hpp"

namespace parley::pairwise {

struct PreKeyPublic {
  std::uint32_t id = 0;
  Bytes public_key;  // 33 bytes
};

struct SignedPreKeyPublic {
  std::uint32_t id = 0;
  Bytes public_key;  // 33 bytes
  Bytes signature;   // 64 bytes, XEdDSA by the identity key over public_key
  TimeMs created_at = 0;  // this device's clock when it was made (not sent to the relay)
};

// What another device needs to start a session with this one (X3DH).
struct PreKeyBundle {
  Address address;
  std::uint32_t registration_id = 0;
  Bytes identity_key;
  SignedPreKeyPublic signed_prekey;
  std::optional<PreKeyPublic> one_time_prekey;
};

// First run: identity key pair, registration id, signed prekey 1 and `prekey_count` one-time
// prekeys, all in one transaction. Errc::invalid_argument if the store already has an identity.
Status create_device_identity(store::DeviceStore& store, const Address& address, std::uint32_t prekey_count,
                              TimeMs now);

// `count` more one-time prekeys, with ids continuing after the last ones generated.
Result<std::vector<PreKeyPublic>> generate_one_time_prekeys(store::DeviceStore& store, std::uint32_t count);

// Public parts of the newest signed prekey and of every unused one-time prekey.
Result<SignedPreKeyPublic> current_signed_prekey(store::DeviceStore& store);
Result<std::vector<PreKeyPublic>> unused_one_time_prekeys(store::DeviceStore& store);

// A new signed prekey, with the id after the newest, made now (its own transaction). The
// older ones stay: first messages built from a bundle fetched before the rotation may still
// be on their way (docs/protocol.md "Prekeys").
Result<SignedPreKeyPublic> rotate_signed_prekey(store::DeviceStore& store, TimeMs now);
// Removes every signed prekey that was replaced (its successor made) at or before
// `replaced_before`; never the newest. Returns how many went.
Result<std::size_t> prune_signed_prekeys(store::DeviceStore& store, TimeMs replaced_before);

}  // namespace parley::pairwise
