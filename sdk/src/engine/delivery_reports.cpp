// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/delivery_reports.hpp"

#include <algorithm>

namespace parley::engine {

namespace {

Error refusal_error(const wire::Refused& refused) {
  const std::string who = refused.recipient.to_string();
  switch (refused.code) {
    case Errc::unknown_device:
      return make_error(refused.code, "relay: recipient " + who + " is not registered at the relay");
    case Errc::mailbox_full:
      return make_error(refused.code, "relay: the mailbox of recipient " + who + " is full");
    default:
      return make_error(refused.code, "relay: refused recipient " + who);
  }
}

const wire::Refused* refusal_of(const std::vector<wire::Refused>& refused, const Address& recipient) {
  auto it = std::find_if(refused.begin(), refused.end(), [&](const wire::Refused& r) { return r.recipient == recipient; });
  return it == refused.end() ? nullptr : &*it;
}

}  // namespace

void DeliveryReports::transmitted(const MessageId& id, const std::vector<Address>& recipients) {
  if (!recipients.empty()) in_flight_[id] = recipients;
}

void DeliveryReports::await_keys(const MessageId& post, const std::vector<MessageId>& distributions) {
  if (distributions.empty()) return;
  posts_awaiting_keys_[post].distributions.insert(distributions.begin(), distributions.end());
  for (const auto& d : distributions) distribution_post_[d] = post;
}

void DeliveryReports::acknowledged(const MessageId& id, const std::vector<wire::Refused>& refused) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  const std::vector<Address> recipients = std::move(it->second);
  in_flight_.erase(it);
  // Only this Send's own recipients can be refused: a relay naming any other is ignored.
  std::vector<Address> took;
  std::vector<std::pair<Address, Error>> failed;
  for (const auto& r : recipients) {
    if (const wire::Refused* x = refusal_of(refused, r))
      failed.emplace_back(r, refusal_error(*x));
    else
      took.push_back(r);
  }
  if (quiet_.erase(id)) {
    // Control traffic is pairwise: one recipient, refused or not.
    settle_distribution(id, recipients.front(), failed.empty() ? nullptr : &failed.front().second);
    return;
  }
  for (const auto& [r, error] : failed) report_send_failed(id, r, error);
  // A SendAck that refuses everyone stored nothing (a conforming relay sends a Failure).
  if (took.empty()) {
    posts_awaiting_keys_.erase(id);
    return;
  }
  if (auto waiting = posts_awaiting_keys_.find(id); waiting != posts_awaiting_keys_.end()) {
    waiting->second.acked_for = took.front();
    if (waiting->second.distributions.empty()) {
      emit_(MessageSent{id, took.front()});
      posts_awaiting_keys_.erase(waiting);
    }
  } else {
    emit_(MessageSent{id, took.front()});
  }
}

void DeliveryReports::failed(const MessageId& id, const Error& error, const std::vector<wire::Refused>& refused) {
  std::vector<Address> recipients;
  if (auto it = in_flight_.find(id); it != in_flight_.end()) {
    recipients = std::move(it->second);
    in_flight_.erase(it);
  }
  if (settle_distribution(id, recipients.empty() ? Address{} : recipients.front(), &error)) return;
  quiet_.erase(id);
  if (recipients.empty()) recipients.push_back(Address{});  // unknown here (not sent on this connection)
  // The post reaches none of its readers: each one fails, with the relay's own reason for it
  // where the Failure names one.
  for (const auto& r : recipients) {
    const wire::Refused* x = refusal_of(refused, r);
    report_send_failed(id, r, x ? refusal_error(*x) : error);
  }
  posts_awaiting_keys_.erase(id);  // its distributions settle quietly from here on
}

void DeliveryReports::never_sent(const MessageId& id, const Address& peer, const Error& error) {
  if (!settle_distribution(id, peer, &error)) emit_(SendFailed{id, peer, error});
  quiet_.erase(id);
}

void DeliveryReports::report_send_failed(const MessageId& id, const Address& recipient, const Error& error) {
  auto waiting = posts_awaiting_keys_.find(id);
  if (waiting != posts_awaiting_keys_.end() && !waiting->second.failed.insert(recipient).second) return;
  emit_(SendFailed{id, recipient, error});
}

bool DeliveryReports::settle_distribution(const MessageId& id, const Address& recipient, const Error* failure) {
  auto d = distribution_post_.find(id);
  if (d == distribution_post_.end()) return false;
  const MessageId post = d->second;
  distribution_post_.erase(d);
  quiet_.erase(id);
  auto waiting = posts_awaiting_keys_.find(post);
  if (waiting == posts_awaiting_keys_.end()) return true;  // the post itself failed already
  // The app knows the post, not its control traffic: a reader who cannot get the key will
  // not read the post.
  if (failure) report_send_failed(post, recipient, *failure);
  waiting->second.distributions.erase(id);
  // Still waiting for the post's own SendAck: it may name this reader again, and it says
  // whom MessageSent is for.
  if (waiting->second.distributions.empty() && waiting->second.acked_for) {
    emit_(MessageSent{post, *waiting->second.acked_for});
    posts_awaiting_keys_.erase(waiting);
  }
  return true;
}

}  // namespace parley::engine
