// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/attestation.hpp"

#include "channels/channel_rules.hpp"
#include "crypto/keys.hpp"
#include "hotline/attestation.hpp"

namespace parley::channels {

namespace {

Result<hotline::AttestedFields> attested_fields(const cells::ChannelMessage& m, const Address& sender) {
  auto body_hash = crypto::sha256(ByteView(m.body));
  if (!body_hash) return std::move(body_hash).error();
  return hotline::AttestedFields{m.cell_id,   m.channel,  m.epoch, m.head, m.message_id, sender, m.sent_at,
                                 static_cast<std::uint8_t>(m.kind), m.precedence, m.post_number, *body_hash};
}

bool attested(const charter::CellState& state, std::string_view channel) {
  const auto* policy = policy_at(state, channel);
  return policy && policy->attested;
}

}  // namespace

Status attest(const charter::CellState& state, const Address& self, ByteView identity_private,
              cells::ChannelMessage& message) {
  if (!attested(state, message.channel)) return {};
  auto fields = attested_fields(message, self);
  if (!fields) return std::move(fields).error();
  auto signature = hotline::sign_attestation(*fields, identity_private);
  if (!signature) return std::move(signature).error();
  message.attestation = std::move(*signature);
  return {};
}

Status check_attestation(const charter::CellState& state, const Address& sender, const cells::ChannelMessage& message) {
  if (!attested(state, message.channel)) return {};
  if (message.attestation.empty())
    return make_error(Errc::hotline_not_attested, "a post on an attested channel carries no attestation");
  auto device = state.devices.find(sender);
  if (device == state.devices.end()) return make_error(Errc::invalid_signature, "the sender is not in the charter");
  auto fields = attested_fields(message, sender);
  if (!fields) return std::move(fields).error();
  if (!hotline::verify_attestation(*fields, device->second.identity_key, message.attestation))
    return make_error(Errc::invalid_signature, "the attestation does not verify under the sender's charter key");
  return {};
}

}  // namespace parley::channels
