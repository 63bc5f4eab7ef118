// SPDX-License-Identifier: GPL-3.0-or-later
// Message precedence and the acknowledgement deadline it implies. The handling limits are
// the military messaging ones the hotline issue cites: a FLASH message must be handled in
// ten minutes whatever the channel's policy says.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "charter/model.hpp"
#include "parley/types.hpp"

namespace parley::hotline {

// Wire values (hotline.fbs and the attestation encoding use them): never renumber.
enum class Precedence : std::uint8_t { routine = 1, priority = 2, immediate = 3, flash = 4 };

std::string_view precedence_name(Precedence precedence);
// The enum for a wire byte; nullopt for unknown values (0 included).
std::optional<Precedence> precedence_from_wire(std::uint8_t value);

// Handling limit in seconds: ROUTINE 6 h, PRIORITY 3 h, IMMEDIATE 30 min, FLASH 10 min.
std::uint32_t handling_limit_seconds(Precedence precedence);

// The acknowledgement deadline in seconds: min(policy deadline, precedence limit). A policy
// deadline of 0 (no deadline set) means the precedence limit alone.
std::uint32_t effective_ack_seconds(std::uint32_t policy_deadline_seconds, Precedence precedence);

// The instant after which an unacknowledged message is overdue: sent_at + the effective
// deadline, saturating at the largest TimeMs. nullopt when the policy does not ask for
// acknowledgements (no deadline applies).
std::optional<TimeMs> ack_deadline(const charter::ChannelPolicy& policy, Precedence precedence, TimeMs sent_at);

}  // namespace parley::hotline
