// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace parley::hotline {
namespace {

constexpr double kDegE7 = 1e-7;
constexpr std::int32_t kMaxLongitudeE7 = 1'800'000'000;

struct Vec {
  double x = 0;
  double y = 0;
};

Vec operator-(Vec a, Vec b) { return {a.x - b.x, a.y - b.y}; }
double dot(Vec a, Vec b) { return a.x * b.x + a.y * b.y; }
double cross(Vec a, Vec b) { return a.x * b.y - a.y * b.x; }
double norm(Vec a) { return std::sqrt(dot(a, a)); }

double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }
double lat_deg(const GeoPoint& p) { return p.lat_e7 * kDegE7; }
double lon_deg(const GeoPoint& p) { return p.lon_e7 * kDegE7; }

// Longitude difference in degrees, wrapped into [-180, 180] so areas straddling the
// antimeridian stay contiguous.
double wrapped_dlon(double lon, double lon0) {
  double d = std::fmod(lon - lon0, 360.0);
  if (d > 180.0) d -= 360.0;
  if (d < -180.0) d += 360.0;
  return d;
}

// The local equirectangular plane around `origin`, in metres.
class Plane {
 public:
  explicit Plane(const GeoPoint& origin)
      : lat0_(lat_deg(origin)), lon0_(lon_deg(origin)), cos_lat0_(std::cos(radians(lat0_))) {}
  Vec project(const GeoPoint& p) const {
    return {kEarthRadiusMetres * radians(wrapped_dlon(lon_deg(p), lon0_)) * cos_lat0_,
            kEarthRadiusMetres * radians(lat_deg(p) - lat0_)};
  }

 private:
  double lat0_;
  double lon0_;
  double cos_lat0_;
};

// Distance from p to segment [a, b].
double point_segment(Vec p, Vec a, Vec b) {
  const Vec ab = b - a;
  const double len2 = dot(ab, ab);
  double t = len2 > 0 ? dot(p - a, ab) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return norm(p - Vec{a.x + t * ab.x, a.y + t * ab.y});
}

int orientation(Vec a, Vec b, Vec c) {
  const double v = cross(b - a, c - a);
  return (v > 0) - (v < 0);
}

bool segments_cross(Vec a, Vec b, Vec c, Vec d) {
  return orientation(a, b, c) * orientation(a, b, d) < 0 && orientation(c, d, a) * orientation(c, d, b) < 0;
}

double segment_segment(Vec a, Vec b, Vec c, Vec d) {
  if (segments_cross(a, b, c, d)) return 0.0;
  return std::min({point_segment(a, c, d), point_segment(b, c, d), point_segment(c, a, b), point_segment(d, a, b)});
}

