// SPDX-License-Identifier: GPL-3.0-or-later
// What a Parley device tells the application.
#pragma once

#include <string>
#include <variant>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley {

// The relay accepted this device's authentication (after registering it on first connect).
struct Connected {
  std::uint32_t prekeys_remaining = 0;
};

// The connection to the relay ended; the client reconnects by itself.
struct Disconnected {
  Error reason;
};

// A message decrypted and recorded as received. Each (sender, id) is reported once.
struct MessageReceived {
  Address sender;
  MessageId id;
  TimeMs sent_at = 0;
  std::string text;
};

// The relay stored this message durably for all its recipients.
struct MessageSent {
  MessageId id;
  Address recipient;
};

// The message will not be delivered (e.g. unknown recipient, mailbox full, bad bundle).
struct SendFailed {
  MessageId id;
  Address recipient;
  Error error;
};

// A delivery could not be decrypted (tampered, wrong session, changed identity...).
// It is acknowledged at the relay so it does not block the mailbox.
struct DecryptFailed {
  Address sender;
  Error error;
};

// The relay reported this device low on one-time prekeys; `count` new ones were uploaded.
struct PreKeysReplenished {
  std::uint32_t count = 0;
};

// The relay rejected a frame of this device, or sent one that does not parse.
struct ProtocolError {
  Error error;
};

using Event = std::variant<Connected, Disconnected, MessageReceived, MessageSent, SendFailed, DecryptFailed,
                           PreKeysReplenished, ProtocolError>;

}  // namespace parley
