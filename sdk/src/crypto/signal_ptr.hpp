// SPDX-License-Identifier: GPL-3.0-or-later
// RAII owners for libsignal's reference-counted objects and buffers.
#pragma once

#include <signal_protocol.h>

#include <memory>

#include "parley/types.hpp"

namespace parley::crypto {

struct SignalUnref {
  void operator()(void* object) const {
    if (object) signal_type_unref(static_cast<signal_type_base*>(object));
  }
};

// Owns one reference to a libsignal object (ec_public_key, session_record, ...).
template <class T>
using SignalPtr = std::unique_ptr<T, SignalUnref>;

struct SignalBufferFree {
  void operator()(signal_buffer* buffer) const { signal_buffer_bzero_free(buffer); }
};

// Owns a signal_buffer; freed with its contents wiped.
using BufferPtr = std::unique_ptr<signal_buffer, SignalBufferFree>;

inline Bytes to_bytes(const signal_buffer* buffer) {
  if (!buffer) return {};
  const auto* data = signal_buffer_const_data(buffer);
  return Bytes(data, data + signal_buffer_len(buffer));
}

}  // namespace parley::crypto
