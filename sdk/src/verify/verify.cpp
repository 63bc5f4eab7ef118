// SPDX-License-Identifier: GPL-3.0-or-later
// parley/verify.hpp over hotline's verifier: the same checks, copied into public values so
// that no private header (and no message body) leaves the SDK.
#include "parley/verify.hpp"

#include <algorithm>
#include <type_traits>

#include "hotline/precedence.hpp"
#include "hotline/verifier.hpp"

namespace parley::verify {
namespace {

static_assert(std::is_same_v<GenesisHash, charter::Hash>);
static_assert(std::is_same_v<CellId, charter::CellId>);

Forgery to_public(hotline::Forgery forgery) {
  switch (forgery) {
    case hotline::Forgery::none: return Forgery::none;
    case hotline::Forgery::unknown_epoch: return Forgery::unknown_epoch;
    case hotline::Forgery::wrong_head: return Forgery::wrong_head;
    case hotline::Forgery::not_a_member: return Forgery::not_a_member;
    case hotline::Forgery::bad_signature: return Forgery::bad_signature;
    case hotline::Forgery::not_attested: return Forgery::not_attested;
    case hotline::Forgery::not_a_poster: return Forgery::not_a_poster;
    case hotline::Forgery::bad_precedence: return Forgery::bad_precedence;
    case hotline::Forgery::bad_sequence: return Forgery::bad_sequence;
    case hotline::Forgery::duplicate: return Forgery::duplicate;
  }
  return Forgery::none;
}

// Per-message verdicts only: `missing` is never a message's verdict (it has its own list).
Result<Verdict> to_public(hotline::Verdict verdict) {
  switch (verdict) {
    case hotline::Verdict::valid: return Verdict::valid;
    case hotline::Verdict::forged: return Verdict::forged;
    case hotline::Verdict::equivocation: return Verdict::equivocation;
    case hotline::Verdict::missing: break;
  }
  return make_error(Errc::internal, "the verifier gave a message the verdict " +
                                        std::string(hotline::verdict_name(verdict)));
}

Missing to_public(const hotline::MissingReport& m) {
  return {m.kind == hotline::MissingKind::sequence_gap ? MissingKind::sequence_gap : MissingKind::acknowledged_message,
          m.sender, m.first_sequence, m.last_sequence, m.target, m.referenced_by};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t Report::count(Verdict verdict) const {
  return static_cast<std::size_t>(
      std::count_if(messages.begin(), messages.end(), [&](const MessageVerdict& m) { return m.verdict == verdict; }));
}

Result<Report> check_transcript(ByteView bytes, const Options& options) {
  auto transcript = hotline::decode_transcript(bytes);
  if (!transcript) return std::move(transcript).error();
  auto checked = hotline::verify_transcript(*transcript);
  if (!checked) return std::move(checked).error();
  if (options.expected_genesis && *options.expected_genesis != checked->genesis_hash)
    return make_error(Errc::hotline_transcript_invalid, "the charter's genesis is " + to_hex(checked->genesis_hash) +
                                                            ", not the expected " + to_hex(*options.expected_genesis));

  Report report;
  report.cell_id = checked->cell_id;
  report.channel = std::move(checked->channel);
  report.genesis_hash = checked->genesis_hash;
  report.charter_epoch = checked->charter_epoch;
  report.from = transcript->from;
  report.to = transcript->to;
  report.messages.reserve(checked->messages.size());
  for (auto& m : checked->messages) {
    auto verdict = to_public(m.verdict);
    if (!verdict) return std::move(verdict).error();
    MessageVerdict out;
    out.index = m.index;
    out.ref = m.ref;
    out.sequence = m.sequence;
    out.epoch = m.epoch;
    out.sent_at = m.sent_at;
    if (auto p = hotline::precedence_from_wire(transcript->messages.at(m.index).precedence))
      out.precedence = static_cast<Precedence>(*p);
    out.verdict = *verdict;
    out.reason = to_public(m.reason);
    out.detail = std::move(m.detail);
    out.conflicts_with = m.conflicts_with;
    for (auto& ack : m.acks) out.acks.push_back({std::move(ack.party), std::move(ack.device), ack.at});
    report.messages.push_back(std::move(out));
  }
  for (const auto& m : checked->missing) report.missing.push_back(to_public(m));
  return report;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid";
    case Verdict::forged: return "forged";
    case Verdict::equivocation: return "equivocation";
  }
  return "unknown";
}

std::string_view forgery_name(Forgery forgery) {
  switch (forgery) {
    case Forgery::none: return hotline::forgery_name(hotline::Forgery::none);
    case Forgery::unknown_epoch: return hotline::forgery_name(hotline::Forgery::unknown_epoch);
    case Forgery::wrong_head: return hotline::forgery_name(hotline::Forgery::wrong_head);
    case Forgery::not_a_member: return hotline::forgery_name(hotline::Forgery::not_a_member);
    case Forgery::bad_signature: return hotline::forgery_name(hotline::Forgery::bad_signature);
    case Forgery::not_attested: return hotline::forgery_name(hotline::Forgery::not_attested);
    case Forgery::not_a_poster: return hotline::forgery_name(hotline::Forgery::not_a_poster);
    case Forgery::bad_precedence: return hotline::forgery_name(hotline::Forgery::bad_precedence);
    case Forgery::bad_sequence: return hotline::forgery_name(hotline::Forgery::bad_sequence);
    case Forgery::duplicate: return hotline::forgery_name(hotline::Forgery::duplicate);
  }
  return "unknown";
}

std::string_view precedence_name(Precedence precedence) {
  auto p = hotline::precedence_from_wire(static_cast<std::uint8_t>(precedence));
  return p ? hotline::precedence_name(*p) : "UNKNOWN";
}

Result<GenesisHash> parse_genesis(std::string_view hex) {
  GenesisHash hash{};
  if (hex.size() != hash.size() * 2)
    return make_error(Errc::invalid_argument,
                      "a genesis hash is 64 hex digits, got " + std::to_string(hex.size()) + " characters");
  for (std::size_t i = 0; i < hash.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return make_error(Errc::invalid_argument, "a genesis hash holds only hex digits (0-9, a-f), not '" +
                                                    std::string(hex.substr(2 * i, 2)) + "' at position " +
                                                    std::to_string(2 * i + 1));
    hash[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return hash;
}

}  // namespace parley::verify
