// SPDX-License-Identifier: GPL-3.0-or-later
// Builds libsignal's crypto callbacks on the build's crypto backend: OpenSSL 3 natively
// (openssl_provider.cpp), libtomcrypt in wasm (tomcrypt_provider.cpp). Private to crypto/:
// everyone else reaches it through crypto_provider() in signal_context.hpp.
#pragma once

#include <signal_protocol.h>

namespace parley::crypto {

// Callbacks return 0 on success and a negative SG_ERR_* code on failure:
//   SG_ERR_INVAL  a null pointer, an unknown cipher mode, a key that is not 16/24/32 bytes,
//                 an IV that is not 16 bytes, or an input longer than EVP accepts;
//   SG_ERR_NOMEM  an allocation failed;
//   SG_ERR_UNKNOWN the backend refused (including a CBC ciphertext with bad padding or length).
// Every output buffer is allocated with signal_buffer_create; the caller frees it.
// user_data is unused.
signal_crypto_provider make_crypto_provider();

}  // namespace parley::crypto
