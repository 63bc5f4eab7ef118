// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's hotline layer (docs/hotline.md): acknowledgements and delivery receipts tracked
// per ack_required channel, overdue events on the engine's clock, escalation to the supervisor's
// devices, transcripts. Posts are attested in sdk/src/channels/attestation.hpp. The rules themselves live in
// sdk/src/hotline (pure); this file feeds them accepted posts and acts on their answers.
#include <algorithm>

#include "cells/codec.hpp"
#include "channels/channel_rules.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "engine/engine.hpp"
#include "hotline/attestation.hpp"
#include "hotline/codec.hpp"
#include "hotline/transcript.hpp"

namespace parley::engine {

namespace {

AckState to_public(hotline::PartyStatus status) {
  switch (status) {
    case hotline::PartyStatus::pending: return AckState::pending;
    case hotline::PartyStatus::acknowledged: return AckState::acknowledged;
    case hotline::PartyStatus::late: return AckState::late;
    case hotline::PartyStatus::overdue: return AckState::overdue;
  }
  return AckState::pending;
}

}  // namespace

// A hotline body from this device, checked by the very decoder every receiver runs (a
// field out of its limits is the caller's mistake: invalid_argument, or hotline_invalid_area).
Result<MessageId> Engine::post_hotline_body(const CellId& cell, std::string_view channel, const hotline::Body& body,
                                            Precedence precedence, TimeMs now, std::optional<MessageId> preset) {
  const Bytes bytes = hotline::encode(body);
  if (auto checked = hotline::decode_body(bytes); !checked) {
    if (checked.error().code == Errc::hotline_invalid_area) return std::move(checked).error();
    return make_error(Errc::invalid_argument, std::string(hotline::body_name(body)) + ": " + checked.error().message);
  }
  return post_message(cell, channel, cells::ChannelMessageKind::hotline, bytes, precedence, now, preset);
}

void Engine::send_receipts(TimeMs now) {
  for (const auto& r : hotline_.take_receipts()) {
    const charter::CharterLog* log = core_.book.find(r.cell);
    if (!log || !charter::may_post(log->state(), r.channel, core_.self)) continue;  // receipts are posts
    const Bytes body = hotline::encode(hotline::Body{hotline::DeliveryReceipt{r.target}});
    auto sent = post_message(r.cell, r.channel, cells::ChannelMessageKind::hotline, body, Precedence::routine, now);
    if (!sent) core_.emit(ProtocolError{sent.error()});
  }
}

Result<MessageId> Engine::acknowledge(const CellId& cell, std::string_view channel, const hotline::MessageRef& target,
                                      TimeMs now) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  hotline::AckTracker* t = hotline_.tracker(cell, std::string(channel));
  const hotline::TrackedMessage* tracked = t ? t->find(target) : nullptr;
  if (!tracked)
    return make_error(Errc::hotline_unknown_message, "no message awaiting acknowledgement with that sender and id on '" +
                                                         std::string(channel) + "'");
  const auto* user = log->state().user_of(core_.self);
  if (!user || !tracked->required.count(user->party))
    return make_error(Errc::hotline_party_not_required, "this device's party is not asked to acknowledge it");
  return post_hotline_body(cell, channel, hotline::Body{hotline::Acknowledgement{target}}, Precedence::routine, now);
}

std::map<std::string, AckState> Engine::ack_status(const CellId& cell, std::string_view channel,
                                                   const hotline::MessageRef& target, TimeMs now) {
  std::map<std::string, AckState> out;
  if (hotline::AckTracker* t = hotline_.tracker(cell, std::string(channel)))
    for (const auto& [party, status] : t->status(target, now)) out[party] = to_public(status);
  return out;
}

// --- transcripts ---------------------------------------------------------------------------------

