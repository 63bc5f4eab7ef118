// SPDX-License-Identifier: GPL-3.0-or-later
// Consent for new readers (docs/governance.md "Consent"): on a channel whose policy asks for
// consent, a commit that widens who reads it needs, besides the supervisor's signature, the
// co-signatures of the parties that post there. Narrowing never does. The rule is a pure
// function of the states before and after the commit, so every device decides alike.
#pragma once

#include <string>
#include <vector>

#include "charter/state.hpp"

namespace parley::charter {

// What one channel needs before a commit may widen its readers.
struct ConsentNeed {
  std::string channel;
  std::vector<std::string> parties;  // whose consent counts, sorted
  std::size_t needed = 0;            // how many of them must consent (<= parties.size())
  std::vector<Address> new_readers;  // devices that read after and did not before (by key)
  bool weakened = false;             // the commit lowers or lifts the channel's consent rule
};

// Every consent channel of `before` that the commit leading to `after` widens:
//   * new readers: devices reading in `after` that did not read in `before` with the same
//     identity key (a re-keyed address is a new reader);
//   * weakened: consent turned off or its quorum lowered (0 counts as "every party").
// Whose consent: the parties with a posting device in `before`. If the only new readers are
// new devices of users who already read the channel and nothing is weakened, only those
// users' own parties (a party adding its own device). needed: every such party, or the
// channel's quorum if it is lower.
std::vector<ConsentNeed> consent_needed(const CellState& before, const CellState& after);

// The parties that consented to the commit with `bytes`: the author's party (its signature is
// the commit's), and the party of each co-signer that is a party-admin or supervisor device of
// `before` whose co-signature verifies with its key there. Co-signatures from anyone else are
// ignored (they add nothing).
std::vector<std::string> consenting_parties(const CellState& before, const Address& author, ByteView bytes,
                                            const std::vector<CoSignature>& co_signatures);

// Step 9 of apply(): charter_consent_missing naming the channel, the parties that did not
// consent and how many were needed, if any need is unmet.
Status check_consent(const CellState& before, const CellState& after, const Address& author, ByteView bytes,
                     const std::vector<CoSignature>& co_signatures);

}  // namespace parley::charter
