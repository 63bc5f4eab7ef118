// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/verifier.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "charter/codec.hpp"
#include "charter/policy.hpp"
#include "charter/state.hpp"
#include "hotline/codec.hpp"
#include "hotline/precedence.hpp"

namespace parley::hotline {
namespace {


// states[e] is the cell after epoch e (states[0] is the empty state).
Result<std::vector<charter::CellState>> fold_charter(const Transcript& t) {
  std::vector<charter::CellState> states(1);
  for (std::size_t i = 0; i < t.commits.size(); ++i) {
    auto next = charter::apply(states.back(), t.commits[i]);
    if (!next)
      return make_error(Errc::hotline_transcript_invalid,
                        "charter commit " + std::to_string(i + 1) + " does not apply: " + next.error().to_string());
    states.push_back(std::move(*next));
  }
  if (states.back().cell_id != t.cell_id)
    return make_error(Errc::hotline_transcript_invalid, "the charter is for another cell than the transcript names");
  return states;
}

bool attested_at(const charter::CellState& state, const std::string& channel) {
  auto it = state.channels.find(channel);
  return it != state.channels.end() && it->second.policy.attested;
}

struct Judge {
  const Transcript& t;
  const std::vector<charter::CellState>& states;

  // The first failed check, or none.
  std::pair<Forgery, std::string> judge(const AttestedMessage& m) const {
    const std::uint64_t last = states.size() - 1;
    if (m.epoch == 0 || m.epoch > last)
      return {Forgery::unknown_epoch, "epoch " + std::to_string(m.epoch) + " is outside the charter's 1.." + std::to_string(last)};
    const auto& state = states[m.epoch];
    if (m.head != state.head) return {Forgery::wrong_head, "head is not the charter hash at epoch " + std::to_string(m.epoch)};
    auto device = state.devices.find(m.sender);
    if (device == state.devices.end())
      return {Forgery::not_a_member, m.sender.to_string() + " is not a device of the cell at epoch " + std::to_string(m.epoch)};
    auto fields = attested_fields(t, m);
    if (!fields || !verify_attestation(*fields, device->second.identity_key, m.signature))
      return {Forgery::bad_signature, "the signature does not verify with the identity key the charter binds to " +
                                          m.sender.to_string() + " at epoch " + std::to_string(m.epoch)};
    if (!attested_at(state, t.channel))
      return {Forgery::not_attested, "channel " + t.channel + " is not attested at epoch " + std::to_string(m.epoch)};
    if (!charter::may_post(state, t.channel, m.sender))
      return {Forgery::not_a_poster, m.sender.to_string() + " may not post on " + t.channel + " at epoch " + std::to_string(m.epoch)};
    if (!precedence_from_wire(m.precedence))
      return {Forgery::bad_precedence, "precedence " + std::to_string(m.precedence) + " is unknown"};
    if (m.sequence == 0) return {Forgery::bad_sequence, "sequence numbers start at 1"};
    return {Forgery::none, {}};
  }
};

Status check_attested_somewhere(const Transcript& t, const std::vector<charter::CellState>& states) {
  const std::uint64_t last = states.size() - 1;
  std::set<std::uint64_t> epochs;
  for (const auto& m : t.messages)
    if (m.epoch >= 1 && m.epoch <= last) epochs.insert(m.epoch);
  if (epochs.empty()) epochs.insert(last);
  for (auto e : epochs)
    if (attested_at(states[e], t.channel)) return {};
  return make_error(Errc::hotline_not_attested,
                    "channel " + t.channel + " is not attested at any epoch this transcript names (" +
                        std::to_string(*epochs.begin()) + ".." + std::to_string(*epochs.rbegin()) +
                        "): its messages are deniable and cannot be verified");
}

// An equivocating sender did send that sequence number: no gap there.
bool authentic(Verdict verdict) { return verdict == Verdict::valid || verdict == Verdict::equivocation; }

void find_gaps(const Transcript& t, const std::vector<MessageReport>& reports, std::vector<MissingReport>& missing) {
  std::map<Address, std::set<std::uint64_t>> sequences;
  for (const auto& r : reports)
    if (authentic(r.verdict)) sequences[r.ref.sender].insert(r.sequence);
  for (const auto& [sender, seqs] : sequences) {
    std::uint64_t expected = t.from == 0 ? 1 : *seqs.begin();
    for (auto s : seqs) {
      if (s > expected) missing.push_back({MissingKind::sequence_gap, sender, expected, s - 1, {}, {}});
      expected = s + 1;
    }
  }
}

// Authentic messages seen so far, to tell a repeat from a sender's equivocation.
class Repeats {
 public:
  explicit Repeats(const Transcript& t) : t_(t) {}

