// SPDX-License-Identifier: GPL-3.0-or-later
// Attested channels (docs/hotline.md "Attested transcripts"): every post carries its sender's
// signature under the identity key the charter binds, which is what makes a transcript
// checkable later. Elsewhere an attestation is neither made nor checked (the channel stays
// deniable).
#pragma once

#include "cells/codec.hpp"
#include "charter/state.hpp"

namespace parley::channels {

// Signs `message` as `self` with `identity_private` when the channel is attested at `state`
// (sets message.attestation); does nothing otherwise.
Status attest(const charter::CellState& state, const Address& self, ByteView identity_private,
              cells::ChannelMessage& message);

// On a channel attested at `state`: the attestation must be there and verify under the key
// `state` binds to `sender` (hotline_not_attested, invalid_signature). Elsewhere: ok.
Status check_attestation(const charter::CellState& state, const Address& sender, const cells::ChannelMessage& message);

}  // namespace parley::channels
