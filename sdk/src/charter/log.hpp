// SPDX-License-Identifier: GPL-3.0-or-later
// CharterLog: one device's copy of one cell's charter. It takes commits in any order from
// anyone, applies them strictly in epoch order, buffers early ones (bounded), names the
// gap to request from the supervisor, ignores exact replays, settles races between
// supervisor devices by a deterministic tie-break (lowest commit hash wins, see offer()),
// and turns a second validly signed commit by the same device for an already-applied
// epoch into an EquivocationProof.
// Sans-IO and deterministic: no clock, no randomness, no threads.
#pragma once

#include <deque>
#include <set>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "charter/state.hpp"

namespace parley::charter {

struct EpochRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  bool operator==(const EpochRange&) const = default;
};

// Two different commits for one epoch of one cell, each signed by a device that was a
// supervisor device before that epoch (for the genesis: a supervisor device the applied
// genesis created). The supervisor has shown two histories; `applied` is the one this
// device kept. offer() raises one only when one device signed both commits (or for the
// genesis); a race between two supervisor devices is settled by the tie-break instead, and
// check_proof() refuses such a pair.
struct EquivocationProof {
  CellId cell_id{};
  std::uint64_t epoch = 0;
  SignedCommit applied;
  SignedCommit conflicting;
};

enum class OfferStatus {
  applied,       // the offered commit was applied (and maybe buffered successors after it)
  buffered,      // its epoch is in the future; it waits for the gap to fill (see missing())
  duplicate,     // exactly this commit (same hash) is already applied or buffered: ignored
  rejected,      // invalid; `error` says why; nothing changed
  equivocation,  // validly signed conflict with an applied epoch; `equivocations` has the proof
  superseded,    // a validly signed commit by another supervisor device for an applied epoch that
                 // lost the tie-break (higher hash): not applied; it is in `superseded`
  switched,      // the applied chain changed below its head: a competing commit won the tie-break
                 // (this one, or one it unblocked); see `switched_at` and `superseded`
};

struct OfferOutcome {
  OfferStatus status = OfferStatus::rejected;
  std::vector<std::uint64_t> applied;            // epochs applied by this call, ascending
  std::optional<Error> error;                    // set iff status == rejected
  std::vector<EquivocationProof> equivocations;  // the offered commit's, then any found in the buffer
  std::vector<Error> discarded;                  // buffered commits dropped by this call (invalid, evicted)
  // Set iff this call replaced applied commits: the first epoch whose commit changed. The
  // caller re-persists commits_from(*switched_at) and forgets stored epochs above epoch().
  std::optional<std::uint64_t> switched_at;
  // Validly signed commits that are not (or no longer) on this device's chain because they
  // lost a tie-break: the losing branch taken off by a switch (ascending epoch), or the
  // offered loser itself. Kept so the engine can re-base its own operations and report them.
  std::vector<SignedCommit> superseded;
};

class CharterLog {
 public:
  // At most this many early commits wait in the buffer, and at most kMaxCandidatesPerEpoch
  // of them for one epoch. When full, a commit for an epoch below the highest buffered
  // epoch evicts one commit of that highest epoch (the farthest from applicable, which
  // missing()/resync will bring again); any other commit is rejected (charter_buffer_full).
  // Buffered commits are unauthenticated until their turn: their author may not exist yet.
  static constexpr std::size_t kMaxBuffered = 64;
  static constexpr std::size_t kMaxCandidatesPerEpoch = 4;
  // Commits more than this far ahead of the head are rejected (charter_out_of_order): the
  // device is that far behind and should resynchronise.
  static constexpr std::uint64_t kMaxEpochsAhead = 4096;
  // A competing commit may replace at most this many applied commits (its epoch and the
  // ones chained after it). A deeper winner is rejected (charter_out_of_order) instead of
  // silently rewriting a long history that a relay withheld it from.
  static constexpr std::uint64_t kMaxReorgDepth = 16;
  // Commits for an epoch this device has applied, that build on a branch it does not hold
  // (their previous hash differs and their author differs from the applied commit's). They
  // wait, unauthenticated, for a switch to that branch; the oldest is dropped when full.
  static constexpr std::size_t kMaxStrays = 8;