// The attested posts of the channel sent in [from, to] (to == 0: no upper bound), with the
// whole charter so that a third party can check every signer offline (parley-verify).
Result<Bytes> Engine::export_transcript(const CellId& cell, std::string_view channel, TimeMs from, TimeMs to) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  const auto* policy = channels::policy_at(log->state(), channel);
  if (!policy || !policy->attested)
    return make_error(Errc::hotline_not_attested, "channel '" + std::string(channel) +
                                                      "' is not attested: its posts are deniable and carry no signatures");
  auto rows = core_.store.history(ByteView(cell), channel);
  if (!rows) return std::move(rows).error();
  hotline::Transcript transcript;
  transcript.cell_id = cell;
  transcript.channel = std::string(channel);
  transcript.from = from;
  transcript.to = to;
  transcript.commits = log->commits_from(1);
  // from == 0 tells the verifier the transcript holds every post from each sender's first;
  // that is only true if the channel was attested from its first post. Otherwise the window
  // starts at the first attested post (gaps after it are still detected).
  bool unattested_before = false;
  for (auto& row : *rows) {
    if (row.attestation.empty()) {
      unattested_before = unattested_before || transcript.messages.empty();
      continue;
    }
    if (row.sent_at < from || (to != 0 && row.sent_at > to)) continue;
    auto head = log->hash_at(row.epoch);
    if (!head) continue;
    transcript.messages.push_back(hotline::AttestedMessage{row.sender, row.message_id, row.epoch, *head, row.sent_at,
                                                           row.kind, row.precedence, row.post_number,
                                                           std::move(row.body), std::move(row.attestation)});
  }
  if (from == 0 && unattested_before) {
    TimeMs first = 0;
    for (const auto& m : transcript.messages)
      if (first == 0 || m.sent_at < first) first = m.sent_at;
    transcript.from = std::max<TimeMs>(first, 1);
  }
  if (transcript.messages.size() > hotline::kMaxTranscriptMessages)
    return make_error(Errc::limit_exceeded, "more than " + std::to_string(hotline::kMaxTranscriptMessages) +
                                                " messages in that window: export a shorter one");
  Bytes bytes = hotline::encode_transcript(transcript);
  for (auto& m : transcript.messages) crypto::wipe(m.body);
  return bytes;
}

// --- deadlines ------------------------------------------------------------------------------------

void Engine::check_ack_deadlines(TimeMs now) {
  Effects after;
  hotline_.for_each_tracker([&](const CellId& cell, const std::string& channel, hotline::AckTracker& t) {
    for (const auto& overdue : t.poll_overdue(now)) {
      auto seen = core_.store.overdue_marked(ByteView(cell), channel, overdue.message.sender, overdue.message.id, overdue.party);
      if (!seen || *seen) continue;
      auto escalated = core_.transact(after, [&]() -> Status {
        PARLEY_TRY(core_.store.overdue_mark(ByteView(cell), channel, overdue.message.sender, overdue.message.id, overdue.party));
        const charter::CharterLog* log = core_.book.find(cell);
        if (overdue.message.sender != core_.self || !log) return {};
        // The sender escalates its own message: the supervisor hears of it even where it
        // does not read the channel.
        const Bytes notice = hotline::encode(
            hotline::Body{hotline::EscalationNotice{overdue.message, overdue.party, overdue.deadline}});
        const Bytes envelope_body = cells::encode(cells::Escalation{cell, channel, notice});
        for (const auto& [device, record] : log->state().devices)
          if (device != core_.self && log->state().is_supervisor_device(device))
            PARLEY_TRY(identities_.queue_control(&log->state(), device, envelope::ContentKind::escalation, envelope_body, now, after));
        return {};
      });
      if (!escalated) {
        core_.emit(ProtocolError{escalated.error()});
        continue;
      }
      after.events.push_back(
          MessageOverdue{cell, channel, overdue.message.sender, overdue.message.id, overdue.party, overdue.deadline});
    }
  });
  core_.finish(after);
}

Status Engine::on_escalation(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto escalation = cells::decode_escalation(body);
  if (!escalation) {
    after.events.push_back(DecryptFailed{sender, escalation.error()});
    return {};
  }
  auto notice = hotline::decode_body(escalation->notice);
  const auto* e = notice ? std::get_if<hotline::EscalationNotice>(&*notice) : nullptr;
  const charter::CharterLog* log = core_.book.find(escalation->cell_id);
  // Only a member escalating its own message to a supervisor device is heard.
  if (!e || !log || !log->state().is_supervisor_device(core_.self) || !log->state().devices.count(sender) ||
      e->target.sender != sender)
    return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  // Checked against what this device knows: the deadline has passed on its own clock and the
  // party is one of the cell's. A supervisor device that reads the channel holds the message
  // itself: it hears the escalation only for a message it tracks whose party is overdue on its
  // own clock, so a member cannot escalate a message it never posted or that is not late (one
  // the relay kept from this device is not escalated; its own deadline reports it once it comes).
  bool party_known = false;
  for (const auto& [user, record] : log->state().users) party_known |= record.party == e->overdue_party;
  if (!party_known || e->deadline > now) return {};
  if (charter::may_read(log->state(), escalation->channel, core_.self)) {
    hotline::AckTracker* t = hotline_.tracker(escalation->cell_id, escalation->channel);
    if (!t) return {};
    const auto status = t->status(e->target, now);
    auto party = status.find(e->overdue_party);
    if (party == status.end() || party->second != hotline::PartyStatus::overdue) return {};
  }
  after.events.push_back(
      EscalationReceived{escalation->cell_id, escalation->channel, sender, e->target.id, e->overdue_party, e->deadline});
  return {};
}

}  // namespace parley::engine
