// SPDX-License-Identifier: GPL-3.0-or-later
#include "events.hpp"

#include "hotline.hpp"

#include <type_traits>
#include <vector>

namespace parley::cabi {

namespace {

thread_local const parley_client* t_callback_client = nullptr;

// Each overload fills the fields one event kind uses; strings stay owned by the Event,
// which outlives the callback.
void fill_error(parley_event& out, const Error& e) {
  out.error_code = to_status(e.code);
  out.error_message = e.message.c_str();
}
void fill_peer(parley_event& out, const Address& a) {
  out.peer.user = a.user.c_str();
  out.peer.device = a.device;
}
void fill_text(parley_event& out, const std::string& text) {
  out.text = reinterpret_cast<const std::uint8_t*>(text.data());
  out.text_len = text.size();
}

void fill(parley_event& out, const Connected& e) {
  out.kind = PARLEY_EVENT_CONNECTED;
  out.count = e.prekeys_remaining;
}
void fill(parley_event& out, const Disconnected& e) {
  out.kind = PARLEY_EVENT_DISCONNECTED;
  fill_error(out, e.reason);
}
void fill(parley_event& out, const MessageReceived& e) {
  out.kind = PARLEY_EVENT_MESSAGE_RECEIVED;
  fill_peer(out, e.sender);
  out.id = from_message_id(e.id);
  out.sent_at_ms = e.sent_at;
  fill_text(out, e.text);
}
void fill(parley_event& out, const MessageSent& e) {
  out.kind = PARLEY_EVENT_MESSAGE_SENT;
  fill_peer(out, e.recipient);
  out.id = from_message_id(e.id);
}
void fill(parley_event& out, const SendFailed& e) {
  out.kind = PARLEY_EVENT_SEND_FAILED;
  fill_peer(out, e.recipient);
  out.id = from_message_id(e.id);
  fill_error(out, e.error);
}
void fill(parley_event& out, const DecryptFailed& e) {
  out.kind = PARLEY_EVENT_DECRYPT_FAILED;
  fill_peer(out, e.sender);
  fill_error(out, e.error);
}
void fill(parley_event& out, const PreKeysReplenished& e) {
  out.kind = PARLEY_EVENT_PREKEYS_REPLENISHED;
  out.count = e.count;
}
void fill(parley_event& out, const ProtocolError& e) {
  out.kind = PARLEY_EVENT_PROTOCOL_ERROR;
  fill_error(out, e.error);
}
void fill(parley_event& out, const ChannelMessageReceived& e) {
  out.kind = PARLEY_EVENT_CHANNEL_MESSAGE_RECEIVED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.sender);
  out.id = from_message_id(e.id);
  out.epoch = e.epoch;
  out.sent_at_ms = e.sent_at;
  fill_text(out, e.text);
  out.precedence = static_cast<parley_precedence>(e.precedence);
}
void fill(parley_event& out, const CharterChanged& e) {
  out.kind = PARLEY_EVENT_CHARTER_CHANGED;
  out.cell = from_cell_id(e.cell);
  out.epoch = e.epoch;
  out.joined = e.joined;
}
void fill(parley_event& out, const PermissionDenied& e) {
  out.kind = PARLEY_EVENT_PERMISSION_DENIED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.sender);
  fill_error(out, e.error);
}
void fill(parley_event& out, const SecurityAlert& e) {
  out.kind = PARLEY_EVENT_SECURITY_ALERT;
  out.cell = from_cell_id(e.cell);
  fill_peer(out, e.sender);
  out.epoch = e.epoch;
  fill_error(out, e.error);
  out.applied = e.applied.data();
  out.applied_len = e.applied.size();
  out.conflicting = e.conflicting.data();
  out.conflicting_len = e.conflicting.size();
}

void fill(parley_event& out, const AcknowledgementReceived& e) {
  out.kind = PARLEY_EVENT_ACKNOWLEDGEMENT_RECEIVED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.sender);
  out.id = from_message_id(e.id);
  out.party = e.party.c_str();
  out.by = parley_address{e.by.user.c_str(), e.by.device};
}
void fill(parley_event& out, const MessageOverdue& e) {
  out.kind = PARLEY_EVENT_MESSAGE_OVERDUE;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.sender);
  out.id = from_message_id(e.id);
  out.party = e.party.c_str();
  out.deadline_ms = e.deadline;
}
void fill(parley_event& out, const EscalationReceived& e) {
  out.kind = PARLEY_EVENT_ESCALATION_RECEIVED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.from);
  out.id = from_message_id(e.id);
  out.party = e.party.c_str();
  out.deadline_ms = e.deadline;
}