  // The earlier authentic message this one collides with: same (sender, sequence), else
  // same (sender, message id).
  std::optional<std::size_t> earlier(const MessageReport& r) const {
    if (auto it = by_sequence_.find({r.ref.sender, r.sequence}); it != by_sequence_.end()) return it->second;
    if (auto it = by_ref_.find(r.ref); it != by_ref_.end()) return it->second;
    return std::nullopt;
  }
  // Same signed content (signatures are randomised, so they are not compared).
  bool same_content(std::size_t a, std::size_t b) const {
    auto x = attested_fields(t_, t_.messages[a]);
    auto y = attested_fields(t_, t_.messages[b]);
    return x && y && *x == *y;
  }
  void add(const MessageReport& r) {
    by_sequence_.emplace(std::pair{r.ref.sender, r.sequence}, r.index);
    by_ref_.emplace(r.ref, r.index);
  }
  const std::map<MessageRef, std::size_t>& by_ref() const { return by_ref_; }

 private:
  const Transcript& t_;
  std::map<std::pair<Address, std::uint64_t>, std::size_t> by_sequence_;
  std::map<MessageRef, std::size_t> by_ref_;
};

void mark_equivocation(MessageReport& r, std::size_t other) {
  if (r.verdict == Verdict::equivocation) return;  // a third copy: keep naming the first pair
  r.verdict = Verdict::equivocation;
  r.conflicts_with = other;
  r.detail = r.ref.sender.to_string() + " also signed message #" + std::to_string(other + 1) +
             " with sequence " + std::to_string(r.sequence) + " or this id, with different content";
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid";
    case Verdict::forged: return "forged";
    case Verdict::missing: return "missing";
    case Verdict::equivocation: return "equivocation";
  }
  return "unknown";
}

std::string_view forgery_name(Forgery forgery) {
  switch (forgery) {
    case Forgery::none: return "none";
    case Forgery::unknown_epoch: return "unknown_epoch";
    case Forgery::wrong_head: return "wrong_head";
    case Forgery::not_a_member: return "not_a_member";
    case Forgery::bad_signature: return "bad_signature";
    case Forgery::not_attested: return "not_attested";
    case Forgery::not_a_poster: return "not_a_poster";
    case Forgery::bad_precedence: return "bad_precedence";
    case Forgery::bad_sequence: return "bad_sequence";
    case Forgery::duplicate: return "duplicate";
  }
  return "unknown";
}

std::size_t TranscriptReport::count(Verdict verdict) const {
  return static_cast<std::size_t>(
      std::count_if(messages.begin(), messages.end(), [&](const MessageReport& m) { return m.verdict == verdict; }));
}

Result<TranscriptReport> verify_transcript(const Transcript& t) {
  auto folded = fold_charter(t);
  if (!folded) return std::move(folded).error();
  const auto& states = *folded;
  PARLEY_TRY(check_attested_somewhere(t, states));

  TranscriptReport report;
  report.cell_id = t.cell_id;
  report.channel = t.channel;
  report.genesis_hash = states[1].head;
  report.charter_epoch = states.size() - 1;

  const Judge judge{t, states};
  Repeats repeats(t);
  for (std::size_t i = 0; i < t.messages.size(); ++i) {
    const auto& m = t.messages[i];
    MessageReport r{i, {m.sender, m.message_id}, m.sequence, m.epoch, m.sent_at, Verdict::valid, Forgery::none, {}, {}, {}};
    auto [reason, detail] = judge.judge(m);
    const auto earlier = reason == Forgery::none ? repeats.earlier(r) : std::nullopt;
    if (earlier && repeats.same_content(*earlier, i)) {
      reason = Forgery::duplicate;
      detail = "message #" + std::to_string(*earlier + 1) + " already carries this signed content from " +
               m.sender.to_string();
    } else if (earlier) {
      mark_equivocation(report.messages[*earlier], i);
      mark_equivocation(r, *earlier);
    }
    if (reason != Forgery::none) {
      r.verdict = Verdict::forged;
      r.reason = reason;
      r.detail = std::move(detail);
    } else {
      repeats.add(r);
    }
    report.messages.push_back(std::move(r));
  }
  const auto& by_ref = repeats.by_ref();

  // Acknowledgements among the valid messages: attach them, or report their absent target.
  for (std::size_t i = 0; i < t.messages.size(); ++i) {
    const auto& m = t.messages[i];
    if (report.messages[i].verdict != Verdict::valid || m.kind != kKindHotline) continue;  // an equivocating ack is not evidence
    auto body = decode_body(m.body);
    if (!body) continue;
    const auto* ack = std::get_if<Acknowledgement>(&*body);
    if (!ack) continue;
    auto target = by_ref.find(ack->target);
    if (target == by_ref.end()) {
      report.missing.push_back({MissingKind::acknowledged_message, ack->target.sender, 0, 0, ack->target,
                                report.messages[i].ref});
      continue;
    }
    const auto* user = states[m.epoch].user_of(m.sender);
    report.messages[target->second].acks.push_back({user ? user->party : std::string{}, m.sender, m.sent_at});
  }
  for (auto& r : report.messages)
    std::sort(r.acks.begin(), r.acks.end(),
              [](const AckEntry& a, const AckEntry& b) { return std::tie(a.at, a.device) < std::tie(b.at, b.device); });
  find_gaps(t, report.messages, report.missing);
  return report;
}

Result<TranscriptReport> verify_transcript_bytes(ByteView bytes) {
  auto transcript = decode_transcript(bytes);
  if (!transcript) return std::move(transcript).error();
  return verify_transcript(*transcript);
}

}  // namespace parley::hotline
