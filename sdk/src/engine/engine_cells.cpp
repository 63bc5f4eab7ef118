// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's cell layer: charters over pairwise sessions, channel keys, channel messages.
// The rules are normative in docs/protocol.md ("Cells", "Channels"); comments here say why.
#include <algorithm>
#include <memory>

#include "cells/codec.hpp"
#include "charter/codec.hpp"
#include "charter/policy.hpp"
#include "crypto/keys.hpp"
#include "engine/alerts.hpp"
#include "engine/engine.hpp"
#include "envelope/envelope.hpp"
#include "hotline/ack_rule.hpp"

namespace parley::engine {

namespace {

constexpr std::size_t kMaxResyncCommits = 256;  // per ResyncRequest answer

// A device that an earlier epoch of the cell's charter lists and the current one does not.
// Its sender keys were dropped when the removal was applied (forget_peer_in_cell) and nothing
// it posts can be accepted any more: a key it sends is not installed again, and an envelope
// under one of its keys is neither held nor asked about. Installing the key again would only
// let replays of its old posts decrypt a second time (and each be refused as a new post).
bool removed_from(cells::CellBook& book, const CellId& cell, const Address& device) {
  const charter::CharterLog* log = book.find(cell);
  if (!log || log->state().devices.count(device)) return false;
  for (std::uint64_t epoch = 1; epoch < log->epoch(); ++epoch)
    if (const charter::CellState* then = book.state_at(cell, epoch); then && then->devices.count(device)) return true;
  return false;
}

bool contains(const std::vector<Address>& list, const Address& a) {
  return std::find(list.begin(), list.end(), a) != list.end();
}

Result<Bytes> private_key(store::DeviceStore& store) {
  auto identity = store.local_identity();
  if (!identity) return std::move(identity).error();
  return (*identity)->identity_private;
}

std::optional<Address> a_supervisor(const charter::CellState& state, const Address& self) {
  for (const auto& [device, record] : state.devices)
    if (device != self && state.is_supervisor_device(device)) return device;
  return std::nullopt;
}

const charter::ChannelPolicy* policy_at(const charter::CellState& state, std::string_view channel) {
  auto it = state.channels.find(std::string(channel));
  return it == state.channels.end() ? nullptr : &it->second.policy;
}

// Whether the channel's acknowledgement rule now asks more than at the epoch a post names
// (ack_required switched on, or a party added to those who must acknowledge): such a post
// would escape the rule, so it is refused (the stricter of then and now).
bool acks_stricter_now(const charter::CellState& then, const charter::CellState& now, std::string_view channel,
                       const Address& sender) {
  const auto* policy_now = policy_at(now, channel);
  if (!policy_now || !policy_now->ack_required) return false;
  const auto* policy_then = policy_at(then, channel);
  if (!policy_then || !policy_then->ack_required) return true;
  const auto required_then = hotline::required_ack_parties(then, channel, sender);
  for (const auto& party : hotline::required_ack_parties(now, channel, sender))
    if (!required_then.count(party)) return true;
  return false;
}

}  // namespace

Status Engine::queue_control(const charter::CellState* state, const Address& to, envelope::ContentKind kind, Bytes body,
                             TimeMs now, Effects& after) {
  if (state) PARLEY_TRY(bind_session(*state, to, after));
  envelope::Content content;
  content.message_id = new_message_id();
  content.sent_at = now;
  content.kind = kind;
  content.body = std::move(body);
  auto queued = queue_pairwise(to, content, now, /*quiet=*/true, after);
  crypto::wipe(content.body);
  return queued;
}

// --- commands ------------------------------------------------------------------------------

Result<CellId> Engine::create_cell(charter::SeedCellOptions options, TimeMs now) {
  auto identity = store_.local_identity();
  if (!identity) return std::move(identity).error();
  options_.random(options.cell_id);
  options.supervisor = self_;
  options.supervisor_key = (*identity)->identity_public;
  options.time_ms = now;
  auto genesis = charter::sign_commit(charter::seeds_cell_genesis(options), (*identity)->identity_private);
  if (!genesis) return std::move(genesis).error();
  auto log = charter::CharterLog::from_genesis(std::span(&*genesis, 1), options.cell_id);
  if (!log) return std::move(log).error();

  Effects after;
  auto done = transact(after, [&]() -> Status {
    PARLEY_TRY(cells::CellBook::persist(store_, options.cell_id, *log, 1, now));
    PARLEY_TRY(adopt_charter_keys(options.cell_id, nullptr, log->state(), after));
    const Bytes welcome = cells::encode(cells::Welcome{options.cell_id, log->commits_from(1)});
    for (const auto& [device, record] : log->state().devices)
      if (device != self_)
        PARLEY_TRY(queue_control(&log->state(), device, envelope::ContentKind::welcome, welcome, now, after));
    return {};
  });
  if (!done) return std::move(done).error();
  after.events.push_back(CharterChanged{options.cell_id, 1, true});
  book_.put(options.cell_id, std::move(*log));
  finish(after);
  return options.cell_id;
}

Status Engine::commit(const CellId& cell, std::vector<charter::Operation> operations, TimeMs now) {
  const charter::CharterLog* current = book_.find(cell);
  if (!current) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  if (!current->state().is_supervisor_device(self_))
    return make_error(Errc::charter_not_authorized, "only a supervisor device of the cell commits");
  auto key = private_key(store_);
  if (!key) return std::move(key).error();
  const charter::CellState& before = current->state();
  charter::Commit next{cell, before.epoch + 1, before.head, self_, now, std::move(operations)};
  auto signed_commit = charter::sign_commit(next, *key);
  crypto::wipe(*key);
  if (!signed_commit) return std::move(signed_commit).error();
  charter::CharterLog log = *current;  // the book keeps the old log until the store has the new one
  auto outcome = log.offer(*signed_commit);
  if (outcome.status != charter::OfferStatus::applied)
    return outcome.error ? *outcome.error : make_error(Errc::internal, "own commit was not applied");

  Effects after;
  auto done = transact(after, [&]() -> Status {
    PARLEY_TRY(cells::CellBook::persist(store_, cell, log, log.epoch(), now));
    PARLEY_TRY(adopt_charter_keys(cell, &before, log.state(), after));
    const Bytes commit_bytes = charter::encode_signed_commit(*signed_commit);
    std::optional<Bytes> welcome;
    // Removed devices get the commit that removes them too: it tells them to stop.
    std::set<Address> targets;
    for (const auto& [device, record] : before.devices) targets.insert(device);
    for (const auto& [device, record] : log.state().devices) targets.insert(device);
    for (const auto& device : targets) {
      if (device == self_) continue;
      // A device re-added under a new key is a new device: it gets a Welcome, and the
      // commit goes to it only under the key the charter bound when it was sent.
      const auto old_record = before.devices.find(device);
      const auto new_record = log.state().devices.find(device);
      const bool rekeyed = old_record != before.devices.end() && new_record != log.state().devices.end() &&
                           old_record->second.identity_key != new_record->second.identity_key;
      if (old_record == before.devices.end() || rekeyed) {
        if (!welcome) welcome = cells::encode(cells::Welcome{cell, log.commits_from(1)});
        PARLEY_TRY(queue_control(&log.state(), device, envelope::ContentKind::welcome, *welcome, now, after));
      } else {
        const charter::CellState& bound = new_record != log.state().devices.end() ? log.state() : before;
        PARLEY_TRY(queue_control(&bound, device, envelope::ContentKind::charter_commit, commit_bytes, now, after));
      }
    }
    return {};
  });
  if (!done) return std::move(done).error();
  after.events.push_back(CharterChanged{cell, log.epoch(), false});
  book_.put(cell, std::move(log));
  finish(after);
  return {};
}

Result<MessageId> Engine::post(const CellId& cell, std::string_view channel, std::string_view text, TimeMs now,
                               Precedence precedence) {
  return post_message(cell, channel, cells::ChannelMessageKind::text, as_bytes(text), precedence, now);
}

Result<MessageId> Engine::post_message(const CellId& cell, std::string_view channel, cells::ChannelMessageKind kind,
                                       ByteView body, Precedence precedence, TimeMs now,
                                       std::optional<MessageId> preset) {
  const charter::CharterLog* log = book_.find(cell);
  if (!log) return make_error(Errc::cell_unknown, "no cell with that id on this device");
  if (body.size() > cells::kMaxChannelBodyBytes)
    return make_error(Errc::invalid_argument, "message is " + std::to_string(body.size()) + " bytes, limit " +
                                                  std::to_string(cells::kMaxChannelBodyBytes));
  const charter::CellState& state = log->state();
  if (!charter::may_post(state, channel, self_))
    return make_error(Errc::cell_permission_denied,
                      "this device may not post on channel '" + std::string(channel) + "' at epoch " +
                          std::to_string(state.epoch));
  if (newer_epochs_.count(cell)) {
    // This device heard of a newer charter and lacks it (a removal, perhaps): its keys may
    // no longer be for these readers. The post waits, durably, until the commit is here.
    const MessageId id = preset ? *preset : new_message_id();
    PARLEY_TRY(store_.queued_post_put(store::QueuedPost{0, Bytes(cell.begin(), cell.end()), std::string(channel),
                                                        static_cast<std::uint8_t>(kind), Bytes(body.begin(), body.end()),
                                                        static_cast<std::uint8_t>(precedence), id, now}));
    posts_queued_ = true;
    return id;
  }
  const std::vector<Address> readers = charter::readers(state, channel);
  std::vector<Address> others;
  for (const auto& r : readers)
    if (r != self_) others.push_back(r);

  cells::ChannelMessage message;
  message.cell_id = cell;
  message.channel = std::string(channel);
  message.epoch = state.epoch;
  message.head = state.head;
  message.message_id = preset ? *preset : new_message_id();
  message.sent_at = now;
  message.kind = kind;
  message.precedence = static_cast<std::uint8_t>(precedence);
  message.body.assign(body.begin(), body.end());

  Effects after;
  std::vector<MessageId> distributions;  // this post's key distributions, by pairwise message id
  auto done = transact(after, [&]() -> Status {
    distributions.clear();
    auto stored = store_.send_key_get(ByteView(cell), channel);
    if (!stored) return std::move(stored).error();
    store::ChannelSendKey key;
    bool fresh = !stored->has_value();
    if (!fresh) {
      key = **stored;
      // A device that held this generation and may no longer read: everything it could
      // decrypt ends here, so the next message needs a key it never saw.
      for (const auto& d : key.distributed)
        if (!contains(readers, d)) fresh = true;
      if (key.sent_count >= options_.rotate_after_messages || now - key.created_at >= options_.rotate_after_ms)
        fresh = true;
    }
    if (fresh) {
      const bool had = stored->has_value();
      key = store::ChannelSendKey{had ? (*stored)->generation + 1 : 1, {}, 0, now, had ? (*stored)->next_post : 1};
      PARLEY_TRY(store_.sent_distributions_prune(ByteView(cell), channel, key.generation));
    }
    message.post_number = key.next_post;
    PARLEY_TRY(attest(state, message));
    const Bytes group = cells::group_id(cell, channel, key.generation);
    auto tag = cells::key_tag(cell, channel, key.generation);
    if (!tag) return std::move(tag).error();
    PARLEY_TRY(store_.key_tag_put(ByteView(*tag), store::KeyTagRecord{Bytes(cell.begin(), cell.end()),
                                                                        std::string(channel), key.generation}));
    std::vector<Address> missing;
    for (const auto& r : others)
      if (!contains(key.distributed, r)) missing.push_back(r);
    // A new generation needs this device's own key even when no one else reads the channel
    // yet: own_distribution creates it, and readers added later get it as it stands then.
    if (fresh || !missing.empty()) {
      auto distribution = sender_keys_.own_distribution(group, self_);
      if (!distribution) return std::move(distribution).error();
      envelope::Content content;
      content.sent_at = now;
      content.kind = envelope::ContentKind::sender_key_distribution;
      content.body = cells::encode(
          cells::KeyDistribution{cell, std::string(channel), key.generation, *distribution, key.next_post});
      crypto::wipe(*distribution);
      for (const auto& r : missing) {
        content.message_id = new_message_id();
        PARLEY_TRY(bind_session(state, r, after));
        PARLEY_TRY(queue_pairwise(r, content, now, /*quiet=*/true, after));
        distributions.push_back(content.message_id);
        // Kept (encrypted at rest) so that a reader who lost it can be sent the very same key.
        PARLEY_TRY(store_.sent_distribution_put(ByteView(cell), channel, key.generation, r, content.body));
        key.distributed.push_back(r);
      }
      crypto::wipe(content.body);
    }
    Bytes plain = cells::encode(message);
    auto sealed = sender_keys_.encrypt(group, self_, plain);
    crypto::wipe(plain);
    if (!sealed) return std::move(sealed).error();
    envelope::Envelope env{envelope::CipherType::sender_key, std::move(*sealed), *tag};
    if (!others.empty()) {
      store::OutboxItem item{message.message_id, others, envelope::encode(env), now};
      PARLEY_TRY(store_.outbox_put(item));
      after.sends.push_back(std::move(item));
    }
    key.sent_count += 1;
    key.next_post += 1;
    PARLEY_TRY(store_.send_key_put(ByteView(cell), channel, key));
    auto added = store_.history_add(store::HistoryRecord{
        Bytes(cell.begin(), cell.end()), std::string(channel), self_, message.message_id, message.epoch, now, now,
        static_cast<std::uint8_t>(message.kind), message.body, message.post_number, message.precedence,
        message.attestation});
    if (!added) return std::move(added).error();
    return {};
  });
  if (done) track_accepted(self_, message, now, after);
  crypto::wipe(message.body);
  if (!done) return std::move(done).error();
  if (others.empty()) {
    // Nothing goes to the relay, so no SendAck will report it: it is as sent as it gets.
    after.events.push_back(MessageSent{message.message_id, self_});
  } else if (!distributions.empty()) {
    // MessageSent waits for the key too: a reader without a pairwise session gets it only
    // once its prekey bundle has arrived, possibly well after the envelope itself.
    posts_awaiting_keys_[message.message_id].distributions.insert(distributions.begin(), distributions.end());
    for (const auto& d : distributions) distribution_post_[d] = message.message_id;
  }
  finish(after);
  return message.message_id;
}

Result<std::vector<store::HistoryRecord>> Engine::history(const CellId& cell, std::string_view channel) const {
  return store_.history(ByteView(cell), channel);
}

Result<std::uint32_t> Engine::send_generation(const CellId& cell, std::string_view channel) const {
  auto key = store_.send_key_get(ByteView(cell), channel);
  if (!key) return std::move(key).error();
  return key->has_value() ? (*key)->generation : 0u;
}

// --- pairwise control traffic ----------------------------------------------------------------

Status Engine::on_control(const Address& sender, const envelope::Content& content, TimeMs now, Effects& after) {
  switch (content.kind) {
    case envelope::ContentKind::charter_commit:
      return on_charter_commit(sender, content.body, now, after);
    case envelope::ContentKind::welcome:
      return on_welcome(sender, content.body, now, after);
    case envelope::ContentKind::sender_key_distribution:
      return on_distribution(sender, content.body, after);
    case envelope::ContentKind::resync_request:
      return on_resync(sender, content.body, now, after);
    case envelope::ContentKind::posts_request:
      return on_posts_request(sender, content.body, now, after);
    case envelope::ContentKind::posts_resend:
      return on_posts_resend(sender, content.body, now, after);
    case envelope::ContentKind::key_request:
      return on_key_request(sender, content.body, now, after);
    case envelope::ContentKind::proposal:
      return on_proposal(sender, content.body, now, after);
    case envelope::ContentKind::escalation:
      return on_escalation(sender, content.body, now, after);
    case envelope::ContentKind::text:
      break;
  }
  return {};
}

Status Engine::request_resync(const cells::CellId& cell, const Address& to, TimeMs now, Effects& after) {
  const charter::CharterLog* log = book_.find(cell);
  if (!log || to == self_) return {};
  return queue_control(&log->state(), to, envelope::ContentKind::resync_request,
                       cells::encode(cells::ResyncRequest{cell, log->epoch() + 1}), now, after);
}

// Untrusted input: every failure here is an event, never an error (an error would roll back
// the pairwise decryption and lose the delivery for nothing).
Status Engine::on_charter_commit(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto signed_commit = charter::decode_signed_commit(body);
  if (!signed_commit) {
    after.events.push_back(DecryptFailed{sender, signed_commit.error()});
    return {};
  }
  auto decoded = charter::decode_commit(signed_commit->bytes);
  if (!decoded) {
    after.events.push_back(DecryptFailed{sender, decoded.error()});
    return {};
  }
  const CellId cell = decoded->cell_id;
  const charter::CharterLog* current = book_.find(cell);
  if (!current) return {};  // not (yet) a member: the welcome carries everything
  charter::CharterLog log = *current;
  const std::uint64_t before = log.epoch();
  auto outcome = log.offer(*signed_commit);
  for (const auto& proof : outcome.equivocations) {
    SecurityAlert a = security_alert(cell, sender, proof.epoch,
                                     make_error(Errc::cell_equivocation, "two validly signed commits for epoch " +
                                                                             std::to_string(proof.epoch)));
    a.applied = charter::encode_signed_commit(proof.applied);
    a.conflicting = charter::encode_signed_commit(proof.conflicting);
    after.events.push_back(std::move(a));
  }
  switch (outcome.status) {
    case charter::OfferStatus::rejected:
      // The next epoch on a branch this device does not hold yet (e.g. a supervisor re-basing
      // its commit on the winner of a race that has not arrived here): ask the sender for its
      // commits from the current epoch, once per epoch; the winner then switches this device.
      if (outcome.error->code == Errc::charter_broken_chain && decoded->epoch == before + 1 &&
          current->state().is_supervisor_device(sender) && !broken_chain_asked_.count({cell, before})) {
        after.on_commit.push_back([this, cell, before](Effects&) { broken_chain_asked_.insert({cell, before}); });
        return queue_control(&current->state(), sender, envelope::ContentKind::resync_request,
                             cells::encode(cells::ResyncRequest{cell, before}), now, after);
      }
      after.events.push_back(security_alert(cell, sender, decoded->epoch, *outcome.error));
      return {};
    case charter::OfferStatus::buffered:
      book_.put(cell, log);  // the buffer is memory only; resync refills it after a restart
      return request_resync(cell, sender, now, after);
    case charter::OfferStatus::duplicate:
    case charter::OfferStatus::equivocation:
      return {};
    case charter::OfferStatus::superseded:
      report_superseded(cell, outcome.superseded, now, after);
      return {};
    case charter::OfferStatus::switched: {
      // Two supervisor devices committed one epoch; the lowest hash won everywhere, and this
      // device had applied the other: replace the chain from there, then bind keys anew.
      const std::uint64_t from = outcome.switched_at.value_or(before + 1);
      PARLEY_TRY(store_.commits_delete_from(ByteView(cell), from));
      PARLEY_TRY(cells::CellBook::persist(store_, cell, log, from, now));
      PARLEY_TRY(adopt_charter_keys(cell, &current->state(), log.state(), after));
      report_superseded(cell, outcome.superseded, now, after);
      after.on_commit.push_back([this, cell, epoch = log.epoch()](Effects&) { caught_up(cell, epoch); });
      after.events.push_back(CharterChanged{cell, log.epoch(), false});
      book_.rewrite(cell, std::move(log));
      after.retry_held = true;
      return {};
    }
    case charter::OfferStatus::applied:
      break;
  }
  report_superseded(cell, outcome.superseded, now, after);
  PARLEY_TRY(cells::CellBook::persist(store_, cell, log, before + 1, now));
  PARLEY_TRY(adopt_charter_keys(cell, &current->state(), log.state(), after));
  after.on_commit.push_back([this, cell, epoch = log.epoch()](Effects&) { caught_up(cell, epoch); });
  after.events.push_back(CharterChanged{cell, log.epoch(), false});
  book_.put(cell, std::move(log));
  after.retry_held = true;
  return {};
}

void Engine::report_superseded(const CellId& cell, const std::vector<charter::SignedCommit>& lost, TimeMs now,
                               Effects& after) {
  for (const auto& commit : lost) {
    auto decoded = charter::decode_commit(commit.bytes);
    if (!decoded || decoded->author != self_) continue;
    after.rebases.push_back({cell, std::move(*decoded), now});
  }
}

void Engine::rebase_lost_commit(const LostCommit& lost) {
  const charter::CharterLog* log = book_.find(lost.cell);
  if (!log) return;
  const auto winners = log->commits_from(lost.commit.epoch);
  if (!winners.empty()) {
    // Both supervisor devices committed the same change (e.g. accepted one proposal): done.
    auto winner = charter::decode_commit(winners.front().bytes);
    if (winner && winner->operations == lost.commit.operations) return;
  }
  auto again = commit(lost.cell, lost.commit.operations, lost.now);
  if (again) return;
  emit(security_alert(lost.cell, self_, lost.commit.epoch,
                      make_error(Errc::charter_out_of_order,
                                 "this device's commit for epoch " + std::to_string(lost.commit.epoch) +
                                     " lost to another supervisor device's commit (lowest hash wins) and could not "
                                     "be committed again on it: " + again.error().message)));
}

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
  const charter::CharterLog* log = book_.find(d->cell_id);
  if (log && removed_from(book_, d->cell_id, sender)) {
    crypto::wipe(d->distribution);
    return {};
  }
  if (log) {
    auto bound = sender_bound(log->state(), sender, after);
    if (!bound || !*bound) {
      crypto::wipe(d->distribution);
      if (!bound) return std::move(bound).error();
      return {};
    }
  }
  const pairwise::SenderKeyName name{cells::group_id(d->cell_id, d->channel, d->generation), sender};
  if (auto installed = sender_keys_.install_distribution(name, d->distribution); !installed) {
    crypto::wipe(d->distribution);
    if (installed.error().code == Errc::store_io || installed.error().code == Errc::store_corrupt)
      return std::move(installed).error();
    after.events.push_back(DecryptFailed{sender, installed.error()});
    return {};
  }
  crypto::wipe(d->distribution);
  auto tag = cells::key_tag(d->cell_id, d->channel, d->generation);
  if (!tag) return std::move(tag).error();
  PARLEY_TRY(store_.key_tag_put(ByteView(*tag), store::KeyTagRecord{Bytes(d->cell_id.begin(), d->cell_id.end()),
                                                                      d->channel, d->generation}));
  // The first key of a sender on a channel says where its posts start for this device:
  // earlier ones were never meant for it, so they are not gaps.
  auto cursor = store_.cursor_get(ByteView(d->cell_id), d->channel, sender);
  if (!cursor) return std::move(cursor).error();
  if (!cursor->has_value()) PARLEY_TRY(store_.cursor_put(ByteView(d->cell_id), d->channel, sender, d->next_post));
  after.retry_held = true;
  return {};
}

