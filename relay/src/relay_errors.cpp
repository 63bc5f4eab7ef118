// SPDX-License-Identifier: GPL-3.0-or-later
#include "relay_errors.hpp"

#include <string>

namespace parley::relay {

std::string_view relay_errc_name(Errc code) {
  if (code == kRateLimited) return "rate_limited";
  if (code == kStorageFull) return "storage_full";
  if (code == kStorageRetry) return "storage_retry";
  return errc_name(code);
}

std::string relay_error_text(const Error& error) {
  std::string out(relay_errc_name(error.code));
  if (!error.message.empty()) out += ": " + error.message;
  return out;
}

}  // namespace parley::relay
