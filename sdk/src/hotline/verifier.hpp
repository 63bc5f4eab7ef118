// SPDX-License-Identifier: GPL-3.0-or-later
// Offline verification of an attested channel's transcript, for a third party that trusts
// no member. It folds the charter from the genesis with the charter module (every commit's
// signature, chain and authority), then judges each message on its own:
//
//   valid    signed by the identity key the charter binds to its sender device at the epoch
//            it names, on a channel that is attested at that epoch, by a device that may
//            POST there then, under the charter head of that epoch;
//   forged   anything else, with the first failed check as the reason (an entry repeating
//            an earlier one's signed content exactly is a `duplicate`);
//   equivocation  two messages that each pass every check, from one sender with one
//            sequence number (or one message id) but different signed content: the sender
//            signed both, so both are marked and each names the other's index;
//   missing  a gap in a sender's sequence numbers among its valid messages (or before its
//            first one, when the transcript claims the whole history: from == 0), or a
//            message a valid acknowledgement names that the transcript does not hold.
//
// What it cannot see: messages a sender dropped after its last exported one (unless someone
// acknowledged them), and whether the genesis is the cell's real one — compare
// report.genesis_hash with the value the parties agreed on (the CLI's --genesis).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hotline/bodies.hpp"
#include "hotline/transcript.hpp"

namespace parley::hotline {

enum class Verdict { valid, forged, missing, equivocation };
std::string_view verdict_name(Verdict verdict);

enum class Forgery {
  none,
  unknown_epoch,       // epoch 0 or beyond the transcript's charter
  wrong_head,          // head is not the charter hash at that epoch
  not_a_member,        // the sender is not a device of the cell at that epoch
  bad_signature,       // not signed by the key the charter binds to the sender then
  not_attested,        // the channel is not attested at that epoch
  not_a_poster,        // the sender may not POST on the channel at that epoch
  bad_precedence,      // not one of the four precedence values
  bad_sequence,        // sequence 0
  duplicate,           // a second entry with the same signed content as an earlier one
};
std::string_view forgery_name(Forgery forgery);

struct AckEntry {
  std::string party;
  Address device;
  TimeMs at = 0;
  bool operator==(const AckEntry&) const = default;
};

struct MessageReport {
  std::size_t index = 0;  // position in the transcript, from 0
  MessageRef ref;
  std::uint64_t sequence = 0;
  std::uint64_t epoch = 0;
  TimeMs sent_at = 0;
  Verdict verdict = Verdict::valid;
  Forgery reason = Forgery::none;
  std::string detail;            // human-readable; names the check, never the body
  // equivocation: the index of another message with this one's (sender, sequence) or
  // (sender, message id) and different signed content.
  std::optional<std::size_t> conflicts_with;
  std::vector<AckEntry> acks;    // valid acknowledgements of this message, by time
};

enum class MissingKind { sequence_gap, acknowledged_message };

struct MissingReport {
  MissingKind kind = MissingKind::sequence_gap;
  Address sender;
  std::uint64_t first_sequence = 0;  // sequence_gap: the missing range, inclusive
  std::uint64_t last_sequence = 0;
  std::optional<MessageRef> target;         // acknowledged_message: the absent message
  std::optional<MessageRef> referenced_by;  // ... and the acknowledgement naming it
};

struct TranscriptReport {
  charter::CellId cell_id{};
  std::string channel;
  charter::Hash genesis_hash{};
  std::uint64_t charter_epoch = 0;
  std::vector<MessageReport> messages;  // in transcript order
  std::vector<MissingReport> missing;
  std::size_t count(Verdict verdict) const;
  bool all_valid() const { return missing.empty() && count(Verdict::valid) == messages.size(); }
};

// Errors (the transcript as a whole is refused):
//   hotline_transcript_invalid  the charter does not fold from its genesis (the commit's
//                               position and the charter error are named), or it is another cell's;
//   hotline_not_attested        the channel is attested at none of the epochs the messages
//                               name (at the charter's last epoch, if there are no messages).
Result<TranscriptReport> verify_transcript(const Transcript& transcript);

// decode_transcript, then verify_transcript.
Result<TranscriptReport> verify_transcript_bytes(ByteView bytes);

}  // namespace parley::hotline
