// SPDX-License-Identifier: GPL-3.0-or-later
// Freshness and receiver time (docs/protocol.md "Freshness"). A post names the charter epoch
// it was sent under; a sender may not pick an old epoch to escape rules that hold now, and a
// relay may not keep a poster on an old epoch by withholding commits without being noticed.
#include <algorithm>

#include "crypto/keys.hpp"
#include "cells/alerts.hpp"
#include "engine/engine.hpp"

namespace parley::engine {

Result<bool> Engine::epoch_fresh(const CellId& cell, std::uint64_t epoch, std::uint64_t current, TimeMs now) const {
  if (epoch >= current) return true;
  if (current - epoch > core_.options.stale_epoch_window) return false;
  // The window closes a fixed time after this device applied the epoch that replaced it.
  auto applied = core_.store.commit_applied_at(ByteView(cell), epoch + 1);
  if (!applied) return std::move(applied).error();
  if (!applied->has_value()) return false;
  return now - **applied <= core_.options.stale_epoch_window_ms;
}

void Engine::check_withheld_commits(TimeMs now) {
  for (const auto& overdue : core_.epochs.take_overdue(now)) {
    const charter::CharterLog* log = core_.book.find(overdue.cell);
    if (!log) {  // no longer in the cell: nothing to wait for
      core_.epochs.forget(overdue.cell);
      continue;
    }
    core_.emit(cells::security_alert(overdue.cell, overdue.from, overdue.epoch,
                               make_error(Errc::cell_commits_withheld,
                                          "posts name charter epoch " + std::to_string(overdue.epoch) +
                                              " but this device holds " + std::to_string(log->epoch()) +
                                              " and the missing commits did not arrive within " +
                                              std::to_string(core_.options.withheld_commit_ms / 1000) +
                                              " s: the relay may be withholding them")));
  }
}

void Engine::flush_queued_posts(TimeMs now) {
  if (!posts_queued_) return;
  auto queued = core_.store.queued_posts();
  if (!queued) {
    core_.emit(ProtocolError{queued.error()});
    return;
  }
  std::size_t waiting = 0;
  for (auto& post : *queued) {
    CellId cell{};
    if (post.cell_id.size() != cell.size()) continue;
    std::copy(post.cell_id.begin(), post.cell_id.end(), cell.begin());
    if (core_.epochs.behind(cell)) {
      ++waiting;
      continue;
    }
    (void)now;
    // Under the charter this device holds now, with the time the app posted it.
    auto sent = post_message(cell, post.channel, static_cast<cells::ChannelMessageKind>(post.kind), post.body,
                             static_cast<Precedence>(post.precedence), post.created_at, post.message_id);
    crypto::wipe(post.body);
    if (!sent) core_.emit(SendFailed{post.message_id, core_.self, sent.error()});
    (void)core_.store.queued_post_remove(post.seq);
  }
  posts_queued_ = waiting > 0;
}


}  // namespace parley::engine
