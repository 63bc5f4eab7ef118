// SPDX-License-Identifier: GPL-3.0-or-later
// Internals shared by the C ABI's translation units: the client handle, error reporting,
// argument checks and the catch-all that keeps every C++ exception inside the library.
#pragma once

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "parley.h"
#include "parley/client.hpp"

struct parley_client {
  std::unique_ptr<parley::Client> client;
  parley_event_fn callback = nullptr;  // set only while stopped, read by the network thread
  void* user = nullptr;
  bool running = false;
};

namespace parley::cabi {

// Fills `err` (if given) and returns `code`. Never throws: it runs inside catch blocks.
parley_status fail(parley_error* err, parley_status code, std::string_view message,
                   std::string_view detail = {}) noexcept;
parley_status fail(parley_error* err, const Error& error) noexcept;
parley_status succeed(parley_error* err) noexcept;

inline parley_status to_status(Errc code) { return static_cast<parley_status>(static_cast<int>(code)); }

// Runs an entry point's body; any exception becomes OUT_OF_MEMORY or INTERNAL.
template <class Body>
parley_status guarded(parley_error* err, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(err, PARLEY_E_OUT_OF_MEMORY, "allocation failed");
  } catch (const std::exception& e) {
    return fail(err, PARLEY_E_INTERNAL, "unexpected exception: ", e.what());
  } catch (...) {
    return fail(err, PARLEY_E_INTERNAL, "unexpected exception");
  }
}

// True while the calling thread is inside an event callback of `client`: lifecycle calls
// made there would join the network thread from itself.
bool in_callback_of(const parley_client* client) noexcept;

// Argument checks: each returns an Error naming the argument, or nothing.
Status check_client(const parley_client* client);
Status check_name(const char* value, const char* what);
Status check_slice(const void* data, std::size_t len, const char* what);
Result<Address> to_address(const parley_address& address, const char* what);
Result<CellRole> to_role(int role);  // from enum_int(parley_role)

// An option struct must be at least its version-1 size (filled by its _init function).
template <class T>
Status check_struct(const T* value, std::size_t v1_size, const char* what) {
  if (!value) return make_error(Errc::invalid_argument, std::string(what) + " is NULL");
  if (value->struct_size < v1_size)
    return make_error(Errc::invalid_argument, std::string(what) + ".struct_size is " +
                                                  std::to_string(value->struct_size) + ", expected at least " +
                                                  std::to_string(v1_size) + " (fill it with its _init function)");
  return {};
}

// The int a C caller stored in an enum field or argument. C allows any int there, but in C++
// reading an enum object outside its enumerators' range is undefined, so copy the bytes.
template <class E>
int enum_int(const E& value) noexcept {
  static_assert(std::is_enum_v<E> && sizeof(E) == sizeof(int), "C enums are int-sized on this ABI");
  int out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

inline CellId to_cell_id(const parley_cell_id& id) {
  CellId out;
  std::memcpy(out.data(), id.bytes, out.size());
  return out;
}
inline parley_cell_id from_cell_id(const CellId& id) {
  parley_cell_id out;
  std::memcpy(out.bytes, id.data(), sizeof out.bytes);
  return out;
}
inline parley_message_id from_message_id(const MessageId& id) {
  parley_message_id out;
  std::memcpy(out.bytes, id.bytes.data(), sizeof out.bytes);
  return out;
}

inline MessageId to_message_id(const parley_message_id& id) {
  MessageId out;
  std::memcpy(out.bytes.data(), id.bytes, out.bytes.size());
  return out;
}

inline std::string slice_string(const std::uint8_t* data, std::size_t len) {
  return len ? std::string(reinterpret_cast<const char*>(data), len) : std::string();
}

// Overwrites memory the compiler may not elide (texts and keys handed to the app).
void wipe(void* data, std::size_t len) noexcept;

}  // namespace parley::cabi
