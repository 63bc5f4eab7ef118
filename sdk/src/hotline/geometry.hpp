// SPDX-License-Identifier: GPL-3.0-or-later
// Area and time-window overlap for deconfliction notices.
//
// The approximation (documented in docs/hotline.md): both areas are projected onto one
// local equirectangular plane centred between them (x = R * dlon * cos(lat0), y = R * dlat,
// R = 6,371,008.8 m, longitude differences wrapped across the antimeridian), then compared
// with plane geometry. Areas are small (a circle of at most 500 km, a polygon spanning at
// most 1,000 km) and latitudes are kept within +-80 degrees, where the distortion over such
// spans is a few per cent: enough to warn about a possible clash, not to navigate by.
// Boundaries within kTouchToleranceMetres count as overlapping: for deconfliction a
// spurious warning is cheaper than a missed one.
#pragma once

#include "hotline/bodies.hpp"
#include "parley/error.hpp"

namespace parley::hotline {

inline constexpr std::int32_t kMaxLatitudeE7 = 800'000'000;  // +-80 degrees
inline constexpr double kMaxPolygonSpanMetres = 1'000'000;
inline constexpr double kTouchToleranceMetres = 1.0;
inline constexpr double kEarthRadiusMetres = 6'371'008.8;

// Ranges, and for polygons: vertex count, no repeated vertex, no self-intersection (a vertex
// touching a non-adjacent edge included), non-zero area, every vertex within
// kMaxPolygonSpanMetres of the first. Errc::hotline_invalid_area naming the rule.
Status check_area(const Area& area);

// True if the two areas (each passing check_area) share a point, within the tolerance.
bool areas_overlap(const Area& a, const Area& b);

// start < end, and the window is at most kMaxWindowMs long (Errc::hotline_invalid_area).
Status check_window(const TimeWindow& window);

// Half-open windows: [a.start, a.end) and [b.start, b.end) intersect.
bool windows_overlap(const TimeWindow& a, const TimeWindow& b);

// Great-circle (haversine) distance in metres, used for the quick "too far apart" test.
double distance_metres(const GeoPoint& a, const GeoPoint& b);

}  // namespace parley::hotline
