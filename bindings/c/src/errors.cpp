// SPDX-License-Identifier: GPL-3.0-or-later
// Status names, error reporting, argument checks and the version string.
#include <algorithm>

#include "abi.hpp"
#include "parley/address.hpp"

namespace parley::cabi {

namespace {
void append(parley_error* err, std::size_t& at, std::string_view text) noexcept {
  const std::size_t n = std::min(text.size(), sizeof err->message - 1 - at);
  if (n) std::memcpy(err->message + at, text.data(), n);  // text.data() may be NULL when empty
  at += n;
}
}  // namespace

parley_status fail(parley_error* err, parley_status code, std::string_view message, std::string_view detail) noexcept {
  if (err) {
    err->code = code;
    std::size_t at = 0;
    append(err, at, message);
    append(err, at, detail);
    err->message[at] = '\0';
  }
  return code;
}

parley_status fail(parley_error* err, const Error& error) noexcept {
  // An Error with code ok would read as success to the caller; it never should be one.
  const parley_status code = error.code == Errc::ok ? PARLEY_E_INTERNAL : to_status(error.code);
  return fail(err, code, error.message);
}

parley_status succeed(parley_error* err) noexcept {
  if (err) {
    err->code = PARLEY_OK;
    err->message[0] = '\0';
  }
  return PARLEY_OK;
}

Status check_client(const parley_client* client) {
  if (!client || !client->client) return make_error(Errc::invalid_argument, "client is NULL");
  return {};
}

Status check_name(const char* value, const char* what) {
  if (!value) return make_error(Errc::invalid_argument, std::string(what) + " is NULL");
  return {};
}

Status check_slice(const void* data, std::size_t len, const char* what) {
  if (!data && len) return make_error(Errc::invalid_argument, std::string(what) + " is NULL but its length is not 0");
  return {};
}

Result<Address> to_address(const parley_address& address, const char* what) {
  if (!address.user) return make_error(Errc::invalid_argument, std::string(what) + ".user is NULL");
  Address out{address.user, address.device};
  PARLEY_TRY(validate_address(out));
  return out;
}

Result<CellRole> to_role(int role) {
  if (role < PARLEY_ROLE_SUPERVISOR || role > PARLEY_ROLE_OBSERVER)
    return make_error(Errc::invalid_argument, "role " + std::to_string(role) +
                                                  " is not a parley_role (expected 1..4)");
  return static_cast<CellRole>(role);
}

void wipe(void* data, std::size_t len) noexcept {
  volatile auto* p = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < len; ++i) p[i] = 0;
}

}  // namespace parley::cabi

using namespace parley;

extern "C" {

const char* parley_status_name(parley_status status) {
  const int code = cabi::enum_int(status);
  // The table's names are string literals, so .data() is NUL-terminated and static.
  if (code < 0 || code > 0xffff || !errc_known(static_cast<std::uint16_t>(code))) return "unknown";
  return errc_name(static_cast<Errc>(code)).data();
}

const char* parley_status_description(parley_status status) {
  const int code = cabi::enum_int(status);
  if (code < 0 || code > 0xffff || !errc_known(static_cast<std::uint16_t>(code))) return "unknown error code";
  return errc_description(static_cast<Errc>(code)).data();
}

const char* parley_version(void) {
#define PARLEY_STR2(x) #x
#define PARLEY_STR(x) PARLEY_STR2(x)
  return PARLEY_STR(PARLEY_VERSION_MAJOR) "." PARLEY_STR(PARLEY_VERSION_MINOR) "." PARLEY_STR(PARLEY_VERSION_PATCH);
}

void parley_buffer_free(parley_buffer* buffer) {
  if (!buffer) return;
  if (buffer->data) {
    cabi::wipe(buffer->data, buffer->len);
    std::free(buffer->data);
  }
  buffer->data = nullptr;
  buffer->len = 0;
}

}  // extern "C"
