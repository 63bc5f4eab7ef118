// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/address.hpp"

namespace parley {

namespace {
bool allowed_user_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
}  // namespace

Status validate_address(const Address& address) {
  if (address.user.empty() || address.user.size() > kMaxUserNameBytes)
    return make_error(Errc::invalid_argument, "user name must be 1.." + std::to_string(kMaxUserNameBytes) +
                                                  " bytes, got " + std::to_string(address.user.size()));
  for (char c : address.user)
    if (!allowed_user_char(c))
      return make_error(Errc::invalid_argument, "user name may hold only A-Z a-z 0-9 _ -");
  if (address.device == 0 || address.device > kMaxDeviceId)
    return make_error(Errc::invalid_argument,
                      "device id must be 1.." + std::to_string(kMaxDeviceId) + ", got " + std::to_string(address.device));
  return {};
}

}  // namespace parley