void fill(parley_event& out, const IncidentUpdated& e) {
  out.kind = PARLEY_EVENT_INCIDENT_UPDATED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.by);
  out.id = from_message_id(e.id);
  std::memcpy(out.incident.bytes, e.incident.data(), sizeof out.incident.bytes);
}
void fill(parley_event& out, const NoticeReceived& e, NoticeView& view) {
  out.kind = PARLEY_EVENT_NOTICE_RECEIVED;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.sender);
  out.id = from_message_id(e.id);
  out.party = e.party.c_str();
  out.sent_at_ms = e.sent_at;
  out.precedence = static_cast<parley_precedence>(e.precedence);
  fill_text(out, e.notice.description);
  fill_notice_view(e.notice, view);
  out.notice = &view.notice;
}
void fill(parley_event& out, const NoticesConflict& e) {
  out.kind = PARLEY_EVENT_NOTICES_CONFLICT;
  out.cell = from_cell_id(e.cell);
  out.channel = e.channel.c_str();
  fill_peer(out, e.first.sender);
  out.id = from_message_id(e.first.id);
  out.party = e.first_party.c_str();
  out.other = parley_address{e.second.sender.user.c_str(), e.second.sender.device};
  out.other_id = from_message_id(e.second.id);
  out.other_party = e.second_party.c_str();
}

// A C view of a proposal's changes; its arrays point into the event, which outlives it.
struct ProposalView {
  std::vector<parley_cell_member> add;
  std::vector<parley_address> remove;
  std::vector<parley_role_change> roles;
  parley_cell_proposal proposal{};
};

void fill(parley_event& out, const InvitationReceived& e) {
  const Invitation& i = e.invitation;
  out.kind = PARLEY_EVENT_INVITATION_RECEIVED;
  out.cell = from_cell_id(i.cell);
  fill_peer(out, i.from);
  out.epoch = i.epoch;
  out.text = reinterpret_cast<const std::uint8_t*>(i.name.data());
  out.text_len = i.name.size();
  out.party = i.supervisor_party.c_str();
  std::memcpy(out.genesis.bytes, i.genesis.data(), sizeof out.genesis.bytes);
  std::memcpy(out.fingerprint.bytes, i.supervisor_fingerprint.data(), sizeof out.fingerprint.bytes);
}

void fill(parley_event& out, const ProposalReceived& e, ProposalView& view) {
  out.kind = PARLEY_EVENT_PROPOSAL_RECEIVED;
  out.cell = from_cell_id(e.cell);
  fill_peer(out, e.proposer);
  out.epoch = e.base_epoch;
  std::memcpy(out.proposal_id.bytes, e.id.data(), sizeof out.proposal_id.bytes);
  for (const auto& m : e.changes.add)
    view.add.push_back(parley_cell_member{{m.device.user.c_str(), m.device.device}, m.party.c_str(),
                                          static_cast<parley_role>(m.role), m.identity_key.data(),
                                          m.identity_key.size()});
  for (const auto& a : e.changes.remove) view.remove.push_back(parley_address{a.user.c_str(), a.device});
  for (const auto& r : e.changes.roles)
    view.roles.push_back(parley_role_change{r.user.c_str(), static_cast<parley_role>(r.role)});
  view.proposal.struct_size = sizeof view.proposal;
  view.proposal.add = view.add.data();
  view.proposal.add_count = view.add.size();
  view.proposal.remove = view.remove.data();
  view.proposal.remove_count = view.remove.size();
  view.proposal.roles = view.roles.data();
  view.proposal.role_count = view.roles.size();
  out.proposal = &view.proposal;
}

}  // namespace

bool in_callback_of(const parley_client* client) noexcept { return client && t_callback_client == client; }

void dispatch(parley_client& client, const Event& event) noexcept {
  if (!client.callback) return;
  parley_event out{};
  out.struct_size = sizeof out;
  out.channel = "";
  out.error_message = "";
  out.peer.user = "";
  out.party = "";
  out.by.user = "";
  out.other.user = "";
  out.other_party = "";
  ProposalView view;
  NoticeView notice;
  std::visit(
      [&](const auto& e) {
        using Kind = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<Kind, ProposalReceived>)
          fill(out, e, view);
        else if constexpr (std::is_same_v<Kind, NoticeReceived>)
          fill(out, e, notice);
        else
          fill(out, e);
      },
      event);
  // Nested callbacks cannot happen (one network thread per client), but restore anyway.
  const parley_client* previous = t_callback_client;
  t_callback_client = &client;
  client.callback(&out, client.user);
  t_callback_client = previous;
}

}  // namespace parley::cabi
