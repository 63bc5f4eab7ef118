// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairwise/signal_error.hpp"

#include <signal_protocol.h>

namespace parley::pairwise {

Error from_signal(int code, const std::string& what) {
  auto make = [&](Errc errc, const char* why) { return make_error(errc, what + ": " + why); };
  switch (code) {
    case SG_ERR_DUPLICATE_MESSAGE:
      return make(Errc::duplicate_message, "message already received");
    case SG_ERR_INVALID_MAC:
      return make(Errc::bad_mac, "MAC check failed");
    case SG_ERR_NO_SESSION:
      return make(Errc::no_session, "no session with this device");
    case SG_ERR_UNTRUSTED_IDENTITY:
      return make(Errc::untrusted_identity, "the device's identity key differs from the one first seen");
    case SG_ERR_INVALID_KEY:
      return make(Errc::invalid_key, "malformed key");
    case SG_ERR_INVALID_KEY_ID:
      return make(Errc::invalid_key, "the message names a prekey this device does not hold");
    case SG_ERR_INVALID_MESSAGE:
      return make(Errc::invalid_message, "the ciphertext does not decrypt under any session state");
    case SG_ERR_INVALID_PROTO_BUF:
    case SG_ERR_LEGACY_MESSAGE:
    case SG_ERR_INVALID_VERSION:
      return make(Errc::invalid_message, "the ciphertext does not parse");
    case SG_ERR_VRF_SIG_VERIF_FAILED:
      return make(Errc::invalid_signature, "signature check failed");
    case SG_ERR_NOMEM:
      return make(Errc::out_of_memory, "out of memory");
    default:
      return make(Errc::crypto, ("libsignal error " + std::to_string(code)).c_str());
  }
}

}  // namespace parley::pairwise
