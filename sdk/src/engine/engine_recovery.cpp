// SPDX-License-Identifier: GPL-3.0-or-later
// Recovering channel traffic a relay lost (docs/protocol.md "Recovering lost messages").
// Every post carries its sender's post number on the channel; a receiver that sees a number
// above its cursor asks the sender for the gap, and the sender answers over the pairwise
// session with the posts the asker may read. An envelope whose key never came makes the
// receiver ask for the key again. Requests are throttled; answers are checked like any
// channel message, so a recovered post passes exactly the rules a live one does.
#include <algorithm>

#include "cells/codec.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "engine/engine.hpp"

namespace parley::engine {

namespace {

constexpr std::size_t kMaxAskedEntries = 4096;  // throttle memory; cleared when full
constexpr std::uint64_t kCursorScan = 256;      // history rows read per step of a cursor walk
constexpr std::size_t kMaxKeyRequestsPerSender = 8;  // per recovery_retry_ms

bool is_member_reader(const charter::CellState& state, std::string_view channel, const Address& device) {
  return state.devices.count(device) && charter::may_read(state, channel, device);
}

}  // namespace

Status Engine::note_post(const CellId& cell, const std::string& channel, const Address& sender, std::uint64_t post,
                         TimeMs now, Effects& after) {
  auto cursor = store_.cursor_get(ByteView(cell), channel, sender);
  if (!cursor) return std::move(cursor).error();
  // No cursor: this device never got a key announcing where the sender's posts start for
  // it, so it starts here rather than asking for posts it may never have been sent.
  const std::uint64_t next = cursor->value_or(post);
  if (post < next) return {};  // a late or resent copy of a post already accounted for
  if (post == next) return advance_cursor(cell, channel, sender, post + 1);

  const charter::CharterLog* log = book_.find(cell);
  if (!log || !log->state().devices.count(sender) || sender == self_) return {};
  const auto key = std::make_tuple(cell, channel, sender);
  auto asked = posts_asked_.find(key);
  if (asked != posts_asked_.end() && asked->second.to_post >= post - 1 &&
      now - asked->second.at < options_.recovery_retry_ms)
    return {};
  // Throttles count attempts, whether or not the transaction that made one commits.
  if (posts_asked_.size() >= kMaxAskedEntries) posts_asked_.clear();
  posts_asked_[key] = PostsAsked{post - 1, now};
  return queue_control(&log->state(), sender, envelope::ContentKind::posts_request,
                       cells::encode(cells::PostsRequest{cell, channel, next, post - 1}), now, after);
}

Status Engine::advance_cursor(const CellId& cell, const std::string& channel, const Address& sender,
                              std::uint64_t next_post) {
  // Posts above the cursor that arrived before the gap closed are already in history.
  for (;;) {
    auto rows = store_.history_posts(ByteView(cell), channel, sender, next_post, next_post + kCursorScan - 1);
    if (!rows) return std::move(rows).error();
    std::size_t used = 0;
    for (const auto& row : *rows) {
      if (row.post_number != next_post) break;
      ++next_post;
      ++used;
    }
    if (used < kCursorScan) break;
  }
  return store_.cursor_put(ByteView(cell), channel, sender, next_post);
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
  const charter::CharterLog* log = book_.find(cell);
  if (!log || !is_member_reader(log->state(), request->channel, sender)) return {};
  auto bound = sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  const Bytes current_key = log->state().devices.at(sender).identity_key;
  auto key = store_.send_key_get(ByteView(cell), request->channel);
  if (!key) return std::move(key).error();
  if (!key->has_value() || request->from_post >= (*key)->next_post) return {};
  const std::uint64_t last = std::min({request->to_post, (*key)->next_post - 1,
                                       request->from_post + cells::kMaxResendMessages - 1});
  auto rows = store_.history_posts(ByteView(cell), request->channel, self_, request->from_post, last);
  if (!rows) return std::move(rows).error();

  cells::PostsResend resend{cell, request->channel, last, {}};
  std::size_t payload = 0;
  for (auto& row : *rows) {
    // Only posts the asker could read when they were sent, as the same device: an address
    // that came back under another key is a new device, and its predecessor's history is
    // not its to have.
    const charter::CellState* then = book_.state_at(cell, row.epoch);
    if (!then || !charter::may_read(*then, request->channel, sender)) continue;
    if (auto was = then->devices.find(sender); was == then->devices.end() || was->second.identity_key != current_key)
      continue;
    const std::size_t cost = row.body.size() + 512;
    if (payload + cost > cells::kMaxResendPayloadBytes && !resend.messages.empty()) {
      resend.through_post = resend.messages.back().post_number;  // the rest in the next answer
      break;
    }
    payload += cost;
    auto head = log->hash_at(row.epoch);
    if (!head) continue;
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
  }
  Bytes answer = cells::encode(resend);
  for (auto& m : resend.messages) crypto::wipe(m.body);
  auto queued =
      queue_control(&log->state(), sender, envelope::ContentKind::posts_resend, std::move(answer), now, after);
  return queued;
}

Status Engine::on_posts_resend(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto resend = cells::decode_posts_resend(body);
  if (!resend) {
    after.events.push_back(DecryptFailed{sender, resend.error()});
    return {};
  }
  const CellId& cell = resend->cell_id;
  const charter::CharterLog* log = book_.find(cell);
  if (!log) return {};
  auto bound = sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto cursor = store_.cursor_get(ByteView(cell), resend->channel, sender);
  if (!cursor) return std::move(cursor).error();
  if (!cursor->has_value()) return {};  // never asked: nothing to account for
  std::sort(resend->messages.begin(), resend->messages.end(),
            [](const auto& a, const auto& b) { return a.post_number < b.post_number; });
  std::uint64_t through = resend->through_post;
  bool waiting = false;
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
    if (delivered) after.events.push_back(std::move(*delivered));
  }
  const std::uint64_t before = **cursor;
  if (through >= before) PARLEY_TRY(advance_cursor(cell, resend->channel, sender, through + 1));

