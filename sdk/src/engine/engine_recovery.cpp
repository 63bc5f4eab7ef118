// SPDX-License-Identifier: GPL-3.0-or-later
// Recovering channel traffic a relay lost (docs/protocol.md "Recovering lost messages").
// Every post carries its sender's post number on the channel; a receiver that sees a number
// above its cursor asks the sender for the gap, and the sender answers over the pairwise
// session with the posts the asker may read. An envelope whose key never came makes the
// receiver ask for the key again. Requests are throttled; answers are checked like any
// channel message, so a recovered post passes exactly the rules a live one does.
#include <algorithm>
#include <set>

#include "cells/codec.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "cells/alerts.hpp"
#include "engine/engine.hpp"

namespace parley::engine {

namespace {

constexpr std::uint64_t kCursorScan = 256;  // history rows read per step of a cursor walk

bool is_member_reader(const charter::CellState& state, std::string_view channel, const Address& device) {
  return state.devices.count(device) && charter::may_read(state, channel, device);
}

}  // namespace

Status Engine::note_post(const CellId& cell, const std::string& channel, const Address& sender, std::uint64_t post,
                         TimeMs now, Effects& after) {
  auto cursor = core_.store.cursor_get(ByteView(cell), channel, sender);
  if (!cursor) return std::move(cursor).error();
  // No cursor: this device never got a key announcing where the sender's posts start for
  // it, so it starts here rather than asking for posts it may never have been sent.
  const std::uint64_t next = cursor->value_or(post);
  if (post < next) return {};  // a late or resent copy of a post already accounted for
  if (post == next) return advance_cursor(cell, channel, sender, post + 1);

  const charter::CharterLog* log = core_.book.find(cell);
  if (!log || !log->state().devices.count(sender) || sender == core_.self) return {};
  const GapKey gap{cell, channel, sender};
  switch (recovery_.on_gap(gap, post, now)) {
    case RecoveryThrottle::GapAsk::wait:
      return {};
    case RecoveryThrottle::GapAsk::ask_if_grew: {
      auto previous = core_.store.history_posts(ByteView(cell), channel, sender, post - 1, post - 1);
      if (!previous) return std::move(previous).error();
      const bool grew = previous->empty();
      for (auto& row : *previous) crypto::wipe(row.body);
      if (!grew) return {};
      break;
    }
    case RecoveryThrottle::GapAsk::ask:
      break;
  }
  recovery_.asked(gap, post - 1, now);
  return identities_.queue_control(&log->state(), sender, envelope::ContentKind::posts_request,
                       cells::encode(cells::PostsRequest{cell, channel, next, post - 1}), now, after);
}

Status Engine::advance_cursor(const CellId& cell, const std::string& channel, const Address& sender,
                              std::uint64_t next_post) {
  // Posts above the cursor that arrived before the gap closed are already in history.
  for (;;) {
    auto rows = core_.store.history_posts(ByteView(cell), channel, sender, next_post, next_post + kCursorScan - 1);
    if (!rows) return std::move(rows).error();
    std::size_t used = 0;
    for (const auto& row : *rows) {
      if (row.post_number != next_post) break;
      ++next_post;
      ++used;
    }
    if (used < kCursorScan) break;
  }
  return core_.store.cursor_put(ByteView(cell), channel, sender, next_post);
}

// Asked by `sender` for this device's own posts. Only a current reader is answered, and only
// with posts it could read when they were sent; the others are skipped by `through_post`.
Status Engine::on_posts_request(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto request = cells::decode_posts_request(body);
  if (!request) {
    after.events.push_back(DecryptFailed{sender, request.error()});
    return {};
  }
  const CellId& cell = request->cell_id;
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log || !is_member_reader(log->state(), request->channel, sender)) return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  const Bytes current_key = log->state().devices.at(sender).identity_key;
  auto key = core_.store.send_key_get(ByteView(cell), request->channel);
  if (!key) return std::move(key).error();
  if (!key->has_value() || request->from_post >= (*key)->next_post) return {};
  const std::uint64_t last = std::min({request->to_post, (*key)->next_post - 1,
                                       request->from_post + cells::kMaxResendMessages - 1});
  auto rows = core_.store.history_posts(ByteView(cell), request->channel, core_.self, request->from_post, last);
  if (!rows) return std::move(rows).error();

