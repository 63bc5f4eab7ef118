// SPDX-License-Identifier: GPL-3.0-or-later
// The rules every received channel message passes against the charter, however it arrived
// (under a sender key or in a resend): docs/protocol.md "Channels" and "Freshness". Pure: the
// caller looks up what needs the store (the freshness window) and acts on the judgement
// (history, cursor, events, resync requests) inside its transaction.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "cells/codec.hpp"
#include "charter/log.hpp"
#include "parley/events.hpp"

namespace parley::channels {

enum class Verdict {
  accept,   // the charter allows it: record it
  later,    // it names an epoch this device does not hold yet: hold it and ask for the commits
  refused,  // `event` says why
};

struct Judgement {
  Verdict verdict = Verdict::refused;
  std::optional<Event> event;  // PermissionDenied, SecurityAlert or DecryptFailed when refused
  // Ask these devices for the cell's commits from that epoch: the sender (it has them) and a
  // supervisor device for an epoch not held yet; the sender for a head that does not match
  // (its conflicting commit turns the suspicion into a proof).
  std::vector<std::pair<Address, std::uint64_t>> resync_from;
};

// What the judgement needs to know about the cell, besides the message.
struct CellAtReceipt {
  const charter::CharterLog& log;  // this device's charter now
  // The state at the epoch the message names (nullptr when this device does not hold it).
  const charter::CellState* then = nullptr;
  // Whether an epoch older than the current one is still within the freshness window (true
  // for the current epoch or a newer one).
  bool epoch_fresh = true;
  const Address& self;
};

// Checks, in order: the epoch is held (else later) and fresh, the head matches, the sender
// may POST at the named epoch and now, the attestation of an attested channel (attested then
// or now) verifies, and a post naming an older epoch does not escape acknowledgements the
// channel asks for now.
Judgement judge_received(const CellAtReceipt& cell, const Address& sender, const cells::ChannelMessage& message);

}  // namespace parley::channels
