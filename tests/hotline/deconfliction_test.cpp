// SPDX-License-Identifier: GPL-3.0-or-later
// Deconfliction: area geometry, time windows, and conflicts between parties' notices.
#include "hotline/deconfliction.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "hotline/geometry.hpp"

namespace parley::hotline {
namespace {

// Metres per degree of latitude on the sphere the geometry uses.
constexpr double kMetresPerDegree = kEarthRadiusMetres * 3.14159265358979323846 / 180.0;

GeoPoint point(double lat, double lon) {
  return {static_cast<std::int32_t>(std::lround(lat * 1e7)), static_cast<std::int32_t>(std::lround(lon * 1e7))};
}

// A square of side `side_m` metres with its south-west corner at (lat, lon).
Polygon square(double lat, double lon, double side_m) {
  const double dlat = side_m / kMetresPerDegree;
  const double dlon = side_m / (kMetresPerDegree * std::cos(lat * 3.14159265358979323846 / 180.0));
  return Polygon{{point(lat, lon), point(lat, lon + dlon), point(lat + dlat, lon + dlon), point(lat + dlat, lon)}};
}

MessageRef ref(const char* user, std::uint8_t n) {
  MessageRef r{{user, 1}, {}};
  r.id.bytes.fill(n);
  return r;
}

NoticeRecord record(const char* user, std::string party, std::uint8_t n, Area area, TimeWindow window) {
  return {ref(user, n), std::move(party), {std::move(area), window, "activity"}};
}

TEST(Geometry, CirclesOverlapTouchAndMiss) {
  // On the equator, 0.1 degree of latitude apart: kMetresPerDegree / 10 metres.
  const double gap = kMetresPerDegree / 10;
  const Circle a{point(0, 30), 5000};
  const auto r = static_cast<std::uint32_t>(gap - 5000);
  EXPECT_TRUE(areas_overlap(a, Circle{point(0.1, 30), r + 2000}));      // overlapping
  EXPECT_TRUE(areas_overlap(a, Circle{point(0.1, 30), r}));             // touching (within 1 m)
  EXPECT_FALSE(areas_overlap(a, Circle{point(0.1, 30), r - 10}));       // 10 m apart
  EXPECT_FALSE(areas_overlap(a, Circle{point(10, 30), 500'000}));       // far apart
}

TEST(Geometry, PolygonsAndCircles) {
  const Polygon big = square(33.0, 35.0, 20'000);
  // A circle well inside the square: no boundary meets, containment still overlaps.
  EXPECT_TRUE(areas_overlap(big, Circle{point(33.09, 35.1), 1000}));
  EXPECT_TRUE(areas_overlap(Circle{point(33.09, 35.1), 1000}, big));
  // A circle containing the whole square.
  EXPECT_TRUE(areas_overlap(Circle{point(33.09, 35.1), 100'000}, big));
  // A circle just west of the square, 100 m away from its edge.
  const double west = 35.0 - (600.0 / (kMetresPerDegree * std::cos(33.05 * 3.14159265358979323846 / 180.0)));
  EXPECT_FALSE(areas_overlap(big, Circle{point(33.05, west), 500}));
  EXPECT_TRUE(areas_overlap(big, Circle{point(33.05, west), 700}));
  // Squares: nested, crossing, sharing an edge, apart.
  EXPECT_TRUE(areas_overlap(big, square(33.05, 35.05, 1000)));
  EXPECT_TRUE(areas_overlap(square(33.05, 35.05, 1000), big));
  EXPECT_TRUE(areas_overlap(big, square(33.15, 35.15, 20'000)));
  const Polygon left = Polygon{{point(10, 10), point(10, 10.1), point(10.1, 10.1), point(10.1, 10)}};
  const Polygon right = Polygon{{point(10, 10.1), point(10, 10.2), point(10.1, 10.2), point(10.1, 10.1)}};
  EXPECT_TRUE(areas_overlap(left, right));  // a shared edge is touching
  const Polygon apart = Polygon{{point(10, 10.11), point(10, 10.2), point(10.1, 10.2), point(10.1, 10.11)}};
  EXPECT_FALSE(areas_overlap(left, apart));
}

TEST(Geometry, AntimeridianIsContiguous) {
  EXPECT_TRUE(areas_overlap(Circle{point(0, 179.99), 2000}, Circle{point(0, -179.99), 2000}));
  EXPECT_FALSE(areas_overlap(Circle{point(0, 179.9), 2000}, Circle{point(0, -179.9), 2000}));
}

TEST(Geometry, DegenerateAreasAreRejected) {
  EXPECT_TRUE(check_area(square(33, 35, 1000)).ok());
  auto code = [](const Area& area) { return check_area(area).error().code; };
  // Collinear points: no area.
  EXPECT_EQ(code(Polygon{{point(1, 1), point(1, 1.1), point(1, 1.2)}}), Errc::hotline_invalid_area);
  // A repeated vertex.
  EXPECT_EQ(code(Polygon{{point(1, 1), point(1, 1.1), point(1, 1.1), point(1.1, 1)}}), Errc::hotline_invalid_area);
  // A bow tie (self-intersecting).
  EXPECT_EQ(code(Polygon{{point(1, 1), point(1.1, 1.1), point(1, 1.1), point(1.1, 1)}}), Errc::hotline_invalid_area);
  // Too few vertices, too far north, too large, zero radius.
  EXPECT_EQ(code(Polygon{{point(1, 1), point(1, 2)}}), Errc::hotline_invalid_area);
  EXPECT_EQ(code(Circle{point(85, 0), 10}), Errc::hotline_invalid_area);
  EXPECT_EQ(code(Circle{point(0, 181), 10}), Errc::hotline_invalid_area);
  EXPECT_EQ(code(square(0, 0, 1'500'000)), Errc::hotline_invalid_area);
  EXPECT_EQ(code(Circle{point(0, 0), 0}), Errc::hotline_invalid_area);
  EXPECT_EQ(code(Circle{point(0, 0), kMaxRadiusMetres + 1}), Errc::hotline_invalid_area);
}

TEST(Geometry, WindowsAreHalfOpen) {
  EXPECT_TRUE(windows_overlap({0, 10}, {5, 15}));
  EXPECT_TRUE(windows_overlap({0, 10}, {2, 3}));
  EXPECT_FALSE(windows_overlap({0, 10}, {10, 20}));  // back to back
  EXPECT_FALSE(windows_overlap({0, 10}, {11, 20}));
  EXPECT_FALSE(check_window({10, 10}).ok());
  EXPECT_FALSE(check_window({-1, 10}).ok());
  EXPECT_FALSE(check_window({0, kMaxWindowMs + 1}).ok());
}

TEST(Deconfliction, OverlappingNoticesOfDifferentPartiesConflict) {
  const Area zone = Circle{point(33.2, 35.6), 5000};
  const Area nearby = square(33.2, 35.6, 3000);
  const Area elsewhere = Circle{point(34.0, 36.5), 5000};
  const std::vector<NoticeRecord> notices = {
      record("il_officer", "IL", 1, zone, {1000, 5000}),
      record("sy_officer", "SY", 2, nearby, {4000, 9000}),     // overlaps 1 in space and time
      record("sy_officer", "SY", 3, nearby, {5000, 9000}),     // same place, starts when 1 ends
      record("sy_officer", "SY", 4, elsewhere, {1000, 5000}),  // same time, elsewhere
      record("il_admin", "IL", 5, nearby, {1000, 5000}),       // IL's own second activity
  };
  const auto conflicts = find_conflicts(notices);
  // 1-2 (IL/SY), 2-5 (SY/IL, 5 overlaps 2 in time), 3? 5 ends at 5000 = 3's start: no.
  EXPECT_EQ(conflicts, (std::vector<Conflict>{{ref("il_admin", 5), ref("sy_officer", 2)},
                                              {ref("il_officer", 1), ref("sy_officer", 2)}}));
  EXPECT_EQ(conflicts_with(notices[1], notices),
            (std::vector<Conflict>{{ref("il_admin", 5), ref("sy_officer", 2)}, {ref("il_officer", 1), ref("sy_officer", 2)}}));
  EXPECT_TRUE(conflicts_with(notices[3], notices).empty());
  // A party never conflicts with itself, however much its notices overlap.
  EXPECT_FALSE(notices_conflict(notices[0], notices[4]));
}

}  // namespace
}  // namespace parley::hotline