  // Every number the answer accounts for is either included or skipped with the epoch it was
  // sent under, so that the asker can check it could not read it (on_posts_resend). The answer
  // stops before a post it cannot show (not in history here) or one that does not fit.
  cells::PostsResend resend{cell, request->channel, 0, {}, {}};
  std::uint64_t expected = request->from_post;
  std::size_t payload = 0;
  for (auto& row : *rows) {
    if (row.post_number != expected) break;
    const charter::CellState* then = core_.book.state_at(cell, row.epoch);
    auto head = log->hash_at(row.epoch);
    if (!then || !head) break;
    // Only posts the asker could read when they were sent, as the same device: an address
    // that came back under another key is a new device, and its predecessor's history is
    // not its to have.
    const auto was = then->devices.find(sender);
    if (!charter::may_read(*then, request->channel, sender) || was == then->devices.end() ||
        was->second.identity_key != current_key) {
      resend.skipped.push_back(cells::SkippedPost{row.post_number, row.epoch});
      ++expected;
      continue;
    }
    const std::size_t cost = row.body.size() + 512;
    if (payload + cost > cells::kMaxResendPayloadBytes && !resend.messages.empty()) break;  // the rest next time
    payload += cost;
    cells::ChannelMessage message;
    message.cell_id = cell;
    message.channel = request->channel;
    message.epoch = row.epoch;
    message.head = *head;
    message.message_id = row.message_id;
    message.sent_at = row.sent_at;
    message.kind = static_cast<cells::ChannelMessageKind>(row.kind);
    message.body = std::move(row.body);
    message.post_number = row.post_number;
    message.precedence = row.precedence;
    message.attestation = std::move(row.attestation);
    resend.messages.push_back(std::move(message));
    ++expected;
  }
  for (auto& row : *rows) crypto::wipe(row.body);
  if (expected == request->from_post) return {};  // nothing this device can account for
  resend.through_post = expected - 1;
  Bytes answer = cells::encode(resend);
  for (auto& m : resend.messages) crypto::wipe(m.body);
  auto queued =
      identities_.queue_control(&log->state(), sender, envelope::ContentKind::posts_resend, std::move(answer), now, after);
  return queued;
}

Status Engine::on_posts_resend(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto resend = cells::decode_posts_resend(body);
  if (!resend) {
    after.events.push_back(DecryptFailed{sender, resend.error()});
    return {};
  }
  const CellId& cell = resend->cell_id;
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto cursor = core_.store.cursor_get(ByteView(cell), resend->channel, sender);
  if (!cursor) return std::move(cursor).error();
  if (!cursor->has_value()) return {};  // never asked: nothing to account for
  std::sort(resend->messages.begin(), resend->messages.end(),
            [](const auto& a, const auto& b) { return a.post_number < b.post_number; });
  std::uint64_t through = resend->through_post;
  bool waiting = false;
  std::set<std::uint64_t> answered;
  for (auto& message : resend->messages) {
    std::optional<Event> delivered;
    auto accepted = accept_channel_message(sender, message, now, after, delivered);
    crypto::wipe(message.body);
    if (!accepted) return std::move(accepted).error();
    if (*accepted == Acceptance::later) {
      through = message.post_number - 1;  // its charter epoch is on the way
      waiting = true;
      break;
    }
    answered.insert(message.post_number);
    if (delivered) after.events.push_back(std::move(*delivered));
  }
  const std::uint64_t before = **cursor;
  auto accounted = accounted_through(sender, *resend, answered, before, through, waiting, after);
  if (!accounted) return std::move(accounted).error();
  through = *accounted;
  if (through >= before) PARLEY_TRY(advance_cursor(cell, resend->channel, sender, through + 1));

  // A partial answer that made progress: ask for the rest of the gap now rather than at the
  // sender's next post. Waiting for a charter epoch: the next post asks again.
  const GapKey gap{cell, resend->channel, sender};
  const std::optional<std::uint64_t> to_post = recovery_.asked_to(gap);
  if (!to_post) return {};
  auto after_cursor = core_.store.cursor_get(ByteView(cell), resend->channel, sender);
  if (!after_cursor) return std::move(after_cursor).error();
  const std::uint64_t next = after_cursor->value_or(before);
  if (waiting || next > *to_post || next <= before) {
    recovery_.close(gap);
    return {};
  }
  recovery_.asked_rest(gap, now);
  return identities_.queue_control(core_.book.find(cell) ? &core_.book.find(cell)->state() : nullptr, sender,
                       envelope::ContentKind::posts_request,
                       cells::encode(cells::PostsRequest{cell, resend->channel, next, *to_post}), now, after);
}

