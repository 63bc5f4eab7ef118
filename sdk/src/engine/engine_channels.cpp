// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's channel layer: posting under this device's sender key, and receiving posts
// under others' keys. The rules live in sdk/src/channels (pure: which key, who lacks it,
// whether a received post is accepted); this file reads and writes the store around them.
// Normative: docs/protocol.md "Channels", "Freshness".
#include <memory>

#include "cells/codec.hpp"
#include "channels/acceptance.hpp"
#include "channels/attestation.hpp"
#include "channels/channel_rules.hpp"
#include "channels/send_key_plan.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "engine/engine.hpp"
#include "envelope/envelope.hpp"

namespace parley::engine {

// --- posting -----------------------------------------------------------------------------------

Result<MessageId> Engine::post(const CellId& cell, std::string_view channel, std::string_view text, TimeMs now,
                               Precedence precedence) {
  return post_message(cell, channel, cells::ChannelMessageKind::text, as_bytes(text), precedence, now);
}

Result<MessageId> Engine::post_message(const CellId& cell, std::string_view channel, cells::ChannelMessageKind kind,
                                       ByteView body, Precedence precedence, TimeMs now,
                                       std::optional<MessageId> preset) {
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  if (body.size() > cells::kMaxChannelBodyBytes)
    return make_error(Errc::invalid_argument, "message is " + std::to_string(body.size()) + " bytes, limit " +
                                                  std::to_string(cells::kMaxChannelBodyBytes));
  const charter::CellState& state = log->state();
  if (!charter::may_post(state, channel, core_.self))
    return make_error(Errc::cell_permission_denied,
                      "this device may not post on channel '" + std::string(channel) + "' at epoch " +
                          std::to_string(state.epoch));
  if (core_.epochs.behind(cell)) {
    // This device heard of a newer charter and lacks it (a removal, perhaps): its keys may
    // no longer be for these readers. The post waits, durably, until the commit is here.
    const MessageId id = preset ? *preset : core_.new_message_id();
    PARLEY_TRY(core_.store.queued_post_put(store::QueuedPost{0, Bytes(cell.begin(), cell.end()), std::string(channel),
                                                        static_cast<std::uint8_t>(kind), Bytes(body.begin(), body.end()),
                                                        static_cast<std::uint8_t>(precedence), id, now}));
    posts_queued_ = true;
    return id;
  }
  const std::vector<Address> readers = charter::readers(state, channel);
  std::vector<Address> others;
  for (const auto& r : readers)
    if (r != core_.self) others.push_back(r);

  cells::ChannelMessage message;
  message.cell_id = cell;
  message.channel = std::string(channel);
  message.epoch = state.epoch;
  message.head = state.head;
  message.message_id = preset ? *preset : core_.new_message_id();
  message.sent_at = now;
  message.kind = kind;
  message.precedence = static_cast<std::uint8_t>(precedence);
  message.body.assign(body.begin(), body.end());

  Effects after;
  std::vector<MessageId> distributions;  // this post's key distributions, by pairwise message id
  auto done = core_.transact(after, [&]() -> Status {
    distributions.clear();
    auto stored = core_.store.send_key_get(ByteView(cell), channel);
    if (!stored) return std::move(stored).error();
    auto plan = channels::plan_send_key(*stored, others, core_.self,
                                        channels::Rotation{core_.options.rotate_after_messages, core_.options.rotate_after_ms}, now);
    store::ChannelSendKey& key = plan.key;
    const bool fresh = plan.fresh;
    const std::vector<Address>& missing = plan.missing;
    if (fresh) PARLEY_TRY(core_.store.sent_distributions_prune(ByteView(cell), channel, key.generation));
    for (const auto& gone : plan.departed) PARLEY_TRY(core_.store.reader_since_forget(ByteView(cell), channel, gone));
    message.post_number = key.next_post;
    if (auto identity = core_.store.local_identity(); !identity) {
      return std::move(identity).error();
    } else {
      PARLEY_TRY(channels::attest(state, core_.self, (*identity)->identity_private, message));
    }
    const Bytes group = cells::group_id(cell, channel, key.generation);
    auto tag = cells::key_tag(cell, channel, key.generation);
    if (!tag) return std::move(tag).error();
    PARLEY_TRY(core_.store.key_tag_put(ByteView(*tag), store::KeyTagRecord{Bytes(cell.begin(), cell.end()),
                                                                        std::string(channel), key.generation}));
    // A new generation needs this device's own key even when no one else reads the channel
    // yet: own_distribution creates it, and readers added later get it as it stands then.
    if (fresh || !missing.empty()) {
      auto distribution = core_.sender_keys.own_distribution(group, core_.self);
      if (!distribution) return std::move(distribution).error();
      envelope::Content content;
      content.sent_at = now;
      content.kind = envelope::ContentKind::sender_key_distribution;
      cells::KeyDistribution d{cell, std::string(channel), key.generation, std::move(*distribution), key.next_post};
      for (const auto& r : missing) {
        // Where r's share of this device's posts starts: a reader that lost its first key
        // asks for the posts from there (docs/protocol.md "Cursors").
        auto since = core_.store.reader_since_note(ByteView(cell), channel, r, key.next_post);
        if (!since) {
          crypto::wipe(d.distribution);
          return std::move(since).error();
        }
        d.first_post = *since;
        content.body = cells::encode(d);
        content.message_id = core_.new_message_id();
        auto sent = [&]() -> Status {
          PARLEY_TRY(identities_.bind_session(state, r, after));
          PARLEY_TRY(core_.queue_pairwise(r, content, now, /*quiet=*/true, after));
          // Kept (encrypted at rest) so that a reader who lost it can be sent the very same key.
          return core_.store.sent_distribution_put(ByteView(cell), channel, key.generation, r, content.body);
        }();
        crypto::wipe(content.body);
        if (!sent) {
          crypto::wipe(d.distribution);
          return sent;
        }
        distributions.push_back(content.message_id);
        key.distributed.push_back(r);
      }
      crypto::wipe(d.distribution);
    }
    Bytes plain = cells::encode(message);
    auto sealed = core_.sender_keys.encrypt(group, core_.self, plain);
    crypto::wipe(plain);
    if (!sealed) return std::move(sealed).error();
    envelope::Envelope env{envelope::CipherType::sender_key, std::move(*sealed), *tag};
    if (!others.empty()) {
      store::OutboxItem item{message.message_id, others, envelope::encode(env), now};
      PARLEY_TRY(core_.store.outbox_put(item));
      after.sends.push_back(std::move(item));
    }
    key.sent_count += 1;
    key.next_post += 1;
    PARLEY_TRY(core_.store.send_key_put(ByteView(cell), channel, key));
    auto added = core_.store.history_add(store::HistoryRecord{
        Bytes(cell.begin(), cell.end()), std::string(channel), core_.self, message.message_id, message.epoch, now, now,
        static_cast<std::uint8_t>(message.kind), message.body, message.post_number, message.precedence,
        message.attestation});
    if (!added) return std::move(added).error();
    return {};
  });
  if (done) tracking_.track_accepted(core_.self, message, now, after);
  crypto::wipe(message.body);
  if (!done) return std::move(done).error();
  if (others.empty()) {
    // Nothing goes to the relay, so no SendAck will report it: it is as sent as it gets.
    after.events.push_back(MessageSent{message.message_id, core_.self});
  } else if (!distributions.empty()) {
    // MessageSent waits for the key too: a reader without a pairwise session gets it only
    // once its prekey bundle has arrived, possibly well after the envelope itself.
    core_.reports.await_keys(message.message_id, distributions);
  }
  core_.finish(after);
  return message.message_id;
}

Result<std::vector<store::HistoryRecord>> Engine::history(const CellId& cell, std::string_view channel) const {
  return core_.store.history(ByteView(cell), channel);
}

Result<std::uint32_t> Engine::send_generation(const CellId& cell, std::string_view channel) const {
  auto key = core_.store.send_key_get(ByteView(cell), channel);
  if (!key) return std::move(key).error();
  return key->has_value() ? (*key)->generation : 0u;
}


// --- receiving ---------------------------------------------------------------------------------

// Installed under the pairwise sender that delivered it, whatever the payload says: that is
// the only binding between a sender key and its owner (pairwise/sender_keys.hpp). Whether
// that sender may POST is decided per message, so installing a non-poster's key is harmless.
Status Engine::on_distribution(const Address& sender, ByteView body, Effects& after) {
  auto d = cells::decode_distribution(body);
  if (!d) {
    after.events.push_back(DecryptFailed{sender, d.error()});
    return {};
  }
  // A key is only as good as the session it came over: it must be the member's own.
  const charter::CharterLog* log = core_.book.find(d->cell_id);
  if (log && channels::removed_from(core_.book, d->cell_id, sender)) {
    crypto::wipe(d->distribution);
    return {};
  }
  if (log) {
    auto bound = identities_.sender_bound(log->state(), sender, after);
    if (!bound || !*bound) {
      crypto::wipe(d->distribution);
      if (!bound) return std::move(bound).error();
      return {};
    }
  }
  const pairwise::SenderKeyName name{cells::group_id(d->cell_id, d->channel, d->generation), sender};
  if (auto installed = core_.sender_keys.install_distribution(name, d->distribution); !installed) {
    crypto::wipe(d->distribution);
    if (installed.error().code == Errc::store_io || installed.error().code == Errc::store_corrupt)
      return std::move(installed).error();
    after.events.push_back(DecryptFailed{sender, installed.error()});
    return {};
  }
  crypto::wipe(d->distribution);
  auto tag = cells::key_tag(d->cell_id, d->channel, d->generation);
  if (!tag) return std::move(tag).error();
  PARLEY_TRY(core_.store.key_tag_put(ByteView(*tag), store::KeyTagRecord{Bytes(d->cell_id.begin(), d->cell_id.end()),
                                                                      d->channel, d->generation}));
  // The first key of a sender on a channel says where its posts start for this device:
  // earlier ones were never meant for it, so they are not gaps.
  auto cursor = core_.store.cursor_get(ByteView(d->cell_id), d->channel, sender);
  if (!cursor) return std::move(cursor).error();
  // A first_post before next_post says this device was meant to read earlier posts whose key
  // it never got: the cursor starts there, and the next post asks for them.
  const std::uint64_t start = d->first_post != 0 ? d->first_post : d->next_post;
  if (!cursor->has_value()) PARLEY_TRY(core_.store.cursor_put(ByteView(d->cell_id), d->channel, sender, start));
  after.retry_held = true;
  return {};
}


Result<bool> Engine::on_channel_envelope(const Address& sender, const envelope::Envelope& env, TimeMs now,
                                         Effects& after) {
  auto record = core_.store.key_tag_get(ByteView(*env.key_tag));
  if (!record) return std::move(record).error();
  // Its key has not arrived: still on its way, lost (ask again), or never coming (this
  // device does not read the channel; the sender will not answer).
  if (!record->has_value()) {
    PARLEY_TRY(request_key(sender, *env.key_tag, now, after));
    return true;
  }
  const store::KeyTagRecord& rec = **record;
  if (rec.cell_id.size() != charter::kCellIdBytes) return make_error(Errc::store_corrupt, "stored key tag cell id");
  CellId cell;
  std::copy(rec.cell_id.begin(), rec.cell_id.end(), cell.begin());
  const pairwise::SenderKeyName name{cells::group_id(cell, rec.channel, rec.generation), sender};
  auto has = core_.sender_keys.has_key(name);
  if (!has) return std::move(has).error();
  if (!core_.book.find(cell)) return true;
  // The tag names (cell, channel, generation) but not the sender: another poster's key may
  // be here and this sender's not yet.
  if (!*has && channels::removed_from(core_.book, cell, sender)) return false;
  if (!*has) {
    PARLEY_TRY(request_key(sender, *env.key_tag, now, after));
    return true;
  }

  PARLEY_TRY(core_.begin_txn());
  // Every path below either commits (accepted or an exact replay) or rolls back so that the
  // sender-key chain is untouched and the envelope can be tried again or refused again. A
  // rollback keeps the verdict (why it was refused, what to ask for), nothing else.
  auto refuse = [&]() {
    core_.rollback_txn();
    after = std::move(after).verdicts();
  };
  auto plain = core_.sender_keys.decrypt(name, env.ciphertext);
  if (!plain) {
    refuse();
    if (plain.error().code != Errc::duplicate_message) after.events.push_back(DecryptFailed{sender, plain.error()});
    return false;
  }
  auto message = cells::decode_channel_message(*plain);
  crypto::wipe(*plain);
  if (!message) {
    refuse();
    after.events.push_back(DecryptFailed{sender, message.error()});
    return false;
  }
  if (message->cell_id != cell || message->channel != rec.channel) {
    refuse();
    after.events.push_back(DecryptFailed{sender, make_error(Errc::malformed_frame,
                                                            "channel message does not match the key it came under")});
    return false;
  }
  std::optional<Event> delivered;
  auto accepted = accept_channel_message(sender, *message, now, after, delivered);
  crypto::wipe(message->body);
  if (!accepted) {
    refuse();
    return std::move(accepted).error();
  }
  if (*accepted == Acceptance::refused || *accepted == Acceptance::later) {
    refuse();  // the resync asks it decided on go out in a transaction of their own (finish)
    return *accepted == Acceptance::later;
  }
  if (auto committed = core_.commit_txn(after); !committed) {
    after = std::move(after).verdicts();
    return std::move(committed).error();
  }
  if (delivered) after.events.push_back(std::move(*delivered));
  return false;
}

Result<Engine::Acceptance> Engine::accept_channel_message(const Address& sender, const cells::ChannelMessage& message,
                                                          TimeMs now, Effects& after,
                                                          std::optional<Event>& delivered) {
  const CellId& cell = message.cell_id;
  const charter::CharterLog* log = core_.book.find(cell);
  if (!log) return Acceptance::refused;
  auto fresh = epoch_fresh(cell, message.epoch, log->epoch(), now);
  if (!fresh) return std::move(fresh).error();
  // A past state only for an epoch within the window: an old one would be folded from genesis.
  const charter::CellState* then =
      *fresh && message.epoch <= log->epoch() ? core_.book.state_at(cell, message.epoch) : nullptr;
  const auto judgement =
      channels::judge_received(channels::CellAtReceipt{*log, then, *fresh, core_.self}, sender, message);
  for (const auto& [to, from_epoch] : judgement.resync_from)
    after.asks.push_back({to, cells::ResyncRequest{cell, from_epoch}, now});
  if (judgement.event) after.events.push_back(*judgement.event);
  if (judgement.verdict == channels::Verdict::later) {
    // Sends on the cell wait until the commits are here (or the relay is said to withhold them).
    core_.epochs.heard_of(cell, message.epoch, sender, now);
    return Acceptance::later;
  }
  if (judgement.verdict == channels::Verdict::refused) return Acceptance::refused;
  auto added = core_.store.history_add(store::HistoryRecord{
      Bytes(cell.begin(), cell.end()), message.channel, sender, message.message_id, message.epoch, message.sent_at, now,
      static_cast<std::uint8_t>(message.kind), message.body, message.post_number, message.precedence,
      message.attestation});
  if (!added) return std::move(added).error();
  if (!*added) return Acceptance::duplicate;
  PARLEY_TRY(note_post(cell, message.channel, sender, message.post_number, now, after));
  // The hotline's trackers follow the store: they learn of the post once it is committed.
  std::shared_ptr<cells::ChannelMessage> copy(new cells::ChannelMessage(message), [](cells::ChannelMessage* m) {
    crypto::wipe(m->body);  // committed or not, the plaintext does not outlive the action
    delete m;
  });
  after.on_commit.push_back([this, sender, copy, now](Effects& fx) { tracking_.track_accepted(sender, *copy, now, fx); });
  if (message.kind == cells::ChannelMessageKind::text)
    delivered = ChannelMessageReceived{cell,
                                       message.channel,
                                       sender,
                                       message.message_id,
                                       message.epoch,
                                       message.sent_at,
                                       std::string(message.body.begin(), message.body.end()),
                                       static_cast<Precedence>(message.precedence)};
  return Acceptance::accepted;
}

void Engine::retry_held(TimeMs now) {
  retry_held_passes(now);
  flush_queued_posts(now);
  send_receipts(now);  // receipts are posts: only once no delivery transaction is open
}

void Engine::retry_held_passes(TimeMs now) {
  // Each pass may install nothing new; stop when a pass changes nothing.
  while (core_.retry_held) {
    core_.retry_held = false;
    auto held = core_.store.held_items();
    if (!held) {
      core_.emit(ProtocolError{held.error()});
      return;
    }
    for (const auto& item : *held) {
      auto env = envelope::decode(item.payload);
      Effects after;
      Result<bool> hold = env ? on_channel_envelope(item.sender, *env, now, after) : Result<bool>(false);
      if (hold && *hold) {
        core_.finish(after);
        continue;
      }
      if (!hold) core_.emit(DecryptFailed{item.sender, hold.error()});
      (void)core_.store.held_remove(item.seq);
      core_.held_changed = true;
      core_.finish(after);
    }
  }
}

}  // namespace parley::engine
