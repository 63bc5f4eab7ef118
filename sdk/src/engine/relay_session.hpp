// SPDX-License-Identifier: GPL-3.0-or-later
// The relay session, a part of the engine: the connection's lifecycle (Connected /
// Disconnected), the handshake (Challenge, Register or Authenticate, AuthOk), prekeys
// (replenished, the signed one rotated), prekey bundles and the pairwise messages that wait
// for them, and the relay's answers to sends (SendAck, Failure, resends after a pause). The
// link state itself is Core::link (RelayLink); deliveries go to the Engine. Depends on Core.
#pragma once

#include <optional>

#include "engine/engine_core.hpp"
#include "wire/frames.hpp"

namespace parley::engine {

class RelaySession {
 public:
  explicit RelaySession(Core& core) : core_(core) {}

  void on_open(TimeMs now);
  void on_close(const Error& reason, TimeMs now);
  Status on_challenge(const wire::Challenge& challenge);
  Status on_auth_ok(const wire::AuthOk& ok);
  Status on_prekeys_low();
  // Makes a new signed prekey, uploads it and prunes the replaced ones past their keep time.
  void rotate_signed_prekey(TimeMs now);
  Status on_bundle(const wire::Bundle& bundle);
  Status on_send_ack(const wire::SendAck& ack);
  Status on_failure(const wire::Failure& failure, TimeMs now);
  // Sends the relay refused with rate_limited / storage_full whose pause is over.
  void resend_refused(TimeMs now);
  // When the current signed prekey was made, read from the store after each rotation.
  std::optional<TimeMs> signed_prekey_made_at();
  // Pairwise messages pending for `peer`: encrypted once its session exists, or failed.
  Status encrypt_pending_for(const Address& peer);
  Status fail_pending_for(const Address& peer, const Error& error);
 
 private:
  Core& core_;
  std::optional<Error> last_failure_;  // why the last attempt failed to open (reported once)
  std::optional<TimeMs> signed_prekey_made_at_;  // nullopt: read it from the store
};

}  // namespace parley::engine
