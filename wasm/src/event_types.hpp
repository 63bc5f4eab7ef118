// SPDX-License-Identifier: GPL-3.0-or-later
// The JS name (the `type` field) of every SDK event kind: the one place the JS event table
// comes from. event_json() takes each event's `type` from here, and wasm/tools/js_tables.cpp
// writes the JS table (EventTypes) and checks parley.d.ts against it at build time.
// The primary template has no definition: an alternative added to parley::Event without a
// name here fails the wasm build (kEventTypes instantiates every alternative).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>
#include <variant>

#include "parley/events.hpp"

namespace parley::wasm {

template <class T>
struct EventType;  // no definition, on purpose

#define PARLEY_JS_EVENT(Kind, js_name)                         \
  template <>                                                  \
  struct EventType<Kind> {                                     \
    static constexpr std::string_view name = js_name;          \
  };
PARLEY_JS_EVENT(Connected, "connected")
PARLEY_JS_EVENT(Disconnected, "disconnected")
PARLEY_JS_EVENT(MessageReceived, "messageReceived")
PARLEY_JS_EVENT(MessageSent, "messageSent")
PARLEY_JS_EVENT(SendFailed, "sendFailed")
PARLEY_JS_EVENT(DecryptFailed, "decryptFailed")
PARLEY_JS_EVENT(PreKeysReplenished, "preKeysReplenished")
PARLEY_JS_EVENT(ProtocolError, "protocolError")
PARLEY_JS_EVENT(ChannelMessageReceived, "channelMessage")
PARLEY_JS_EVENT(CharterChanged, "charterChanged")
PARLEY_JS_EVENT(PermissionDenied, "permissionDenied")
PARLEY_JS_EVENT(SecurityAlert, "securityAlert")
PARLEY_JS_EVENT(ProposalReceived, "proposalReceived")
PARLEY_JS_EVENT(AcknowledgementReceived, "acknowledgement")
PARLEY_JS_EVENT(MessageOverdue, "messageOverdue")
PARLEY_JS_EVENT(EscalationReceived, "escalation")
PARLEY_JS_EVENT(IncidentUpdated, "incidentUpdated")
PARLEY_JS_EVENT(NoticeReceived, "noticeReceived")
PARLEY_JS_EVENT(NoticesConflict, "noticesConflict")
PARLEY_JS_EVENT(InvitationReceived, "invitationReceived")
#undef PARLEY_JS_EVENT

template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> event_types_of(std::index_sequence<I...>) {
  return {EventType<std::variant_alternative_t<I, Event>>::name...};
}

// The JS names in the order of parley::Event's alternatives (kEventTypes[event.index()]).
inline constexpr auto kEventTypes = event_types_of(std::make_index_sequence<std::variant_size_v<Event>>{});

constexpr bool names_unique() {
  for (std::size_t i = 0; i < kEventTypes.size(); ++i)
    for (std::size_t j = i + 1; j < kEventTypes.size(); ++j)
      if (kEventTypes[i] == kEventTypes[j]) return false;
  return true;
}
static_assert(names_unique(), "two event kinds share a JS name");

}  // namespace parley::wasm