Status Engine::on_resync(const Address& sender, ByteView body, TimeMs now, Effects& after) {
  auto request = cells::decode_resync(body);
  if (!request) {
    after.events.push_back(DecryptFailed{sender, request.error()});
    return {};
  }
  const charter::CharterLog* log = book_.find(request->cell_id);
  // Only current members get the charter; commits are signed, so any member may answer.
  if (!log || !log->state().devices.count(sender) || request->from_epoch > log->epoch()) return {};
  auto bound = sender_bound(log->state(), sender, after);
  if (!bound) return std::move(bound).error();
  if (!*bound) return {};
  auto commits = log->commits_from(request->from_epoch);
  if (commits.size() > kMaxResyncCommits) commits.resize(kMaxResyncCommits);
  for (const auto& commit : commits)
    PARLEY_TRY(queue_control(&log->state(), sender, envelope::ContentKind::charter_commit,
                             charter::encode_signed_commit(commit), now, after));
  return {};
}

// --- channel messages ----------------------------------------------------------------------

Result<bool> Engine::on_channel_envelope(const Address& sender, const envelope::Envelope& env, TimeMs now,
                                         Effects& after) {
  auto record = store_.key_tag_get(ByteView(*env.key_tag));
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
  auto has = sender_keys_.has_key(name);
  if (!has) return std::move(has).error();
  if (!book_.find(cell)) return true;
  // The tag names (cell, channel, generation) but not the sender: another poster's key may
  // be here and this sender's not yet.
  if (!*has && removed_from(book_, cell, sender)) return false;
  if (!*has) {
    PARLEY_TRY(request_key(sender, *env.key_tag, now, after));
    return true;
  }

  PARLEY_TRY(begin_txn());
  // Every path below either commits (accepted or an exact replay) or rolls back so that the
  // sender-key chain is untouched and the envelope can be tried again or refused again. A
  // rollback keeps the verdict (why it was refused, what to ask for), nothing else.
  auto refuse = [&]() {
    rollback_txn();
    after = std::move(after).verdicts();
  };
  auto plain = sender_keys_.decrypt(name, env.ciphertext);
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
  if (auto committed = commit_txn(after); !committed) {
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
  const charter::CharterLog* log = book_.find(cell);
  if (!log) return Acceptance::refused;
  if (message.epoch > log->epoch()) {
    // Sent under a charter this device has not seen yet: wait for it, and ask (the sender
    // has it; a supervisor device too). Sends on the cell wait until it is here.
    heard_of_epoch(cell, message.epoch, sender, now);
    after.asks.push_back({sender, cells::ResyncRequest{cell, log->epoch() + 1}, now});
    if (auto supervisor = a_supervisor(log->state(), self_); supervisor && *supervisor != sender)
      after.asks.push_back({*supervisor, cells::ResyncRequest{cell, log->epoch() + 1}, now});
    return Acceptance::later;
  }
  // An older epoch only within the window: a sender may not pick an old charter to escape
  // rules that hold now, nor replay posts of a long-gone membership.
  auto fresh = epoch_fresh(cell, message.epoch, log->epoch(), now);
  if (!fresh) return std::move(fresh).error();
  if (!*fresh) {
    after.events.push_back(PermissionDenied{
        cell, message.channel, sender,
        make_error(Errc::cell_epoch_stale, "the post names charter epoch " + std::to_string(message.epoch) +
                                               " but this device holds " + std::to_string(log->epoch()) +
                                               ", beyond the freshness window")});
    return Acceptance::refused;
  }
  if (log->hash_at(message.epoch) != message.head) {
    after.events.push_back(security_alert(
        cell, sender, message.epoch,
        make_error(Errc::cell_equivocation,
                   "a channel message names a charter head this device did not apply at epoch " +
                       std::to_string(message.epoch))));
    // Ask the sender for its commits from that epoch: the conflicting signed commit turns
    // this suspicion into a proof (CharterLog reports it as an equivocation).
    after.asks.push_back({sender, cells::ResyncRequest{cell, message.epoch}, now});
    return Acceptance::refused;
  }
  const charter::CellState* then = book_.state_at(cell, message.epoch);
  const bool allowed_then = then && charter::may_post(*then, message.channel, sender);
  const bool allowed_now = charter::may_post(log->state(), message.channel, sender);
  if (!allowed_then || !allowed_now) {
    after.events.push_back(PermissionDenied{
        cell, message.channel, sender,
        make_error(Errc::cell_permission_denied, std::string("the sender may not post on this channel ") +
                                                     (allowed_then ? "now" : "at the epoch it names"))});
    return Acceptance::refused;
  }
  // The stricter of then and now: a channel attested at either epoch needs the signature.
  const auto* attested_now = policy_at(log->state(), message.channel);
  const charter::CellState& strict = attested_now && attested_now->attested ? log->state() : *then;
  if (auto attested = check_attestation(strict, sender, message); !attested) {
    after.events.push_back(DecryptFailed{sender, attested.error()});
    return Acceptance::refused;
  }
  if (message.epoch < log->epoch() && acks_stricter_now(*then, log->state(), message.channel, sender)) {
    after.events.push_back(PermissionDenied{
        cell, message.channel, sender,
        make_error(Errc::cell_epoch_stale, "the post names epoch " + std::to_string(message.epoch) +
                                               ", under which the channel asked fewer acknowledgements than now")});
    return Acceptance::refused;
  }
  auto added = store_.history_add(store::HistoryRecord{
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
  after.on_commit.push_back([this, sender, copy, now](Effects& fx) { track_accepted(sender, *copy, now, fx); });
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
  while (retry_held_) {
    retry_held_ = false;
    auto held = store_.held_items();
    if (!held) {
      emit(ProtocolError{held.error()});
      return;
    }
    for (const auto& item : *held) {
      auto env = envelope::decode(item.payload);
      Effects after;
      Result<bool> hold = env ? on_channel_envelope(item.sender, *env, now, after) : Result<bool>(false);
      if (hold && *hold) {
        finish(after);
        continue;
      }
      if (!hold) emit(DecryptFailed{item.sender, hold.error()});
      (void)store_.held_remove(item.seq);
      held_changed_ = true;
      finish(after);
    }
  }
}

}  // namespace parley::engine
