// SPDX-License-Identifier: GPL-3.0-or-later
// CharterLog's fork choice: what a validly framed commit for an already-applied epoch means.
//
// Two supervisor devices may each commit the next epoch before hearing of the other (both
// accept one proposal, or a relay delays one). Keeping whichever arrived first would fork
// the cell for good, so the rule is one every device computes alike from the two commits:
// between siblings (same epoch, same previous commit) by different supervisor devices, the
// lowest commit hash wins. One device signing two commits for one epoch is still an
// equivocation: no honest device does that, and the proof is kept.
#include "charter/codec.hpp"
#include "charter/log.hpp"
#include "charter/log_outcome.hpp"

namespace parley::charter {

using detail::rejected;
using detail::with_status;

OfferOutcome CharterLog::compete(const Commit& decoded, const SignedCommit& commit, const Hash& hash) {
  const std::uint64_t e = decoded.epoch;
  auto applied = decode_commit(commits_[e - 1].bytes);  // applied before, so it decodes
  if (!applied) return rejected(std::move(applied).error());
  const bool same_author = applied->author == decoded.author;
  // Not a sibling: it builds on a branch that forked below e. Its authority cannot be
  // checked on this chain, so it waits (unauthenticated, bounded) for a switch to that branch.
  if (!same_author && e >= 2 && decoded.prev_hash != applied->prev_hash) return stray(commit);

  auto proof = conflict(decoded, commit);  // checks it is signed by a supervisor device of epoch e - 1
  if (!proof) return rejected(std::move(proof).error());
  // The genesis anchors the cell (joining compares it), so it is never replaced.
  const bool race = !same_author && e >= 2;
  const bool too_deep = state_.epoch - e + 1 > kMaxReorgDepth;
  if (race && hash > hashes_[e - 1]) {
    OfferOutcome out = with_status(OfferStatus::superseded);
    out.superseded.push_back(commit);
    return out;
  }
  if (race && too_deep)
    return rejected(make_error(Errc::charter_out_of_order,
                               "commit for epoch " + std::to_string(e) + " by " + decoded.author.to_string() +
                                   " wins the tie-break but would replace " + std::to_string(state_.epoch - e + 1) +
                                   " applied commits, more than " + std::to_string(kMaxReorgDepth) +
                                   "; not switching (was it withheld?)"));
  if (race) return switch_to(commit, hash, e);
  OfferOutcome out = with_status(OfferStatus::equivocation);
  out.equivocations.push_back(std::move(proof).value());
  return out;
}

OfferOutcome CharterLog::switch_to(const SignedCommit& commit, const Hash& hash, std::uint64_t e) {
  const std::size_t depth = state_.epoch - e + 1;  // <= kMaxReorgDepth == prior_ capacity
  if (depth > prior_.size())
    return rejected(make_error(Errc::charter_out_of_order, "commit for epoch " + std::to_string(e) +
                                                               " would replace more history than this device keeps"));
  const CellState& base = prior_[prior_.size() - depth];
  auto next = apply(base, commit);
  if (!next) return rejected(std::move(next).error());

  OfferOutcome out = with_status(OfferStatus::switched);
  out.superseded.assign(commits_.begin() + static_cast<std::ptrdiff_t>(e - 1), commits_.end());
  state_ = base;
  commits_.resize(e - 1);
  hashes_.resize(e - 1);
  supervisors_.resize(e - 1);
  prior_.resize(prior_.size() - depth);
  accept(commit, hash, std::move(next).value());
  out.applied.push_back(e);
  out.switched_at = e;
  return out;
}

OfferOutcome CharterLog::stray(const SignedCommit& commit) {
  OfferOutcome out = with_status(OfferStatus::buffered);
  for (const SignedCommit& waiting : strays_)
    if (waiting.bytes == commit.bytes) return with_status(OfferStatus::duplicate);
  if (strays_.size() >= kMaxStrays) {
    out.discarded.push_back(make_error(Errc::charter_buffer_full,
                                       "dropped the oldest of " + std::to_string(kMaxStrays) +
                                           " commits waiting for a branch this device does not hold"));
    strays_.erase(strays_.begin());
  }
  strays_.push_back(commit);
  return out;
}

}  // namespace parley::charter
