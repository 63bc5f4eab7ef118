// SPDX-License-Identifier: GPL-3.0-or-later
// Offline verification of an attested channel's transcript (the bytes Client::export_transcript
// and parley_channel_export_transcript produce, format "PLF1"), for a third party that trusts
// no member and no relay. Link Parley::verify (or Parley::sdk). No network, no store, no clock.
//
// The transcript carries the cell's charter from its genesis and the channel's attested
// messages with their signatures. check_transcript folds the charter (every commit's
// signature, chain and authority) and judges each message on its own:
//
//   valid         signed by the identity key the charter binds to its sender device at the
//                 epoch it names, on a channel attested at that epoch, by a device that may
//                 POST there then, under the charter head of that epoch;
//   forged        anything else; `reason` is the first check that failed (an entry repeating
//                 an earlier one's signed content exactly is a `duplicate`);
//   equivocation  two messages that each pass every check, from one sender with one sequence
//                 number (or one message id) but different signed content: the sender signed
//                 both, so both are marked and each names the other (`conflicts_with`).
//
// Separately, `missing` lists gaps in a sender's sequence numbers among its authentic
// messages (from 1 when the transcript claims the whole history), and messages that a valid
// acknowledgement names but the transcript does not hold.
//
// What it cannot see: messages a sender dropped after its last exported one (unless someone
// acknowledged them), and whether the genesis is the cell's real one. Pass the genesis hash
// the parties agreed on out of band as Options::expected_genesis.
//
// Reports name senders, message ids, times, precedences and verdicts; they never carry
// message bodies, and error messages never contain them either.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/cell_types.hpp"
#include "parley/error.hpp"
#include "parley/hotline_types.hpp"
#include "parley/types.hpp"

namespace parley::verify {

// SHA-256 of the cell's genesis commit: the cell's identity, compared out of band.
using GenesisHash = std::array<std::uint8_t, 32>;

enum class Verdict : std::uint8_t { valid = 1, forged = 2, equivocation = 3 };

// Why a message is forged: the first failed check.
enum class Forgery : std::uint8_t {
  none = 0,            // the message is not forged
  unknown_epoch,       // epoch 0 or beyond the transcript's charter
  wrong_head,          // head is not the charter hash at that epoch
  not_a_member,        // the sender is not a device of the cell at that epoch
  bad_signature,       // not signed by the key the charter binds to the sender then
  not_attested,        // the channel is not attested at that epoch
  not_a_poster,        // the sender may not POST on the channel at that epoch
  bad_precedence,      // not one of the four precedence values
  bad_sequence,        // sequence 0
  duplicate,           // the same signed content as an earlier entry
};

// A valid acknowledgement of a message: the acknowledging party (from the charter), its
// device, and when it says it acknowledged.
struct Acknowledgement {
  std::string party;
  Address device;
  TimeMs at = 0;
  bool operator==(const Acknowledgement&) const = default;
};

// The verdict on one message of the transcript.
struct MessageVerdict {
  std::size_t index = 0;  // position in the transcript, from 0
  MessageRef ref;         // sender device and message id
  std::uint64_t sequence = 0;
  std::uint64_t epoch = 0;  // the charter epoch the message names
  TimeMs sent_at = 0;       // the sender's claim
  std::optional<Precedence> precedence;  // nullopt for a value that is not a precedence
  Verdict verdict = Verdict::valid;
  Forgery reason = Forgery::none;        // forged: the failed check
  std::string detail;                    // forged, equivocation: one human-readable line
  std::optional<std::size_t> conflicts_with;  // equivocation: index of the other message
  std::vector<Acknowledgement> acks;     // valid acknowledgements of this message, by time
};

enum class MissingKind : std::uint8_t {
  sequence_gap = 1,          // sender, first_sequence..last_sequence (inclusive) are absent
  acknowledged_message = 2,  // `target` is acknowledged by `acknowledged_by` but absent or forged
};

struct Missing {
  MissingKind kind = MissingKind::sequence_gap;
  Address sender;
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::optional<MessageRef> target;
  std::optional<MessageRef> acknowledged_by;
};

struct Report {
  CellId cell_id{};
  std::string channel;
  GenesisHash genesis_hash{};
  std::uint64_t charter_epoch = 0;  // the transcript's charter holds epochs 1..charter_epoch
  TimeMs from = 0;                  // the exported window; from == 0 claims the whole history
  TimeMs to = 0;
  std::vector<MessageVerdict> messages;  // in transcript order
  std::vector<Missing> missing;

  std::size_t count(Verdict verdict) const;
  // Every message valid and nothing missing.
  bool all_valid() const { return missing.empty() && count(Verdict::valid) == messages.size(); }
};

struct Options {
  // Refuse the transcript unless its charter starts from this genesis.
  std::optional<GenesisHash> expected_genesis;
};

// Parses and checks a transcript. Bytes are borrowed for the call only.
// Errors (the transcript as a whole is refused, no report):
//   frame_too_large, truncated, malformed_frame, unsupported_version
//                               the bytes are not a transcript this build reads;
//   hotline_transcript_invalid  the charter does not fold from its genesis (the commit and the
//                               charter error are named), it is another cell's, or its genesis
//                               is not options.expected_genesis (both hashes are named);
//   hotline_not_attested        the channel is attested at none of the epochs the messages
//                               name (at the charter's last epoch if there are no messages):
//                               its messages are deniable.
// Forged, equivocating and missing messages are findings in the report, not errors.
Result<Report> check_transcript(ByteView transcript, const Options& options = {});

// "valid", "forged", "equivocation".
std::string_view verdict_name(Verdict verdict);
// "none", "unknown_epoch", ... as spelled in the enum.
std::string_view forgery_name(Forgery forgery);
// "ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH".
std::string_view precedence_name(Precedence precedence);

// Lower-case hex, two digits a byte (genesis hashes, cell ids): parley::to_hex.
using parley::to_hex;
// A genesis hash from 64 hex digits (either case); invalid_argument otherwise.
Result<GenesisHash> parse_genesis(std::string_view hex);

}  // namespace parley::verify
