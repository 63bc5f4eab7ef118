// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/precedence.hpp"

#include <algorithm>
#include <limits>

namespace parley::hotline {

std::string_view precedence_name(Precedence precedence) {
  switch (precedence) {
    case Precedence::routine: return "ROUTINE";
    case Precedence::priority: return "PRIORITY";
    case Precedence::immediate: return "IMMEDIATE";
    case Precedence::flash: return "FLASH";
  }
  return "UNKNOWN";
}

std::optional<Precedence> precedence_from_wire(std::uint8_t value) {
  if (value >= 1 && value <= 4) return static_cast<Precedence>(value);
  return std::nullopt;
}

std::uint32_t handling_limit_seconds(Precedence precedence) {
  switch (precedence) {
    case Precedence::routine: return 6 * 3600;
    case Precedence::priority: return 3 * 3600;
    case Precedence::immediate: return 30 * 60;
    case Precedence::flash: return 10 * 60;
  }
  return 10 * 60;  // unreachable for valid values; the shortest limit is the safe default
}

std::uint32_t effective_ack_seconds(std::uint32_t policy_deadline_seconds, Precedence precedence) {
  const std::uint32_t limit = handling_limit_seconds(precedence);
  return policy_deadline_seconds == 0 ? limit : std::min(policy_deadline_seconds, limit);
}

std::optional<TimeMs> ack_deadline(const charter::ChannelPolicy& policy, Precedence precedence, TimeMs sent_at) {
  if (!policy.ack_required) return std::nullopt;
  const TimeMs span = static_cast<TimeMs>(effective_ack_seconds(policy.ack_deadline_seconds, precedence)) * 1000;
  // sent_at is the sender's claim and may be anything a decoder accepted: never overflow.
  if (sent_at > std::numeric_limits<TimeMs>::max() - span) return std::numeric_limits<TimeMs>::max();
  return sent_at + span;
}

}  // namespace parley::hotline
