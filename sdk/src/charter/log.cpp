// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/log.hpp"

#include "charter/codec.hpp"
#include "charter/log_outcome.hpp"
#include "crypto/keys.hpp"

#include <algorithm>
#include <utility>

namespace parley::charter {

namespace {

using detail::merge;
using detail::rejected;
using detail::with_status;

std::map<Address, Bytes> supervisor_keys(const CellState& state) {
  std::map<Address, Bytes> out;
  for (const auto& [address, device] : state.devices)
    if (state.is_supervisor_device(address)) out.emplace(address, device.identity_key);
  return out;
}

}  // namespace

Result<CharterLog> CharterLog::from_genesis(std::span<const SignedCommit> commits, std::optional<CellId> expected_cell) {
  if (commits.empty()) return make_error(Errc::invalid_argument, "a charter needs at least its genesis commit");
  CharterLog log;
  for (std::size_t i = 0; i < commits.size(); ++i) {
    auto next = apply(log.state_, commits[i]);
    if (!next)
      return make_error(next.error().code, "charter commit " + std::to_string(i + 1) + " of " +
                                               std::to_string(commits.size()) + ": " + next.error().message);
    if (i == 0 && expected_cell && next->cell_id != *expected_cell)
      return make_error(Errc::charter_wrong_cell, "the charter's genesis is for another cell than expected");
    const Hash head = next->head;
    log.accept(commits[i], head, std::move(next).value());
  }
  return log;
}

void CharterLog::accept(const SignedCommit& commit, const Hash& hash, CellState next) {
  for (const auto& [device, record] : next.devices)
    if (!state_.devices.count(device)) ever_listed_.insert(device);
  prior_.push_back(std::exchange(state_, std::move(next)));
  if (prior_.size() > kMaxReorgDepth) prior_.pop_front();
  commits_.push_back(commit);
  hashes_.push_back(hash);
  supervisors_.push_back(supervisor_keys(state_));
}

std::optional<Hash> CharterLog::hash_at(std::uint64_t epoch) const {
  if (epoch == 0 || epoch > hashes_.size()) return std::nullopt;
  return hashes_[epoch - 1];
}

const SignedCommit* CharterLog::commit_at(std::uint64_t epoch) const {
  if (epoch == 0 || epoch > commits_.size()) return nullptr;
  return &commits_[epoch - 1];
}

std::vector<SignedCommit> CharterLog::commits_from(std::uint64_t epoch) const {
  if (epoch == 0) epoch = 1;
  if (epoch > commits_.size()) return {};
  return {commits_.begin() + static_cast<std::ptrdiff_t>(epoch - 1), commits_.end()};
}

std::optional<EpochRange> CharterLog::missing() const {
  if (buffer_.empty()) return std::nullopt;
  const std::uint64_t lowest = buffer_.begin()->first;
  if (lowest <= state_.epoch + 1) return std::nullopt;  // not reachable after drain(); kept for safety
  return EpochRange{state_.epoch + 1, lowest - 1};
}

// Authority for epoch e is the supervisor set before it; for the genesis, which has no
// "before", the supervisor devices the applied genesis created (so a stranger's genesis
// reusing the cell id is a plain rejection, not a proof against our supervisor).
Status CharterLog::signed_by_supervisor(const Commit& decoded, const SignedCommit& commit) const {
  const std::uint64_t e = decoded.epoch;
  const auto& authority = supervisors_[e == 1 ? 0 : e - 2];
  auto key = authority.find(decoded.author);
  if (key == authority.end())
    return make_error(Errc::charter_not_authorized,
                      "commit for epoch " + std::to_string(e) + " conflicts with the applied one, but its author " +
                          decoded.author.to_string() + " was not a supervisor device then");
  if (!crypto::verify(key->second, commit.bytes, commit.signature))
    return make_error(Errc::invalid_signature, "commit for epoch " + std::to_string(e) +
                                                   " conflicts with the applied one, but its signature does not "
                                                   "verify with " + decoded.author.to_string() + "'s key");
  return {};
}

Result<EquivocationProof> CharterLog::conflict(const Commit& decoded, const SignedCommit& commit) const {
  PARLEY_TRY(signed_by_supervisor(decoded, commit));
  return EquivocationProof{state_.cell_id, decoded.epoch, commits_[decoded.epoch - 1], commit};
}

Status CharterLog::check_proof(const EquivocationProof& proof) const {
  if (proof.cell_id != state_.cell_id) return make_error(Errc::charter_wrong_cell, "the proof is for another cell");
  if (proof.epoch == 0 || proof.epoch > state_.epoch)
    return make_error(Errc::charter_out_of_order, "the proof's epoch " + std::to_string(proof.epoch) +
                                                      " is not one this device has applied");
  std::optional<Hash> hashes[2];
  std::optional<Commit> decoded_pair[2];
  const SignedCommit* commits[2] = {&proof.applied, &proof.conflicting};
  for (int i = 0; i < 2; ++i) {
    auto decoded = decode_commit(commits[i]->bytes);
    if (!decoded) return std::move(decoded).error();
    decoded_pair[i] = *decoded;
    if (decoded->cell_id != proof.cell_id || decoded->epoch != proof.epoch)
      return make_error(Errc::invalid_argument, "a commit in the proof is not for the proof's cell and epoch");
    PARLEY_TRY(signed_by_supervisor(*decoded, *commits[i]));
    auto hash = commit_hash(commits[i]->bytes);
    if (!hash) return std::move(hash).error();
    hashes[i] = *hash;
  }
  if (hashes[0] == hashes[1]) return make_error(Errc::invalid_argument, "the proof's two commits are the same");
  const Commit& a = *decoded_pair[0];
  const Commit& b = *decoded_pair[1];
  if (proof.epoch >= 2 && a.author != b.author && a.prev_hash == b.prev_hash)
    return make_error(Errc::invalid_argument, "the two commits are a race between supervisor devices " +
                                                  a.author.to_string() + " and " + b.author.to_string() +
                                                  ", settled by the tie-break: not an equivocation");
  return {};
}

OfferOutcome CharterLog::buffer(const Commit& decoded, const SignedCommit& commit, const Hash& hash) {
  const std::uint64_t e = decoded.epoch;
  if (e - state_.epoch > kMaxEpochsAhead)
    return rejected(make_error(Errc::charter_out_of_order,
                               "commit for epoch " + std::to_string(e) + " is more than " +
                                   std::to_string(kMaxEpochsAhead) + " epochs ahead of " +
                                   std::to_string(state_.epoch) + "; resynchronise from the supervisor"));
  auto slot = buffer_.find(e);
  if (slot != buffer_.end()) {
    for (const Pending& pending : slot->second)
      if (pending.hash == hash) return with_status(OfferStatus::duplicate);
    if (slot->second.size() >= kMaxCandidatesPerEpoch)
      return rejected(make_error(Errc::charter_buffer_full, std::to_string(kMaxCandidatesPerEpoch) +
                                                                " different commits already wait for epoch " +
                                                                std::to_string(e)));
  }
  OfferOutcome out = with_status(OfferStatus::buffered);
  if (buffered_count_ >= kMaxBuffered) {
    auto highest = std::prev(buffer_.end());
    if (e >= highest->first)
      return rejected(make_error(Errc::charter_buffer_full,
                                 std::to_string(kMaxBuffered) + " early commits already wait, up to epoch " +
                                     std::to_string(highest->first) + "; commit for epoch " + std::to_string(e) +
                                     " is not kept"));
    out.discarded.push_back(make_error(Errc::charter_buffer_full,
                                       "evicted a waiting commit for epoch " + std::to_string(highest->first) +
                                           " to keep one for epoch " + std::to_string(e)));
    highest->second.pop_back();
    if (highest->second.empty()) buffer_.erase(highest);
    --buffered_count_;
  }
  buffer_[e].push_back(Pending{commit, hash});
  ++buffered_count_;
  return out;
}

void CharterLog::drain(OfferOutcome& out) {
  while (!buffer_.empty() && buffer_.begin()->first <= state_.epoch + 1) {
    std::vector<Pending> candidates = std::move(buffer_.begin()->second);
    buffer_.erase(buffer_.begin());
    buffered_count_ -= candidates.size();
    // Lowest hash first, so the tie-break's winner is applied directly when both wait here.
    std::sort(candidates.begin(), candidates.end(),
              [](const Pending& a, const Pending& b) { return a.hash < b.hash; });
    for (Pending& pending : candidates) {
      auto decoded = decode_commit(pending.commit.bytes);  // decoded before buffering; cannot fail
      if (!decoded) {
        out.discarded.push_back(std::move(decoded).error());
        continue;
      }
      const std::uint64_t e = decoded->epoch;
      if (e <= state_.epoch) {
        // An alternative to a commit applied just before it in this drain.
        if (pending.hash == hashes_[e - 1]) continue;
        merge(out, compete(*decoded, pending.commit, pending.hash));
        continue;
      }
      auto next = apply(state_, pending.commit);
      if (!next) {
        out.discarded.push_back(std::move(next).error());
        continue;
      }
      accept(pending.commit, pending.hash, std::move(next).value());
      out.applied.push_back(e);
    }
  }
}

OfferOutcome CharterLog::offer(const SignedCommit& commit) {
  OfferOutcome out = place(commit);
  if (!out.applied.empty() && !strays_.empty()) {
    // The chain moved: a waiting stray may now extend it or win a race against it. Each is
    // tried once per call; one that still does not fit waits again.
    std::vector<SignedCommit> strays = std::exchange(strays_, {});
    for (const SignedCommit& waiting : strays) merge(out, place(waiting));
  }
  if (out.switched_at) out.status = OfferStatus::switched;
  return out;
}

OfferOutcome CharterLog::place(const SignedCommit& commit) {
  auto decoded = decode_commit(commit.bytes);
  if (!decoded) return rejected(std::move(decoded).error());
  if (commit.signature.size() != crypto::kSignatureBytes)
    return rejected(make_error(Errc::invalid_signature, "commit signature must be " +
                                                            std::to_string(crypto::kSignatureBytes) + " bytes, got " +
                                                            std::to_string(commit.signature.size())));
  if (decoded->cell_id != state_.cell_id)
    return rejected(make_error(Errc::charter_wrong_cell,
                               "commit for epoch " + std::to_string(decoded->epoch) + " names another cell"));
  auto hash = commit_hash(commit.bytes);
  if (!hash) return rejected(std::move(hash).error());
  const std::uint64_t e = decoded->epoch;

  if (e <= state_.epoch) {
    if (*hash == hashes_[e - 1]) return with_status(OfferStatus::duplicate);
    OfferOutcome out = compete(*decoded, commit, *hash);
    if (out.switched_at) drain(out);
    return out;
  }
  if (e > state_.epoch + 1) return buffer(*decoded, commit, *hash);

  auto next = apply(state_, commit);
  if (!next) return rejected(std::move(next).error());
  OfferOutcome out = with_status(OfferStatus::applied);
  accept(commit, *hash, std::move(next).value());
  out.applied.push_back(e);
  drain(out);
  return out;
}

}  // namespace parley::charter
