// SPDX-License-Identifier: GPL-3.0-or-later
// The one libsignal context of the process, created lazily and never destroyed.
#include "crypto/signal_context.hpp"

#include <mutex>

#include "crypto/provider.hpp"

namespace parley::crypto {
namespace {

// libsignal requires a recursive lock: its store callbacks may re-enter the library while
// it holds the lock. Heap-allocated and never freed so that threads still using libsignal
// during static destruction never touch a destroyed mutex.
std::recursive_mutex& signal_mutex() {
  static auto* const mutex = new std::recursive_mutex;
  return *mutex;
}

void lock_signal(void* user_data) { static_cast<std::recursive_mutex*>(user_data)->lock(); }

void unlock_signal(void* user_data) { static_cast<std::recursive_mutex*>(user_data)->unlock(); }

signal_context* create_context() {
  signal_context* context = nullptr;
  if (signal_context_create(&context, &signal_mutex()) < 0 || !context) return nullptr;
  // The provider struct is copied into the context.
  if (signal_context_set_crypto_provider(context, &crypto_provider()) < 0 ||
      signal_context_set_locking_functions(context, lock_signal, unlock_signal) < 0) {
    signal_context_destroy(context);
    return nullptr;
  }
  return context;
}

}  // namespace

const signal_crypto_provider& crypto_provider() {
  static const signal_crypto_provider provider = make_crypto_provider();
  return provider;
}

signal_context* global_context() {
  static std::once_flag once;
  static signal_context* context = nullptr;
  std::call_once(once, [] { context = create_context(); });
  return context;
}

}  // namespace parley::crypto