Result<std::uint64_t> Engine::accounted_through(const Address& sender, const cells::PostsResend& resend,
                                                const std::set<std::uint64_t>& answered, std::uint64_t from,
                                                std::uint64_t through, bool& waiting, Effects& after) {
  // An honest answer covers at most one request's worth of numbers from the cursor.
  through = std::min(through, from + cells::kMaxResendMessages - 1);
  if (through < from) return through;
  auto held = core_.store.history_posts(ByteView(resend.cell_id), resend.channel, sender, from, through);
  if (!held) return std::move(held).error();
  std::set<std::uint64_t> known = answered;
  for (auto& row : *held) {
    crypto::wipe(row.body);
    known.insert(row.post_number);
  }
  for (std::uint64_t number = from; number <= through; ++number) {
    if (known.count(number)) continue;
    std::string why = "the answer neither includes nor skips it";
    SkipCheck check = SkipCheck::unproven;
    auto skip = std::find_if(resend.skipped.begin(), resend.skipped.end(),
                             [number](const cells::SkippedPost& s) { return s.post_number == number; });
    if (skip != resend.skipped.end()) {
      auto checked = check_skip(sender, resend, *skip, why);
      if (!checked) return std::move(checked).error();
      check = *checked;
    }
    if (check == SkipCheck::proven) continue;
    if (check == SkipCheck::later) {
      waiting = true;
    } else if (recovery_.first_unproven_skip(GapKey{resend.cell_id, resend.channel, sender}, number)) {
      const charter::CharterLog* log = core_.book.find(resend.cell_id);
      after.events.push_back(cells::security_alert(
          resend.cell_id, sender, log ? log->epoch() : 0,
          make_error(Errc::cell_posts_withheld, "post " + std::to_string(number) + " on " + resend.channel +
                                                    " was left out of a resend without proof: " + why)));
    }
    return number - 1;  // the cursor stays here: the next post asks again
  }
  return through;
}

// A skipped post is proven if, at the epoch it names, this device (under its own key) could not
// read the channel, and that epoch fits between the poster's neighbouring posts held here (a
// poster's posts name non-decreasing epochs) and is not older than this device's first epoch
// in the cell (nothing it was sent is). What remains open to a lying poster: an epoch next to a
// real change of this device's READ, within those bounds (docs/protocol.md).
Result<Engine::SkipCheck> Engine::check_skip(const Address& sender, const cells::PostsResend& resend,
                                             const cells::SkippedPost& skip, std::string& why) {
  const CellId& cell = resend.cell_id;
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return SkipCheck::later;
  const std::string epoch = "epoch " + std::to_string(skip.epoch);
  auto lower = core_.store.history_epoch_near(ByteView(cell), resend.channel, sender, skip.post_number, true);
  if (!lower) return std::move(lower).error();
  auto upper = core_.store.history_epoch_near(ByteView(cell), resend.channel, sender, skip.post_number, false);
  if (!upper) return std::move(upper).error();
  if (*upper && skip.epoch > **upper) {
    why = epoch + " is after that of the poster's next post (" + std::to_string(**upper) + ")";
    return SkipCheck::unproven;
  }
  if (skip.epoch > log->epoch()) return SkipCheck::later;
  if (*lower && skip.epoch < **lower) {
    why = epoch + " is before that of the poster's previous post (" + std::to_string(**lower) + ")";
    return SkipCheck::unproven;
  }
  auto identity = core_.store.local_identity();
  if (!identity) return std::move(identity).error();
  if (!*identity) return make_error(Errc::store_corrupt, "the device identity is missing");
  const Bytes& own_key = (*identity)->identity_public;
  auto listed = [&](const charter::CellState& state) {
    auto it = state.devices.find(core_.self);
    return it != state.devices.end() && it->second.identity_key == own_key;
  };
  const charter::CellState* then = core_.book.state_at(cell, skip.epoch);
  if (!then) return SkipCheck::later;
  if (listed(*then) && charter::may_read(*then, resend.channel, core_.self)) {
    why = "this device could read the channel at " + epoch;
    return SkipCheck::unproven;
  }
  if (*lower) return SkipCheck::proven;
  // Nothing of the poster's below it here: the epoch must not predate this device in the cell.
  charter::CellState state;
  std::uint64_t at = 0;
  for (const auto& commit : log->commits_from(1)) {
    if (++at > skip.epoch) break;
    auto next = charter::apply(state, commit);
    if (!next) return std::move(next).error();
    state = std::move(*next);
    if (listed(state)) return SkipCheck::proven;
  }
  why = epoch + " is before this device was in the cell";
  return SkipCheck::unproven;
}

