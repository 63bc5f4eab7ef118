// SPDX-License-Identifier: GPL-3.0-or-later
// Stateless rules for charter values: what a name, grant, policy or operation may look like
// on its own, before any cell state is consulted. Decoders run these on every untrusted
// value; a violation is Errc::malformed_frame with a message naming the field and the rule.
//
//   cell name, display name  1..128 bytes of UTF-8 (shortest form, no surrogates), without
//                            control characters (U+0000..U+001F, U+007F..U+009F)
//   party                    1..32 bytes of [A-Za-z0-9_-]
//   user                     1..64 bytes of [A-Za-z0-9_-] (the address rule)
//   device number            1..2^31-1 (the address rule)
//   channel id               1..64 bytes of [a-z0-9_-], first byte [a-z0-9]
//   identity key             33 bytes, first byte 0x05
//   level                    1..32 bytes of [A-Za-z0-9_-]
#pragma once

#include <string_view>

#include "charter/model.hpp"
#include "parley/error.hpp"

namespace parley::charter {

Status check_cell_name(std::string_view name);
Status check_display_name(std::string_view name);
Status check_party(std::string_view party);
Status check_user(std::string_view user);
Status check_level(std::string_view level);
Status check_device(const Address& device);
Status check_channel_id(std::string_view channel);
Status check_identity_key(ByteView key);
Status check_grant(const Grant& grant);
Status check_policy(const ChannelPolicy& policy);
Status check_operation(const Operation& operation);

// Commit-level shape: operation count, genesis layout (epoch 1 <=> zero prev_hash and a
// CreateCell first; CreateCell nowhere else), time range.
Status check_commit_shape(const Commit& commit);
// Proposal shape: operation count; no CreateCell.
Status check_proposal_shape(const ProposalBody& proposal);

}  // namespace parley::charter
