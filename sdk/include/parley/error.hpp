// SPDX-License-Identifier: GPL-3.0-or-later
// Parley error codes and the Result<T> type used for every expected failure.
//
// One table (PARLEY_ERROR_CODES) defines each code's number and name; the relay
// sends the same numbers on the wire, and the C ABI will reuse them. Numbers are
// stable: never renumber, only append.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace parley {

// X(name, number, short description)
#define PARLEY_ERROR_CODES(X)                                                              \
  X(ok, 0, "success")                                                                      \
  X(invalid_argument, 1, "an argument was out of range or malformed")                     \
  X(internal, 2, "an internal invariant failed")                                           \
  X(out_of_memory, 3, "allocation failed")                                                 \
  X(crypto, 4, "a cryptographic primitive failed")                                         \
  /* local store */                                                                        \
  X(store_wrong_key, 20, "the store key or passphrase does not open this file")           \
  X(store_io, 21, "the store file could not be read or written")                          \
  X(store_corrupt, 22, "the store holds data that does not parse")                        \
  X(store_not_found, 23, "the requested record is not in the store")                      \
  /* untrusted bytes */                                                                    \
  X(malformed_frame, 40, "a frame failed schema verification")                            \
  X(unsupported_version, 41, "a frame or envelope has a version this build does not speak")\
  X(truncated, 42, "a buffer ended before its declared contents")                          \
  X(frame_too_large, 43, "a frame exceeds the size limit")                                 \
  /* pairwise decryption */                                                                \
  X(duplicate_message, 60, "the message was already decrypted")                           \
  X(bad_mac, 61, "the message authentication code did not verify")                       \
  X(no_session, 62, "there is no session with the sender")                                \
  X(untrusted_identity, 63, "the peer's identity key changed")                            \
  X(invalid_message, 64, "the ciphertext does not parse")                                 \
  X(invalid_key, 65, "a key is malformed or unknown")                                     \
  X(invalid_signature, 66, "a signature did not verify")                                  \
  /* relay protocol */                                                                     \
  X(not_authenticated, 80, "the connection has not authenticated")                        \
  X(auth_failed, 81, "authentication failed")                                             \
  X(unknown_device, 82, "the device is not registered at the relay")                      \
  X(device_exists, 83, "the device is registered with another identity key")              \
  X(limit_exceeded, 84, "a relay limit was exceeded")                                     \
  X(mailbox_full, 85, "a recipient's mailbox is full")                                    \
  X(protocol_violation, 86, "the peer broke the relay protocol")                          \
  X(not_connected, 87, "there is no connection to the relay")                             \
  X(timeout, 88, "the operation did not complete in time")                                \
  X(closed, 89, "the object was closed")                                                  \
  X(invite_required, 90, "the relay registers new devices only with an invite token")     \
  X(invite_invalid, 91, "the invite token is unknown, used up, expired or revoked")       \
  X(rate_limited, 92, "a relay rate limit was exceeded; retry later")                    \
  X(storage_full, 93, "the relay's storage is full; retry later")                        \
  /* charter (governance log) */                                                          \
  X(charter_wrong_cell, 100, "a charter commit belongs to another cell")                  \
  X(charter_out_of_order, 101, "a charter commit is not for the next epoch")              \
  X(charter_broken_chain, 102, "a charter commit does not extend the current head")       \
  X(charter_not_authorized, 103, "the signer may not make this charter change")           \
  X(charter_invalid_operation, 104, "a charter operation conflicts with the cell state")  \
  X(charter_buffer_full, 105, "too many early charter commits are waiting")              \
  X(charter_consent_missing, 106, "a charter commit widens readers without the parties' consent") \
  /* cells and channels */                                                                \
  X(cell_unknown, 110, "this device is not a member of that cell")                        \
  X(cell_permission_denied, 111, "the charter does not allow this on that channel")       \
  X(cell_equivocation, 112, "the supervisor showed different charters for one epoch")     \
  X(cell_epoch_stale, 113, "a post names a charter epoch older than the freshness window")   \
  X(cell_epoch_behind, 114, "this device lacks a charter epoch it has heard of")            \
  X(cell_commits_withheld, 115, "charter commits this device asked for did not arrive")     \
  X(cell_posts_withheld, 116, "a poster left out posts this device may read, without proof")  \
  X(cell_supervisor_silent, 117, "no supervisor device of the cell was heard from for too long") \
  /* hotline: acknowledgements, incidents, deconfliction, attested transcripts */          \
  X(hotline_unknown_message, 120, "the referenced channel message is not known")          \
  X(hotline_not_reader, 121, "the device may not read that channel at that epoch")        \
  X(hotline_party_not_required, 122, "that party is not asked to acknowledge the message")\
  X(hotline_invalid_area, 123, "a deconfliction area is degenerate or out of range")      \
  X(hotline_not_attested, 124, "the channel is not attested")                             \
  X(hotline_transcript_invalid, 125, "a transcript cannot be checked")

enum class Errc : std::uint16_t {
#define PARLEY_X(name, number, text) name = number,
  PARLEY_ERROR_CODES(PARLEY_X)
#undef PARLEY_X
};

// Stable identifier of a code, e.g. "store_wrong_key"; "unknown" for numbers not in the table.
constexpr std::string_view errc_name(Errc code) {
  switch (code) {
#define PARLEY_X(name, number, text) \
  case Errc::name:                   \
    return #name;
    PARLEY_ERROR_CODES(PARLEY_X)
#undef PARLEY_X
  }
  return "unknown";
}

// One-line description of a code.
constexpr std::string_view errc_description(Errc code) {
  switch (code) {
#define PARLEY_X(name, number, text) \
  case Errc::name:                   \
    return text;
    PARLEY_ERROR_CODES(PARLEY_X)
#undef PARLEY_X
  }
  return "unknown error code";
}

// True if `number` is a code in the table (used when decoding codes from the wire).
constexpr bool errc_known(std::uint16_t number) {
  switch (number) {
#define PARLEY_X(name, number, text) case number:
    PARLEY_ERROR_CODES(PARLEY_X)
#undef PARLEY_X
    return true;
  }
  return false;
}

// An expected failure: a code plus a message that names what was wrong and what was
// expected. Messages never contain plaintext or key material.
struct Error {
  Errc code = Errc::internal;
  std::string message;

  std::string to_string() const {
    std::string out(errc_name(code));
    if (!message.empty()) {
      out += ": ";
      out += message;
    }
    return out;
  }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Either a value or an Error. No exceptions: code that runs in wasm and behind the
// C ABI reports failure as a value.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{Errc::ok, {}};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace parley

// Propagate an error from an expression returning Result<...>.
#define PARLEY_TRY(expr)                          \
  do {                                            \
    auto parley_try_result_ = (expr);             \
    if (!parley_try_result_.ok())                 \
      return std::move(parley_try_result_).error(); \
  } while (0)
