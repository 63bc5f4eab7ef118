// SPDX-License-Identifier: GPL-3.0-or-later
// Hotline bodies: round trips of every kind, field rules, identifiers, truncation and garbage.
#include "hotline/codec.hpp"

#include <gtest/gtest.h>

#include <random>

#include "hotline/transcript.hpp"
#include "wire/hotline_generated.h"

namespace parley::hotline {
namespace {

MessageRef ref(std::uint8_t fill) {
  MessageRef r{{"il_officer", 1}, {}};
  r.id.bytes.fill(fill);
  return r;
}

GeoPoint point(double lat, double lon) {
  return {static_cast<std::int32_t>(lat * 1e7), static_cast<std::int32_t>(lon * 1e7)};
}

DeconflictionNotice notice() {
  return {Polygon{{point(33.0, 35.5), point(33.1, 35.5), point(33.1, 35.7)}}, {1000, 2000}, "Training flight\nAltitude 3000 m"};
}

IncidentOperation open_op() {
  IncidentOperation op;
  op.incident.fill(9);
  op.action = IncidentOpen{"Shots near the line", "Details\n\tmore", Severity::high, "SY", point(33.2, 35.6)};
  return op;
}

std::vector<Body> samples() {
  IncidentOperation comment = open_op();
  comment.action = IncidentComment{"we are looking into it"};
  IncidentOperation resolve = open_op();
  resolve.action = IncidentResolve{ref(3), "agreed"};
  IncidentOperation supervisor_resolve = open_op();
  supervisor_resolve.action = IncidentResolve{std::nullopt, ""};
  IncidentOperation ack = open_op();
  ack.action = IncidentAcknowledge{};
  IncidentOperation propose = open_op();
  propose.action = IncidentPropose{"both pull back 1 km"};
  return {Acknowledgement{ref(1)},
          DeliveryReceipt{ref(2)},
          open_op(),
          comment,
          resolve,
          supervisor_resolve,
          ack,
          propose,
          notice(),
          DeconflictionNotice{Circle{point(-33.9, 151.2), 5000}, {0, 1}, "x"},
          EscalationNotice{ref(4), "SY", 123456}};
}

TEST(HotlineCodec, EveryBodyRoundTrips) {
  for (const Body& body : samples()) {
    auto back = decode_body(encode(body));
    ASSERT_TRUE(back.ok()) << body_name(body) << ": " << back.error().to_string();
    EXPECT_EQ(*back, body) << body_name(body);
  }
}

TEST(HotlineCodec, EncodingIsDeterministic) {
  for (const Body& body : samples()) EXPECT_EQ(encode(body), encode(body));
}

TEST(HotlineCodec, FieldRulesAreTyped) {
  auto code = [](const Body& body) { return decode_body(encode(body)).error().code; };
  // Text rules.
  IncidentOperation op = open_op();
  std::get<IncidentOpen>(op.action).title = "two\nlines";
  EXPECT_EQ(code(op), Errc::malformed_frame);
  std::get<IncidentOpen>(op.action).title = std::string(kMaxTitleBytes + 1, 'a');
  EXPECT_EQ(code(op), Errc::malformed_frame);
  std::get<IncidentOpen>(op.action).title = "";
  EXPECT_EQ(code(op), Errc::malformed_frame);
  std::get<IncidentOpen>(op.action).title = "\xc0\x80";  // overlong NUL
  EXPECT_EQ(code(op), Errc::malformed_frame);
  op = open_op();
  std::get<IncidentOpen>(op.action).severity = static_cast<Severity>(9);
  EXPECT_EQ(code(op), Errc::malformed_frame);
  op = open_op();
  std::get<IncidentOpen>(op.action).respondent_party = "S Y";
  EXPECT_EQ(code(op), Errc::malformed_frame);
  op = open_op();
  std::get<IncidentOpen>(op.action).location = point(89.0, 0);  // beyond +-80
  EXPECT_EQ(code(op), Errc::hotline_invalid_area);
  IncidentOperation comment = open_op();
  comment.action = IncidentComment{std::string(kMaxTextBytes + 1, 'c')};
  EXPECT_EQ(code(comment), Errc::malformed_frame);
  // Addresses inside references.
  MessageRef bad = ref(1);
  bad.sender.user = "not valid!";
  EXPECT_EQ(code(Acknowledgement{bad}), Errc::malformed_frame);
  bad = ref(1);
  bad.sender.device = 0;
  EXPECT_EQ(code(DeliveryReceipt{bad}), Errc::malformed_frame);
  // Areas and windows.
  DeconflictionNotice n = notice();
  std::get<Polygon>(n.area).vertices.resize(2);
  EXPECT_EQ(code(n), Errc::hotline_invalid_area);
  n = notice();
  std::get<Polygon>(n.area).vertices.assign(kMaxPolygonVertices + 1, point(1, 1));
  EXPECT_EQ(code(n), Errc::hotline_invalid_area);
  n = notice();
  n.window = {2000, 2000};
  EXPECT_EQ(code(n), Errc::hotline_invalid_area);
  n = notice();
  n.area = Circle{point(10, 10), 0};
  EXPECT_EQ(code(n), Errc::hotline_invalid_area);
  n = notice();
  n.description = "";
  EXPECT_EQ(code(n), Errc::malformed_frame);
  EXPECT_EQ(code(EscalationNotice{ref(1), "", 5}), Errc::malformed_frame);
}

TEST(HotlineCodec, IdentifiersSizesAndVersions) {
  const Bytes ack = encode(Body{Acknowledgement{ref(1)}});
  // Another layer's buffer is not a hotline body.
  Transcript t;
  t.channel = "intel";
  EXPECT_EQ(decode_body(encode_transcript(t)).error().code, Errc::malformed_frame);
  // The identifier decides the kind: a receipt is never read as an acknowledgement.
  EXPECT_TRUE(std::holds_alternative<DeliveryReceipt>(*decode_body(encode(Body{DeliveryReceipt{ref(1)}}))));
  EXPECT_TRUE(std::holds_alternative<Acknowledgement>(*decode_body(ack)));
  // Cut and extended.
  EXPECT_EQ(decode_body(ByteView(ack).first(ack.size() - 1)).error().code, Errc::truncated);
  EXPECT_EQ(decode_body(ByteView(ack).first(5)).error().code, Errc::truncated);
  Bytes longer = ack;
  longer.push_back(0);
  EXPECT_EQ(decode_body(longer).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_body(Bytes(kMaxBodyBytes + 1, 0)).error().code, Errc::frame_too_large);
  // Unknown identifier.
  Bytes unknown = ack;
  unknown[8] = 'Z';
  EXPECT_EQ(decode_body(unknown).error().code, Errc::malformed_frame);
}

TEST(HotlineCodec, UnsupportedVersionIsNamed) {
  // The version field is the first scalar of each root; encode one with version 2 by hand.
  flatbuffers::FlatBufferBuilder fbb;
  auto user = fbb.CreateString("il_officer");
  wire::AddressBuilder address(fbb);
  address.add_user(user);
  address.add_device(1);
  auto addr = address.Finish();
  const std::array<std::uint8_t, 16> id{};
  auto target = wire::CreateMessageRef(fbb, addr, fbb.CreateVector(id.data(), id.size()));
  auto root = wire::CreateAcknowledgement(fbb, 2, target);
  fbb.FinishSizePrefixed(root, "PLA1");
  const Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  auto result = decode_body(bytes);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::unsupported_version);
}

TEST(HotlineCodec, GarbageNeverCrashes) {
  std::mt19937 rng(4);
  for (const Body& body : samples()) {
    const Bytes valid = encode(body);
    for (std::size_t cut = 0; cut < valid.size(); ++cut) EXPECT_FALSE(decode_body(ByteView(valid).first(cut)).ok());
    for (int i = 0; i < 2000; ++i) {
      Bytes b = valid;
      b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      auto decoded = decode_body(b);
      if (decoded.ok()) {
        EXPECT_TRUE(decode_body(encode(*decoded)).ok());  // what decodes re-encodes validly
      }
    }
  }
}

}  // namespace
}  // namespace parley::hotline