  // Verify a whole charter from its genesis, in order (a welcome). Any invalid commit fails
  // the whole call with that commit's error, prefixed with its position. `expected_cell`
  // (from the welcome's sender) guards against being handed some other cell's charter.
  static Result<CharterLog> from_genesis(std::span<const SignedCommit> commits,
                                         std::optional<CellId> expected_cell = std::nullopt);

  // Offer one commit from anyone. Two validly signed commits for one epoch (>= 2) that
  // extend the same previous commit and come from different supervisor devices are a race,
  // not an equivocation: the one with the lowest commit hash (bytewise) wins on every device,
  // whatever the arrival order. A device that applied the loser switches to the winner
  // (status `switched`), dropping the loser and everything chained on it into `superseded`.
  OfferOutcome offer(const SignedCommit& commit);

  // The epochs to ask the supervisor for: from head+1 up to just before the lowest buffered
  // epoch. Empty when nothing is buffered.
  std::optional<EpochRange> missing() const;

  const CellState& state() const { return state_; }
  std::uint64_t epoch() const { return state_.epoch; }
  const Hash& head() const { return state_.head; }
  // The hash this device applied at `epoch` (1..epoch()); for comparing with the
  // (epoch, head) a channel message names.
  std::optional<Hash> hash_at(std::uint64_t epoch) const;
  // Applied commits from `epoch` to the head, in order; commits_from(1) is the whole charter.
  std::vector<SignedCommit> commits_from(std::uint64_t epoch) const;
  // The applied commit of `epoch` (1..epoch()), or nullptr.
  const SignedCommit* commit_at(std::uint64_t epoch) const;
  std::size_t buffered() const { return buffered_count_; }
  std::size_t strays() const { return strays_.size(); }
  // Whether any applied epoch listed `device` (the current one included). Answered from
  // memory: a removed device's traffic is recognised without folding past states, which a
  // stream of planted envelopes would otherwise make cost O(epochs^2) each.
  bool ever_listed(const Address& device) const { return ever_listed_.count(device) > 0; }

  // Check a proof received from elsewhere against this log's history: both commits decode,
  // are for proof.cell_id/proof.epoch (<= epoch()), differ, are no race between two devices,
  // and each is signed by a device that was a supervisor device then. Errors name the check.
  Status check_proof(const EquivocationProof& proof) const;

 private:
  struct Pending {
    SignedCommit commit;
    Hash hash{};
  };

  CharterLog() = default;
  void accept(const SignedCommit& commit, const Hash& hash, CellState next);
  // A commit `commit` (decoded as `decoded`, hash `hash`) for an applied epoch, differing from it.
  Result<EquivocationProof> conflict(const Commit& decoded, const SignedCommit& commit) const;
  Status signed_by_supervisor(const Commit& decoded, const SignedCommit& commit) const;
  void drain(OfferOutcome& out);
  OfferOutcome buffer(const Commit& decoded, const SignedCommit& commit, const Hash& hash);
  OfferOutcome place(const SignedCommit& commit);
  // Fork choice for a commit at an applied epoch that differs from the applied one (log_fork.cpp).
  OfferOutcome compete(const Commit& decoded, const SignedCommit& commit, const Hash& hash);
  OfferOutcome switch_to(const SignedCommit& commit, const Hash& hash, std::uint64_t epoch);
  OfferOutcome stray(const SignedCommit& commit);

  CellState state_;
  std::vector<SignedCommit> commits_;  // commits_[e - 1] applied at epoch e
  std::vector<Hash> hashes_;           // hashes_[e - 1]
  // supervisors_[e - 1]: supervisor devices and their keys after epoch e. Kept (small) so a
  // conflicting commit for an old epoch can be authenticated without refolding.
  std::vector<std::map<Address, Bytes>> supervisors_;
  // prior_[i]: the state before one of the last kMaxReorgDepth applied epochs (oldest first,
  // the back is the state before the head), so a switch needs no refold from the genesis.
  std::deque<CellState> prior_;
  std::vector<SignedCommit> strays_;
  // Every device an applied state listed (a branch given up in a switch included: a device
  // only it listed is not listed now either, so it counts as removed, which is harmless).
  std::set<Address> ever_listed_;
  std::map<std::uint64_t, std::vector<Pending>> buffer_;
  std::size_t buffered_count_ = 0;
};

}  // namespace parley::charter