// Even-odd rule; points on the boundary are handled by the distance checks of the callers.
bool inside(Vec p, const std::vector<Vec>& poly) {
  bool in = false;
  for (std::size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Vec a = poly[i];
    const Vec b = poly[j];
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}

double boundary_distance(Vec p, const std::vector<Vec>& poly) {
  double best = INFINITY;
  for (std::size_t i = 0; i < poly.size(); ++i) best = std::min(best, point_segment(p, poly[i], poly[(i + 1) % poly.size()]));
  return best;
}

std::vector<Vec> project_all(const Plane& plane, const Polygon& polygon) {
  std::vector<Vec> out;
  out.reserve(polygon.vertices.size());
  for (const auto& v : polygon.vertices) out.push_back(plane.project(v));
  return out;
}

Status bad(std::string message) { return make_error(Errc::hotline_invalid_area, std::move(message)); }

Status check_point(const GeoPoint& p, const char* what) {
  if (p.lat_e7 < -kMaxLatitudeE7 || p.lat_e7 > kMaxLatitudeE7)
    return bad(std::string(what) + " latitude must be within +-80 degrees");
  if (p.lon_e7 < -kMaxLongitudeE7 || p.lon_e7 > kMaxLongitudeE7)
    return bad(std::string(what) + " longitude must be within +-180 degrees");
  return {};
}

Status check_polygon(const Polygon& polygon) {
  const auto n = polygon.vertices.size();
  if (n < kMinPolygonVertices || n > kMaxPolygonVertices)
    return bad("polygon must have " + std::to_string(kMinPolygonVertices) + ".." + std::to_string(kMaxPolygonVertices) +
               " vertices, got " + std::to_string(n));
  for (const auto& v : polygon.vertices) PARLEY_TRY(check_point(v, "polygon vertex"));
  for (const auto& v : polygon.vertices)
    if (distance_metres(polygon.vertices.front(), v) > kMaxPolygonSpanMetres)
      return bad("polygon spans more than 1000 km");
  const Plane plane(polygon.vertices.front());
  const auto pts = project_all(plane, polygon);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (norm(pts[i] - pts[j]) < kTouchToleranceMetres)
        return bad("polygon vertices " + std::to_string(i) + " and " + std::to_string(j) + " coincide");
  // Non-adjacent edges must keep apart. Adjacent ones share their common vertex; neither's
  // far end may lie on the other (the polygon would fold back on itself).
  for (std::size_t i = 0; i < n; ++i) {
    const Vec a = pts[i], b = pts[(i + 1) % n];
    for (std::size_t j = i + 1; j < n; ++j) {
      const Vec c = pts[j], d = pts[(j + 1) % n];
      const bool adjacent = j == i + 1 || (i == 0 && j == n - 1);
      if (adjacent) {
        const Vec far_ij = (j == i + 1) ? d : c;  // the other edge's far end
        const Vec far_i = (j == i + 1) ? a : b;
        if (point_segment(far_ij, a, b) < kTouchToleranceMetres || point_segment(far_i, c, d) < kTouchToleranceMetres)
          return bad("polygon edges " + std::to_string(i) + " and " + std::to_string(j) + " fold back");
        continue;
      }
      if (segment_segment(a, b, c, d) < kTouchToleranceMetres)
        return bad("polygon edges " + std::to_string(i) + " and " + std::to_string(j) + " intersect");
    }
  }
  double twice_area = 0;
  for (std::size_t i = 0; i < n; ++i) twice_area += cross(pts[i], pts[(i + 1) % n]);
  if (std::abs(twice_area) / 2 < 1.0) return bad("polygon has no area");
  return {};
}

// A point every part of the area is near to: the circle's centre, the polygon's first vertex.
const GeoPoint& anchor(const Area& area) {
  if (const auto* c = std::get_if<Circle>(&area)) return c->center;
  return std::get<Polygon>(area).vertices.front();
}

double reach(const Area& area) {
  if (const auto* c = std::get_if<Circle>(&area)) return c->radius_m;
  return kMaxPolygonSpanMetres;
}

bool circle_polygon(const Circle& circle, const Polygon& polygon, const Plane& plane) {
  const Vec c = plane.project(circle.center);
  const auto poly = project_all(plane, polygon);
  return inside(c, poly) || boundary_distance(c, poly) <= circle.radius_m + kTouchToleranceMetres;
}

bool polygon_polygon(const Polygon& p, const Polygon& q, const Plane& plane) {
  const auto a = project_all(plane, p);
  const auto b = project_all(plane, q);
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j)
      if (segment_segment(a[i], a[(i + 1) % a.size()], b[j], b[(j + 1) % b.size()]) <= kTouchToleranceMetres) return true;
  // No boundaries meet: either disjoint or one contains the other.
  return inside(a.front(), b) || inside(b.front(), a);
}

}  // namespace

double distance_metres(const GeoPoint& a, const GeoPoint& b) {
  const double p1 = radians(lat_deg(a)), p2 = radians(lat_deg(b));
  const double dp = p2 - p1, dl = radians(wrapped_dlon(lon_deg(b), lon_deg(a)));
  const double h = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusMetres * std::asin(std::min(1.0, std::sqrt(h)));
}

Status check_area(const Area& area) {
  if (const auto* c = std::get_if<Circle>(&area)) {
    PARLEY_TRY(check_point(c->center, "circle centre"));
    if (c->radius_m == 0 || c->radius_m > kMaxRadiusMetres)
      return bad("circle radius must be 1.." + std::to_string(kMaxRadiusMetres) + " m, got " + std::to_string(c->radius_m));
    return {};
  }
  return check_polygon(std::get<Polygon>(area));
}

bool areas_overlap(const Area& a, const Area& b) {
  const GeoPoint& pa = anchor(a);
  const GeoPoint& pb = anchor(b);
  // Far apart on the sphere: no projection needed (and none would be accurate).
  if (distance_metres(pa, pb) > reach(a) + reach(b) + kTouchToleranceMetres) return false;
  // Centre the plane between the two anchors to share the distortion evenly.
  const double dlon = wrapped_dlon(lon_deg(pb), lon_deg(pa));
  GeoPoint mid{static_cast<std::int32_t>(std::lround((lat_deg(pa) + lat_deg(pb)) / 2 / kDegE7)),
               static_cast<std::int32_t>(std::lround(wrapped_dlon(lon_deg(pa) + dlon / 2, 0.0) / kDegE7))};
  const Plane plane(mid);
  const auto* ca = std::get_if<Circle>(&a);
  const auto* cb = std::get_if<Circle>(&b);
  if (ca && cb)
    return norm(plane.project(ca->center) - plane.project(cb->center)) <=
           double(ca->radius_m) + double(cb->radius_m) + kTouchToleranceMetres;
  if (ca) return circle_polygon(*ca, std::get<Polygon>(b), plane);
  if (cb) return circle_polygon(*cb, std::get<Polygon>(a), plane);
  return polygon_polygon(std::get<Polygon>(a), std::get<Polygon>(b), plane);
}

Status check_window(const TimeWindow& window) {
  if (window.start < 0 || window.end <= window.start) return bad("time window must have 0 <= start < end");
  if (window.end - window.start > kMaxWindowMs) return bad("time window is longer than 366 days");
  return {};
}

bool windows_overlap(const TimeWindow& a, const TimeWindow& b) { return a.start < b.end && b.start < a.end; }

}  // namespace parley::hotline