  // A partial answer that made progress: ask for the rest of the gap now rather than at the
  // sender's next post. Waiting for a charter epoch: the next post asks again.
  const auto key = std::make_tuple(cell, resend->channel, sender);
  auto asked = posts_asked_.find(key);
  if (asked == posts_asked_.end()) return {};
  auto after_cursor = store_.cursor_get(ByteView(cell), resend->channel, sender);
  if (!after_cursor) return std::move(after_cursor).error();
  const std::uint64_t next = after_cursor->value_or(before);
  if (waiting || next > asked->second.to_post || next <= before) {
    posts_asked_.erase(asked);
    return {};
  }
  asked->second.at = now;
  return queue_control(book_.find(cell) ? &book_.find(cell)->state() : nullptr, sender,
                       envelope::ContentKind::posts_request,
                       cells::encode(cells::PostsRequest{cell, resend->channel, next, asked->second.to_post}), now,
                       after);
}

// Asked by `sender` for a key of this device it should hold: the exact distribution it was
// sent is sent again, to a device that still reads the channel.
Status Engine::on_key_request(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto request = cells::decode_key_request(body);
  if (!request) {
    after.events.push_back(DecryptFailed{sender, request.error()});
    return {};
  }
  auto record = store_.key_tag_get(ByteView(request->key_tag));
  if (!record) return std::move(record).error();
  if (!record->has_value() || (*record)->cell_id.size() != charter::kCellIdBytes) return {};
  CellId cell;
  std::copy((*record)->cell_id.begin(), (*record)->cell_id.end(), cell.begin());
  const charter::CharterLog* log = book_.find(cell);
  if (!log || !is_member_reader(log->state(), (*record)->channel, sender)) return {};
  auto bound = sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto sent = store_.sent_distribution_get(ByteView(cell), (*record)->channel, (*record)->generation, sender);
  if (!sent) return std::move(sent).error();
  if (!sent->has_value()) return {};
  auto queued =
      queue_control(&log->state(), sender, envelope::ContentKind::sender_key_distribution, **sent, now, after);
  crypto::wipe(**sent);
  return queued;
}

Status Engine::request_key(const Address& sender, const envelope::KeyTag& tag, TimeMs now, Effects& after) {
  if (sender == self_) return {};
  const auto key = std::make_pair(sender, tag);
  auto asked = keys_asked_.find(key);
  if (asked != keys_asked_.end() && now - asked->second < options_.recovery_retry_ms) return {};
  // Per sender, a few requests per retry period: junk tags from one device do not turn this
  // device into a flood of key requests.
  std::size_t recent = 0;
  for (auto it = keys_asked_.lower_bound({sender, envelope::KeyTag{}}); it != keys_asked_.end() && it->first.first == sender;
       ++it)
    if (now - it->second < options_.recovery_retry_ms) ++recent;
  if (recent >= kMaxKeyRequestsPerSender) return {};
  if (keys_asked_.size() >= kMaxAskedEntries) keys_asked_.clear();
  keys_asked_[key] = now;
  // Held envelopes are handled outside the delivery transaction: this request is its own.
  return transact(after, [&]() -> Status {
    // The tag names no cell this device knows yet: nothing to bind, and nothing secret sent.
    return queue_control(nullptr, sender, envelope::ContentKind::key_request, cells::encode(cells::KeyRequest{tag}), now,
                         after);
  });
}

}  // namespace parley::engine
