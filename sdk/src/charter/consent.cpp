// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/consent.hpp"

#include <algorithm>
#include <set>

#include "charter/codec.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"

namespace parley::charter {

namespace {

// A reader is its address AND its key: the same address back with another key is new.
using KeyedReader = std::pair<Address, Bytes>;

std::set<KeyedReader> keyed_readers(const CellState& state, const std::string& channel) {
  std::set<KeyedReader> out;
  for (const Address& device : readers(state, channel)) out.emplace(device, state.devices.at(device).identity_key);
  return out;
}

// Lower is weaker; 0 means "every posting party", the strongest.
bool quorum_lowered(std::uint32_t before, std::uint32_t after) {
  if (before == 0) return after != 0;
  return after != 0 && after < before;
}

// The parties that post on `channel` in `state`. An archived channel has no posters, but its
// history is still theirs: it counts as if it were open.
std::vector<std::string> posting_parties(const CellState& state, const std::string& channel) {
  const CellState* view = &state;
  CellState reopened;
  if (state.channels.at(channel).archived) {
    reopened = state;
    reopened.channels.at(channel).archived = false;
    view = &reopened;
  }
  std::set<std::string> parties;
  for (const Address& device : posters(*view, channel)) parties.insert(view->user_of(device)->party);
  return {parties.begin(), parties.end()};
}

bool may_consent(const CellState& state, const Address& device) {
  const UserRecord* user = state.user_of(device);
  return user && (user->role == Role::party_admin || user->role == Role::supervisor);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<ConsentNeed> consent_needed(const CellState& before, const CellState& after) {
  std::vector<ConsentNeed> out;
  for (const auto& [channel, record] : before.channels) {
    if (!record.policy.consent) continue;
    auto now = after.channels.find(channel);
    if (now == after.channels.end()) continue;  // channels are never deleted; kept for safety
    ConsentNeed need;
    need.channel = channel;
    need.weakened = !now->second.policy.consent ||
                    quorum_lowered(record.policy.consent_quorum, now->second.policy.consent_quorum);
    const std::set<KeyedReader> old_readers = keyed_readers(before, channel);
    for (const KeyedReader& reader : keyed_readers(after, channel))
      if (!old_readers.count(reader)) need.new_readers.push_back(reader.first);
    if (need.new_readers.empty() && !need.weakened) continue;

    // A party's own new device for a user who already reads: that party's word suffices.
    std::set<std::string> own_parties;
    bool own_devices_only = !need.weakened;
    for (const Address& device : need.new_readers) {
      // The user as it was (the device itself may be new: look the user up by name).
      auto user_then = before.users.find(device.user);
      const bool user_read = user_then != before.users.end() &&
                             std::any_of(old_readers.begin(), old_readers.end(),
                                         [&](const KeyedReader& r) { return r.first.user == device.user; });
      if (!user_read || after.user_of(device)->party != user_then->second.party) {
        own_devices_only = false;
        break;
      }
      own_parties.insert(user_then->second.party);
    }
    if (own_devices_only) {
      need.parties.assign(own_parties.begin(), own_parties.end());
      need.needed = need.parties.size();
    } else {
      need.parties = posting_parties(before, channel);
      const std::size_t quorum = record.policy.consent_quorum;
      need.needed = quorum == 0 ? need.parties.size() : std::min(quorum, need.parties.size());
    }
    out.push_back(std::move(need));
  }
  return out;
}

std::vector<std::string> consenting_parties(const CellState& before, const Address& author, ByteView bytes,
                                            const std::vector<CoSignature>& co_signatures) {
  std::set<std::string> parties;
  if (const UserRecord* user = before.user_of(author)) parties.insert(user->party);
  Bytes message;  // built once, only if some co-signature could count
  for (const CoSignature& co : co_signatures) {
    if (!may_consent(before, co.signer)) continue;
    const std::string& party = before.user_of(co.signer)->party;
    if (parties.count(party)) continue;  // already consented: no curve operation needed
    if (message.empty()) message = consent_message(bytes);
    if (crypto::verify(before.devices.at(co.signer).identity_key, message, co.signature)) parties.insert(party);
  }
  return {parties.begin(), parties.end()};
}

Status check_consent(const CellState& before, const CellState& after, const Address& author, ByteView bytes,
                     const std::vector<CoSignature>& co_signatures) {
  const std::vector<ConsentNeed> needs = consent_needed(before, after);
  if (needs.empty()) return {};
  const std::vector<std::string> consented = consenting_parties(before, author, bytes, co_signatures);
  for (const ConsentNeed& need : needs) {
    std::vector<std::string> missing;
    std::size_t given = 0;
    for (const std::string& party : need.parties) {
      if (std::binary_search(consented.begin(), consented.end(), party))
        ++given;
      else
        missing.push_back(party);
    }
    if (given >= need.needed) continue;
    const std::string what = need.weakened ? "weakens the consent rule of channel " : "adds readers to channel ";
    return make_error(Errc::charter_consent_missing,
                      what + need.channel + " with the consent of " + std::to_string(given) + " of the " +
                          std::to_string(need.needed) + " parties it needs; missing: " + join(missing));
  }
  return {};
}

}  // namespace parley::charter
