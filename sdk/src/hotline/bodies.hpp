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

#include "parley/types.hpp"

namespace parley::hotline {

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

// One channel message, named the way receivers de-duplicate it: its sender device and the
// sender's message id.
struct MessageRef {
  Address sender;
  MessageId id;
  auto operator<=>(const MessageRef&) const = default;
};

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

// A WGS-84 point in fixed point (degrees * 10^7, about 1 cm), so that bodies are exact,
// canonical and free of NaN. Latitude within +-80 degrees (geometry.hpp says why).
struct GeoPoint {
  std::int32_t lat_e7 = 0;
  std::int32_t lon_e7 = 0;
  auto operator<=>(const GeoPoint&) const = default;
};

struct Circle {
  GeoPoint center;
  std::uint32_t radius_m = 0;  // 1..kMaxRadiusMetres
  bool operator==(const Circle&) const = default;
};

// A simple polygon: 3..64 vertices in order (either orientation), implicitly closed, no
// repeated vertex, no self-intersection, non-zero area.
struct Polygon {
  std::vector<GeoPoint> vertices;
  bool operator==(const Polygon&) const = default;
};

using Area = std::variant<Circle, Polygon>;

// Half-open [start, end): an activity ending at t does not conflict with one starting at t.
struct TimeWindow {
  TimeMs start = 0;
  TimeMs end = 0;
  bool operator==(const TimeWindow&) const = default;
};

// "PLV1": planned activity in an area and window, which the other parties must acknowledge.
struct DeconflictionNotice {
  Area area;
  TimeWindow window;
  std::string description;
  bool operator==(const DeconflictionNotice&) const = default;
};

// "PLX1": sent to the supervisor's devices when `overdue_party` did not acknowledge
// `target` by `deadline`.
struct EscalationNotice {
  MessageRef target;
  std::string overdue_party;
  TimeMs deadline = 0;
  bool operator==(const EscalationNotice&) const = default;
};

// --- incidents ("PLI1") -----------------------------------------------------------------

enum class Severity : std::uint8_t { low = 1, medium = 2, high = 3, critical = 4 };
using IncidentId = std::array<std::uint8_t, 16>;

// Opens an incident between the opener's party and `respondent_party`: those two are the
// "involved parties" whose agreement can resolve it (incidents.hpp).
struct IncidentOpen {
  std::string title;
  std::string details;
  Severity severity = Severity::medium;
  std::string respondent_party;
  std::optional<GeoPoint> location;
  bool operator==(const IncidentOpen&) const = default;
};
struct IncidentAcknowledge {
  bool operator==(const IncidentAcknowledge&) const = default;
};
struct IncidentComment {
  std::string text;
  bool operator==(const IncidentComment&) const = default;
};
// The proposal is named later by its channel message (MessageRef).
struct IncidentPropose {
  std::string text;
  bool operator==(const IncidentPropose&) const = default;
};
// By an involved party: agreement to `proposal` (required). By the supervisor: resolves,
// with or without a proposal.
struct IncidentResolve {
  std::optional<MessageRef> proposal;
  std::string text;  // may be empty
  bool operator==(const IncidentResolve&) const = default;
};

using IncidentAction = std::variant<IncidentOpen, IncidentAcknowledge, IncidentComment, IncidentPropose, IncidentResolve>;

struct IncidentOperation {
  IncidentId incident{};
  IncidentAction action;
  bool operator==(const IncidentOperation&) const = default;
};

using Body = std::variant<Acknowledgement, DeliveryReceipt, IncidentOperation, DeconflictionNotice, EscalationNotice>;

}  // namespace parley::hotline
