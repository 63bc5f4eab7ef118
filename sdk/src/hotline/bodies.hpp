// SPDX-License-Identifier: GPL-3.0-or-later
// The structured bodies a hotline channel message carries (sdk/schema/hotline.fbs): plain
// values, no behaviour. Each travels as its own size-prefixed buffer with its own file
// identifier, inside a channel message whose kind says "hotline body"; codec.hpp turns them
// into bytes and back. Limits are checked on every untrusted buffer.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "parley/hotline_types.hpp"
#include "parley/types.hpp"

namespace parley::hotline {

// The plain values the application also sees (parley/hotline_types.hpp).
using parley::Area;
using parley::Circle;
using parley::DeconflictionNotice;
using parley::GeoPoint;
using parley::IncidentAcknowledge;
using parley::IncidentAction;
using parley::IncidentComment;
using parley::IncidentId;
using parley::IncidentOpen;
using parley::IncidentPropose;
using parley::IncidentResolve;
using parley::MessageRef;
using parley::Polygon;
using parley::Severity;
using parley::TimeWindow;

inline constexpr std::uint16_t kHotlineWireVersion = 1;

// --- limits ---------------------------------------------------------------------------
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;    // one encoded hotline body
inline constexpr std::size_t kMaxTitleBytes = 256;         // single line
inline constexpr std::size_t kMaxTextBytes = 16 * 1024;    // details, comments, proposals
inline constexpr std::size_t kMaxDescriptionBytes = 4096;  // deconfliction description
inline constexpr std::size_t kMinPolygonVertices = 3;
inline constexpr std::size_t kMaxPolygonVertices = 64;
inline constexpr std::uint32_t kMaxRadiusMetres = 500'000;
inline constexpr TimeMs kMaxWindowMs = 366LL * 24 * 3600 * 1000;  // one activity window

// "PLA1": the application's explicit acknowledgement of `target` (never automatic).
struct Acknowledgement {
  MessageRef target;
  bool operator==(const Acknowledgement&) const = default;
};

// "PLY1": the SDK's automatic "this device decrypted `target`". Distinct from an
// acknowledgement: a receipt says nothing about a person having read or accepted it.
struct DeliveryReceipt {
  MessageRef target;
  bool operator==(const DeliveryReceipt&) const = default;
};

// "PLV1" is a DeconflictionNotice (parley/hotline_types.hpp): planned activity in an area and
// window, which the other parties must acknowledge.

// "PLX1": sent to the supervisor's devices when `overdue_party` did not acknowledge
// `target` by `deadline`.
struct EscalationNotice {
  MessageRef target;
  std::string overdue_party;
  TimeMs deadline = 0;
  bool operator==(const EscalationNotice&) const = default;
};

// --- incidents ("PLI1") -----------------------------------------------------------------

// One operation on an incident (the actions are in parley/hotline_types.hpp).
struct IncidentOperation {
  IncidentId incident{};
  IncidentAction action;
  bool operator==(const IncidentOperation&) const = default;
};

using Body = std::variant<Acknowledgement, DeliveryReceipt, IncidentOperation, DeconflictionNotice, EscalationNotice>;

}  // namespace parley::hotline