// The recovery timer: a gap asked for whose answer has not come is asked for again, from the
// cursor as it is now; held envelopes ask again for their keys. Each waits twice as long as
// the last time, kMaxRecoveryAttempts times at most (then the poster's next post asks).
void Engine::retry_recovery(TimeMs now) {
  for (const auto& due : recovery_.gaps_due(now)) {
    // Named references, not a structured binding: clang before 16 cannot capture those.
    const GapKey& gap = due.first;
    const CellId& cell = std::get<0>(gap);
    const std::string& channel = std::get<1>(gap);
    const Address& poster = std::get<2>(gap);
    const std::uint64_t to_post = due.second;
    bool open = false;
    Effects after;
    auto sent = core_.transact(after, [&]() -> Status {
      open = false;
      const charter::CharterLog* log = core_.book.find(cell);
      auto cursor = core_.store.cursor_get(ByteView(cell), channel, poster);
      if (!cursor) return std::move(cursor).error();
      if (!log || !cursor->has_value() || **cursor > to_post) return {};  // closed meanwhile
      open = true;
      return identities_.queue_control(&log->state(), poster, envelope::ContentKind::posts_request,
                           cells::encode(cells::PostsRequest{cell, channel, **cursor, to_post}), now, after);
    });
    if (!sent) core_.emit(ProtocolError{sent.error()});
    core_.finish(after);
    if (!open && sent)
      recovery_.close(gap);
    else
      recovery_.retried(gap, now);  // counted even if it failed: no busy loop on a broken store
  }

  if (held_oldest() && recovery_.held_pass_due(now)) {
    recovery_.held_passed(now);
    core_.retry_held = true;  // each envelope still without its key asks for it again
    retry_held(now);
  }
}

void Engine::expire_held(TimeMs now) {
  auto held = core_.store.held_items();
  bool failed = !held;
  if (held) {
    for (const auto& item : *held) {
      if (now - item.received_at < core_.options.held_expiry_ms) continue;
      if (auto removed = core_.store.held_remove(item.seq); !removed) {
        core_.emit(ProtocolError{removed.error()});
        failed = true;
        continue;
      }
      core_.emit(DecryptFailed{item.sender, make_error(Errc::timeout, "a channel envelope waited " +
                                                                   std::to_string((now - item.received_at) / 1000) +
                                                                   " s for its key or charter epoch and was dropped")});
    }
  } else {
    core_.emit(ProtocolError{held.error()});
  }
  core_.held_changed = !failed;
  if (failed) held_oldest_.reset();  // not timed again until held envelopes change: no busy loop
}

// Asked by `sender` for a key of this device it should hold: the exact distribution it was
// sent is sent again, to a device that still reads the channel.
Status Engine::on_key_request(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto request = cells::decode_key_request(body);
  if (!request) {
    after.events.push_back(DecryptFailed{sender, request.error()});
    return {};
  }
  auto record = core_.store.key_tag_get(ByteView(request->key_tag));
  if (!record) return std::move(record).error();
  if (!record->has_value() || (*record)->cell_id.size() != charter::kCellIdBytes) return {};
  CellId cell;
  std::copy((*record)->cell_id.begin(), (*record)->cell_id.end(), cell.begin());
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log || !is_member_reader(log->state(), (*record)->channel, sender)) return {};
  auto bound = identities_.sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto sent = core_.store.sent_distribution_get(ByteView(cell), (*record)->channel, (*record)->generation, sender);
  if (!sent) return std::move(sent).error();
  if (!sent->has_value()) return {};
  auto queued =
      identities_.queue_control(&log->state(), sender, envelope::ContentKind::sender_key_distribution, **sent, now, after);
  crypto::wipe(**sent);
  return queued;
}

Status Engine::request_key(const Address& sender, const envelope::KeyTag& tag, TimeMs now, Effects& after) {
  if (sender == core_.self) return {};
  if (!recovery_.may_ask_key(sender, tag, now)) return {};
  // Held envelopes are handled outside the delivery transaction: this request is its own.
  return core_.transact(after, [&]() -> Status {
    // The tag names no cell this device knows yet: nothing to bind, and nothing secret sent.
    return identities_.queue_control(nullptr, sender, envelope::ContentKind::key_request, cells::encode(cells::KeyRequest{tag}), now,
                         after);
  });
}

}  // namespace parley::engine
