// SPDX-License-Identifier: GPL-3.0-or-later
// Hotline tracking (hotline_tracking.hpp). The rules themselves live in sdk/src/hotline (pure);
// this file feeds them accepted posts.
#include "engine/hotline_tracking.hpp"

#include <algorithm>

#include "hotline/codec.hpp"
#include "hotline/deconfliction.hpp"

namespace parley::engine {

void HotlineTracking::track_accepted(const Address& sender, const cells::ChannelMessage& message, TimeMs received_at,
                            Effects& after) {
  const charter::CellState* then = core_.book.state_at(message.cell_id, message.epoch);
  if (!then) return;
  const TimeMs at = hotline_.time_of(message.sent_at, received_at);
  if (message.kind == cells::ChannelMessageKind::text) return track_for_acks(sender, message, *then, at);
  auto body = hotline::decode_body(message.body);
  if (!body) {
    after.events.push_back(DecryptFailed{sender, body.error()});
    return;
  }
  const auto* user = then->user_of(sender);
  const std::string party = user ? user->party : std::string();
  if (auto* operation = std::get_if<hotline::IncidentOperation>(&*body))
    // Incident operations keep the sender's clock: every device must fold them in one order
    // (a receiver's clock would make devices disagree). Taking over another party's incident
    // is closed by binding its id to the opening message (hotline::incident_id_for).
    return track_incident_operation(sender, party, message, message.sent_at, std::move(*operation), after);
  if (auto* notice = std::get_if<hotline::DeconflictionNotice>(&*body)) {
    track_notice(sender, party, message, at, std::move(*notice), after);
    return track_for_acks(sender, message, *then, at);
  }
  hotline::AckTracker* t = hotline_.tracker(message.cell_id, message.channel);
  if (!t) return;
  if (const auto* ack = std::get_if<hotline::Acknowledgement>(&*body)) {
    auto recorded = t->record_ack(*then, ack->target, sender, at);
    if (recorded && *recorded == hotline::AckOutcome::recorded && user)
      after.events.push_back(AcknowledgementReceived{message.cell_id, message.channel, ack->target.sender,
                                                     ack->target.id, user->party, sender});
    else if (!recorded && recorded.error().code != Errc::hotline_unknown_message)
      after.events.push_back(PermissionDenied{message.cell_id, message.channel, sender, recorded.error()});
  } else if (const auto* receipt = std::get_if<hotline::DeliveryReceipt>(&*body)) {
    (void)t->record_receipt(*then, receipt->target, sender, at);
  }
}

// A post that the readers of an ack_required channel must acknowledge (text or notice).
void HotlineTracking::track_for_acks(const Address& sender, const cells::ChannelMessage& message,
                            const charter::CellState& then, TimeMs at) {
  hotline::AckTracker* t = hotline_.tracker(message.cell_id, message.channel);
  if (!t) return;
  const hotline::MessageRef ref{sender, message.message_id};
  auto outcome = t->record_message(then, ref, at,
                                   hotline::precedence_from_wire(message.precedence).value_or(hotline::Precedence::routine));
  // duplicate: the tracker was just rebuilt from history, which already holds this post.
  if (outcome && *outcome != hotline::TrackOutcome::not_required && sender != core_.self)
    hotline_.receipt_due(ReceiptDue{message.cell_id, message.channel, ref});
}

void HotlineTracking::track_incident_operation(const Address& sender, const std::string& party,
                                      const cells::ChannelMessage& message, TimeMs at,
                                      hotline::IncidentOperation operation, Effects& after) {
  ChannelHotline* held = hotline_.channel(message.cell_id, message.channel);
  if (!held) return;
  const MessageRef ref{sender, message.message_id};
  const bool known = std::any_of(held->incident_ops.begin(), held->incident_ops.end(),
                                 [&](const hotline::IncidentEvent& e) { return e.ref == ref; });
  if (!known) held->incident_ops.push_back(hotline::IncidentEvent{ref, party, at, operation});
  after.events.push_back(IncidentUpdated{message.cell_id, message.channel, operation.incident, sender,
                                         message.message_id});
}

void HotlineTracking::track_notice(const Address& sender, const std::string& party, const cells::ChannelMessage& message,
                          TimeMs at, DeconflictionNotice notice, Effects& after) {
  ChannelHotline* held = hotline_.channel(message.cell_id, message.channel);
  if (!held) return;
  hotline::NoticeRecord incoming{MessageRef{sender, message.message_id}, party, std::move(notice), at};
  const bool known = std::any_of(held->notices.begin(), held->notices.end(),
                                 [&](const hotline::NoticeRecord& n) { return n.ref == incoming.ref; });
  if (sender != core_.self)
    after.events.push_back(NoticeReceived{message.cell_id, message.channel, sender, message.message_id, party,
                                          message.sent_at, static_cast<Precedence>(message.precedence),
                                          incoming.notice});
  for (const auto& c : hotline::conflicts_with(incoming, held->notices)) {
    const auto& other = c.first == incoming.ref ? c.second : c.first;
    auto it = std::find_if(held->notices.begin(), held->notices.end(),
                           [&](const hotline::NoticeRecord& n) { return n.ref == other; });
    const std::string& other_party = it == held->notices.end() ? std::string() : it->party;
    const bool incoming_first = c.first == incoming.ref;
    after.events.push_back(NoticesConflict{message.cell_id, message.channel, c.first, c.second,
                                           incoming_first ? party : other_party,
                                           incoming_first ? other_party : party});
  }
  if (!known) held->notices.push_back(std::move(incoming));
}

}  // namespace parley::engine
