// SPDX-License-Identifier: GPL-3.0-or-later
// Wire codes the relay sends that the SDK's one table (sdk/include/parley/error.hpp,
// PARLEY_ERROR_CODES) does not list yet. They are numbers in the relay range (80..99), next
// after invite_invalid (91), and go into that table (and parley.h) when the SDK learns them;
// until then a device decodes them as protocol_violation. Keep this list in step with
// docs/relay-protocol.md#error-codes.
#pragma once

#include <string_view>

#include "parley/error.hpp"

namespace parley::relay {

// A rate limit (token bucket per device, per IP or per requester->target pair) is exhausted;
// the request was not carried out and may be retried later.
inline constexpr Errc kRateLimited = static_cast<Errc>(92);
// The relay's storage quota (max_storage_bytes) or its disk is full; nothing was stored.
inline constexpr Errc kStorageFull = static_cast<Errc>(93);
// Inside the relay only, never on the wire: the database gave a transaction up (serialization
// failure or deadlock with another relay) and kept nothing of it; StorageWorker runs the batch
// again.
inline constexpr Errc kStorageRetry = static_cast<Errc>(199);

// errc_name() extended with the relay-only codes above ("rate_limited", "storage_full").
std::string_view relay_errc_name(Errc code);

// Error::to_string() with relay_errc_name().
std::string relay_error_text(const Error& error);

}  // namespace parley::relay
