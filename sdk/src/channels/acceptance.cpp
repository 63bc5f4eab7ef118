// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/acceptance.hpp"

#include <string>

#include "cells/alerts.hpp"
#include "channels/attestation.hpp"
#include "channels/channel_rules.hpp"
#include "charter/policy.hpp"

namespace parley::channels {

namespace {

std::optional<Address> a_supervisor(const charter::CellState& state, const Address& self) {
  for (const auto& [device, record] : state.devices)
    if (device != self && state.is_supervisor_device(device)) return device;
  return std::nullopt;
}

Judgement refused(Event why) { return Judgement{Verdict::refused, std::move(why), {}}; }

PermissionDenied denied(const cells::ChannelMessage& message, const Address& sender, Errc code, std::string why) {
  return PermissionDenied{message.cell_id, message.channel, sender, make_error(code, std::move(why))};
}

}  // namespace

Judgement judge_received(const CellAtReceipt& cell, const Address& sender, const cells::ChannelMessage& message) {
  const charter::CharterLog& log = cell.log;
  if (message.epoch > log.epoch()) {
    // Sent under a charter this device has not seen yet: wait for it, and ask (the sender
    // has it; a supervisor device too).
    Judgement later{Verdict::later, std::nullopt, {{sender, log.epoch() + 1}}};
    if (auto supervisor = a_supervisor(log.state(), cell.self); supervisor && *supervisor != sender)
      later.resync_from.emplace_back(*supervisor, log.epoch() + 1);
    return later;
  }
  // An older epoch only within the window: a sender may not pick an old charter to escape
  // rules that hold now, nor replay posts of a long-gone membership.
  if (!cell.epoch_fresh)
    return refused(denied(message, sender, Errc::cell_epoch_stale,
                          "the post names charter epoch " + std::to_string(message.epoch) +
                              " but this device holds " + std::to_string(log.epoch()) +
                              ", beyond the freshness window"));
  if (log.hash_at(message.epoch) != message.head) {
    Judgement out = refused(cells::security_alert(
        message.cell_id, sender, message.epoch,
        make_error(Errc::cell_equivocation, "a channel message names a charter head this device did not apply at epoch " +
                                                std::to_string(message.epoch))));
    out.resync_from.emplace_back(sender, message.epoch);
    return out;
  }
  const charter::CellState* then = cell.then;
  const bool allowed_then = then && charter::may_post(*then, message.channel, sender);
  const bool allowed_now = charter::may_post(log.state(), message.channel, sender);
  if (!allowed_then || !allowed_now)
    return refused(denied(message, sender, Errc::cell_permission_denied,
                          std::string("the sender may not post on this channel ") +
                              (allowed_then ? "now" : "at the epoch it names")));
  // The stricter of then and now: a channel attested at either epoch needs the signature.
  const auto* policy_now = policy_at(log.state(), message.channel);
  const charter::CellState& strict = policy_now && policy_now->attested ? log.state() : *then;
  if (auto attested = check_attestation(strict, sender, message); !attested)
    return refused(DecryptFailed{sender, attested.error()});
  if (message.epoch < log.epoch() && acks_stricter_now(*then, log.state(), message.channel, sender))
    return refused(denied(message, sender, Errc::cell_epoch_stale,
                          "the post names epoch " + std::to_string(message.epoch) +
                              ", under which the channel asked fewer acknowledgements than now"));
  return Judgement{Verdict::accept, std::nullopt, {}};
}

}  // namespace parley::channels
