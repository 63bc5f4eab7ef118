// SPDX-License-Identifier: GPL-3.0-or-later
// The process-wide libsignal-protocol-c context: crypto provider + locking.
#pragma once

#include <signal_protocol.h>

namespace parley::crypto {

// Created on first use (thread-safe) and never destroyed. All libsignal calls in the
// process share it; its lock is one recursive mutex, as libsignal expects.
// nullptr only if creation failed (out of memory); callers report that as an error.
signal_context* global_context();

// The provider installed into global_context() (OpenSSL natively, libtomcrypt in wasm).
// Exposed for the published-vector tests: HMAC-SHA256, SHA-512, AES-CBC/PKCS#7, AES-CTR, random.
const signal_crypto_provider& crypto_provider();

}  // namespace parley::crypto
