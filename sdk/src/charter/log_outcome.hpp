// SPDX-License-Identifier: GPL-3.0-or-later
// Small constructors for OfferOutcome shared by log.cpp and log_fork.cpp (private).
#pragma once

#include <algorithm>
#include <utility>

#include "charter/log.hpp"

namespace parley::charter::detail {

inline OfferOutcome rejected(Error error) {
  OfferOutcome out;
  out.status = OfferStatus::rejected;
  out.error = std::move(error);
  return out;
}

inline OfferOutcome with_status(OfferStatus status) {
  OfferOutcome out;
  out.status = status;
  return out;
}

// Fold the outcome of a commit placed as a side effect (a buffered or stray one) into the
// outcome of the call that unblocked it; its rejection becomes a discarded entry.
inline void merge(OfferOutcome& into, OfferOutcome from) {
  into.applied.insert(into.applied.end(), from.applied.begin(), from.applied.end());
  for (auto& proof : from.equivocations) into.equivocations.push_back(std::move(proof));
  for (auto& error : from.discarded) into.discarded.push_back(std::move(error));
  for (auto& commit : from.superseded) into.superseded.push_back(std::move(commit));
  if (from.status == OfferStatus::rejected && from.error) into.discarded.push_back(std::move(*from.error));
  if (from.switched_at)
    into.switched_at = into.switched_at ? std::min(*into.switched_at, *from.switched_at) : *from.switched_at;
}

}  // namespace parley::charter::detail
