// SPDX-License-Identifier: GPL-3.0-or-later
// Values of the hotline API (parley::Client, docs/hotline.md): incidents (disputes) and
// deconfliction notices, as the application writes them and reads them back. Plain data;
// the rules live in the SDK and are the same on every device.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "parley/types.hpp"

namespace parley {

// One channel message, named the way receivers de-duplicate it: its sender device and the
// sender's message id.
struct MessageRef {
  Address sender;
  MessageId id;
  auto operator<=>(const MessageRef&) const = default;
};

// --- deconfliction notices ------------------------------------------------------------------

// A WGS-84 point in fixed point (degrees * 10^7, about 1 cm), so that every device decodes
// exactly the same area. Latitude within +-80 degrees.
struct GeoPoint {
  std::int32_t lat_e7 = 0;
  std::int32_t lon_e7 = 0;
  auto operator<=>(const GeoPoint&) const = default;
};

struct Circle {
  GeoPoint center;
  std::uint32_t radius_m = 0;  // 1..500 km
  bool operator==(const Circle&) const = default;
};

// A simple polygon: 3..64 vertices in order (either orientation), implicitly closed, no
// repeated vertex, no self-intersection, non-zero area, spanning at most 1,000 km.
struct Polygon {
  std::vector<GeoPoint> vertices;
  bool operator==(const Polygon&) const = default;
};

using Area = std::variant<Circle, Polygon>;

// Half-open [start, end) in ms since the Unix epoch: an activity ending at t does not
// conflict with one starting at t. At most 366 days long.
struct TimeWindow {
  TimeMs start = 0;
  TimeMs end = 0;
  bool operator==(const TimeWindow&) const = default;
};

// Planned activity in an area and window, which the other parties must acknowledge.
struct DeconflictionNotice {
  Area area;
  TimeWindow window;
  std::string description;  // up to 4 KiB of UTF-8
  bool operator==(const DeconflictionNotice&) const = default;
};

// A notice as a device holds it (Client::notices).
struct NoticeEntry {
  MessageRef ref;
  std::string party;  // the sender's party, from the charter
  TimeMs sent_at = 0;
  DeconflictionNotice notice;
  std::vector<MessageRef> conflicts;  // notices of other parties overlapping in area and window
};

// --- incidents (disputes) -------------------------------------------------------------------

enum class Severity : std::uint8_t { low = 1, medium = 2, high = 3, critical = 4 };
using IncidentId = std::array<std::uint8_t, 16>;

// Opens an incident between the opener's party and `respondent_party`: those two are the
// "involved parties" whose agreement can resolve it.
struct IncidentOpen {
  std::string title;    // one line, up to 256 bytes
  std::string details;  // up to 16 KiB
  Severity severity = Severity::medium;
  std::string respondent_party;
  std::optional<GeoPoint> location;
  bool operator==(const IncidentOpen&) const = default;
};
// The respondent party (or the supervisor) has seen the incident.
struct IncidentAcknowledge {
  bool operator==(const IncidentAcknowledge&) const = default;
};
struct IncidentComment {
  std::string text;
  bool operator==(const IncidentComment&) const = default;
};
// A proposed resolution, named later by its channel message (ResolutionProposal::ref).
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

struct CommentEntry {
  MessageRef ref;
  std::string party;
  TimeMs at = 0;
  std::string text;
  bool operator==(const CommentEntry&) const = default;
};

struct ResolutionProposal {
  MessageRef ref;
  std::string party;
  TimeMs at = 0;
  std::string text;
  std::set<std::string> agreed;  // involved parties that agreed to it
  bool operator==(const ResolutionProposal&) const = default;
};

enum class ResolvedBy : std::uint8_t { agreement = 1, supervisor = 2 };

struct Resolution {
  ResolvedBy by = ResolvedBy::agreement;
  std::optional<MessageRef> proposal;
  MessageRef resolved_by;  // the operation that completed the resolution
  TimeMs at = 0;
  std::string text;
  bool operator==(const Resolution&) const = default;
};

// An incident's state, computed the same way on every device from the operations it holds.
struct Incident {
  IncidentId id{};
  MessageRef opened_by;
  std::string opener_party;
  std::string respondent_party;
  TimeMs opened_at = 0;
  std::string title;
  std::string details;
  Severity severity = Severity::medium;
  std::optional<GeoPoint> location;
  std::map<std::string, TimeMs> acknowledged;  // party -> earliest acknowledgement
  std::vector<CommentEntry> comments;          // in the agreed order
  std::vector<ResolutionProposal> proposals;   // in the agreed order
  std::optional<Resolution> resolution;
  bool resolved() const { return resolution.has_value(); }
  bool operator==(const Incident&) const = default;
};

}  // namespace parley
