// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's "come back later" wire codes, from the SDK's one table
// (sdk/include/parley/error.hpp): a device keeps the refused message and sends it again after
// a pause. Keep in step with docs/relay-protocol.md#error-codes.
#pragma once

#include <string_view>

#include "parley/error.hpp"

namespace parley::relay {

// A rate limit (token bucket per device, per IP or per requester->target pair) is exhausted;
// the request was not carried out and may be retried later.
inline constexpr Errc kRateLimited = Errc::rate_limited;
// The relay's storage quota (max_storage_bytes) or its disk is full; nothing was stored.
inline constexpr Errc kStorageFull = Errc::storage_full;
// Inside the relay only, never on the wire: the database gave a transaction up (serialization
// failure or deadlock with another relay) and kept nothing of it; StorageWorker runs the batch
// again.
inline constexpr Errc kStorageRetry = static_cast<Errc>(199);

// errc_name(), kept as the relay's one place to name codes in logs and metrics.
std::string_view relay_errc_name(Errc code);

// Error::to_string() with relay_errc_name().
std::string relay_error_text(const Error& error);

}  // namespace parley::relay
