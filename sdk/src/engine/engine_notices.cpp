// SPDX-License-Identifier: GPL-3.0-or-later
// Deconfliction notices in the engine (docs/hotline.md "Deconfliction notices"). A notice is
// a hotline post; on an ack_required channel it is tracked like any message that needs the
// other parties' acknowledgement (deadlines, overdue, escalation). Each accepted notice is
// compared with the channel's others (hotline/deconfliction.hpp, pure): every device that
// holds both notices of a conflicting pair raises one NoticesConflict for it, whichever
// arrived first.
#include <algorithm>

#include "charter/policy.hpp"
#include "engine/engine.hpp"
#include "hotline/codec.hpp"
#include "hotline/deconfliction.hpp"

namespace parley::engine {

Result<MessageId> Engine::post_notice(const CellId& cell, std::string_view channel, DeconflictionNotice notice,
                                      Precedence precedence, TimeMs now) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  auto record = log->state().channels.find(std::string(channel));
  // A notice exists to be acknowledged: on a channel where nobody must, it would promise
  // what the SDK cannot keep.
  if (record != log->state().channels.end() && !record->second.policy.ack_required)
    return make_error(Errc::invalid_argument, "channel '" + std::string(channel) +
                                                  "' does not require acknowledgements: post deconfliction "
                                                  "notices on an ack_required channel");
  return post_hotline_body(cell, channel, hotline::Body{std::move(notice)}, precedence, now);
}

Result<std::vector<NoticeEntry>> Engine::notices(const CellId& cell, std::string_view channel) {
  if (!core_.book.find(cell)) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  std::vector<NoticeEntry> out;
  ChannelHotline* held = hotline_.channel(cell, std::string(channel));
  if (!held) return out;
  const auto conflicts = hotline::find_conflicts(held->notices);
  for (const auto& n : held->notices) {
    NoticeEntry entry{n.ref, n.party, n.sent_at, n.notice, {}};
    for (const auto& c : conflicts) {
      if (c.first == n.ref) entry.conflicts.push_back(c.second);
      if (c.second == n.ref) entry.conflicts.push_back(c.first);
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(), [](const NoticeEntry& a, const NoticeEntry& b) {
    return std::tie(a.sent_at, a.ref) < std::tie(b.sent_at, b.ref);
  });
  return out;
}

}  // namespace parley::engine
