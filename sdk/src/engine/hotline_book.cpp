// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/hotline_book.hpp"

#include <algorithm>

#include "channels/channel_rules.hpp"
#include "hotline/codec.hpp"

namespace parley::engine {

TimeMs receiver_time(TimeMs sent_at, TimeMs received_at, TimeMs max_skew_ms) {
  return std::clamp(sent_at, received_at - max_skew_ms, received_at);
}

hotline::AckTracker* HotlineBook::tracker(const CellId& cell, const std::string& channel) {
  auto key = std::make_pair(cell, channel);
  if (auto it = trackers_.find(key); it != trackers_.end()) return &it->second;
  auto built = build_tracker(cell, channel);
  if (!built) return nullptr;
  if (book_.staging()) return &scratch_tracker_.emplace(std::move(*built));
  return &trackers_.emplace(std::move(key), std::move(*built)).first->second;
}

ChannelHotline* HotlineBook::channel(const CellId& cell, const std::string& channel) {
  auto key = std::make_pair(cell, channel);
  if (auto it = channels_.find(key); it != channels_.end()) return &it->second;
  auto built = build_channel(cell, channel);
  if (!built) return nullptr;
  if (book_.staging()) return &scratch_channel_.emplace(std::move(*built));
  return &channels_.emplace(std::move(key), std::move(*built)).first->second;
}

void HotlineBook::load_all_trackers() {
  for (const CellId& cell : book_.ids())
    for (const auto& [channel, record] : book_.find(cell)->state().channels)
      if (record.policy.ack_required && !trackers_.count({cell, channel})) (void)tracker(cell, channel);
}

std::optional<TimeMs> HotlineBook::next_deadline() {
  load_all_trackers();
  std::optional<TimeMs> next;
  for (const auto& [key, t] : trackers_)
    if (auto d = t.next_deadline()) next = std::min(next.value_or(*d), *d);
  return next;
}

std::optional<hotline::AckTracker> HotlineBook::build_tracker(const CellId& cell, const std::string& channel) {
  const charter::CharterLog* log = book_.find(cell);
  if (!log) return std::nullopt;
  const auto* policy = channels::policy_at(log->state(), channel);
  if (!policy || !policy->ack_required) return std::nullopt;
  auto rows = store_.history(ByteView(cell), channel);
  if (!rows) return std::nullopt;
  hotline::AckTracker built(channel);
  // Messages first, then acknowledgements and receipts: the result does not depend on the
  // order in which they arrived.
  std::vector<std::pair<const store::HistoryRecord*, hotline::Body>> bodies;
  for (const auto& row : *rows) {
    const charter::CellState* then = book_.state_at(cell, row.epoch);
    if (!then) continue;
    const auto precedence = hotline::precedence_from_wire(row.precedence).value_or(hotline::Precedence::routine);
    const hotline::MessageRef ref{row.sender, row.message_id};
    if (row.kind == static_cast<std::uint8_t>(cells::ChannelMessageKind::text)) {
      (void)built.record_message(*then, ref, time_of(row.sent_at, row.received_at), precedence);
      continue;
    }
    auto body = hotline::decode_body(row.body);
    if (!body) continue;
    if (std::holds_alternative<hotline::DeconflictionNotice>(*body))
      (void)built.record_message(*then, ref, time_of(row.sent_at, row.received_at), precedence);
    else
      bodies.emplace_back(&row, std::move(*body));
  }
  for (const auto& [row, body] : bodies) {
    const charter::CellState* then = book_.state_at(cell, row->epoch);
    if (!then) continue;
    const TimeMs at = time_of(row->sent_at, row->received_at);
    if (const auto* ack = std::get_if<hotline::Acknowledgement>(&body))
      (void)built.record_ack(*then, ack->target, row->sender, at);
    else if (const auto* receipt = std::get_if<hotline::DeliveryReceipt>(&body))
      (void)built.record_receipt(*then, receipt->target, row->sender, at);
  }
  // Overdue pairs reported before a restart stay reported (the store remembers them).
  return built;
}

std::optional<ChannelHotline> HotlineBook::build_channel(const CellId& cell, const std::string& channel) {
  auto rows = store_.history(ByteView(cell), channel);
  if (!rows) return std::nullopt;
  ChannelHotline built;
  for (const auto& row : *rows) {
    if (row.kind != static_cast<std::uint8_t>(cells::ChannelMessageKind::hotline)) continue;
    const charter::CellState* then = book_.state_at(cell, row.epoch);
    if (!then) continue;
    const auto* user = then->user_of(row.sender);
    auto body = hotline::decode_body(row.body);
    if (!body || !user) continue;
    const hotline::MessageRef ref{row.sender, row.message_id};
    if (auto* operation = std::get_if<hotline::IncidentOperation>(&*body))
      // Incident operations keep the sender's clock: every device folds them in one order.
      built.incident_ops.push_back(hotline::IncidentEvent{ref, user->party, row.sent_at, std::move(*operation)});
    else if (auto* notice = std::get_if<hotline::DeconflictionNotice>(&*body))
      built.notices.push_back(
          hotline::NoticeRecord{ref, user->party, std::move(*notice), time_of(row.sent_at, row.received_at)});
  }
  return built;
}

}  // namespace parley::engine
