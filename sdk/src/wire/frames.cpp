// SPDX-License-Identifier: GPL-3.0-or-later
#include "wire/frames.hpp"

#include "common/address.hpp"

namespace parley::wire {

namespace {

// Generous for any legitimate frame; bounds the verifier's work on hostile input.
constexpr flatbuffers::uoffset_t kMaxDepth = 16;
constexpr flatbuffers::uoffset_t kMaxTables = 100000;

template <class Frame>
Result<const Frame*> parse_frame(ByteView bytes, const char* identifier, const char* what) {
  if (bytes.size() < 8)
    return make_error(Errc::truncated, std::string(what) + " is " + std::to_string(bytes.size()) +
                                           " bytes; a frame has at least 8");
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), identifier))
    return make_error(Errc::malformed_frame, std::string(what) + " does not carry identifier " + identifier);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), kMaxDepth, kMaxTables);
  if (!verifier.VerifyBuffer<Frame>(identifier))
    return make_error(Errc::malformed_frame, std::string(what) + " failed schema verification");
  const Frame* frame = flatbuffers::GetRoot<Frame>(bytes.data());
  if (frame->version() != kProtocolVersion)
    return make_error(Errc::unsupported_version, std::string(what) + " version " +
                                                     std::to_string(frame->version()) + ", this build speaks " +
                                                     std::to_string(kProtocolVersion));
  if (frame->body() == nullptr)  // also covers unknown union members from newer peers
    return make_error(Errc::malformed_frame, std::string(what) + " has no body of a known type");
  return frame;
}

}  // namespace

Result<const ClientFrame*> parse_client_frame(ByteView bytes) {
  return parse_frame<ClientFrame>(bytes, ClientFrameIdentifier(), "client frame");
}

Result<const RelayFrame*> parse_relay_frame(ByteView bytes) {
  return parse_frame<RelayFrame>(bytes, RelayFrameIdentifier(), "relay frame");
}

Result<parley::Address> to_address(const Address* address) {
  if (!address || !address->user()) return make_error(Errc::malformed_frame, "address missing");
  parley::Address out{address->user()->str(), address->device()};
  PARLEY_TRY(validate_address(out));
  return out;
}

Result<parley::MessageId> to_message_id(const flatbuffers::Vector<std::uint8_t>* bytes) {
  if (!bytes || bytes->size() != kMessageIdBytes)
    return make_error(Errc::malformed_frame, "message id must be " + std::to_string(kMessageIdBytes) + " bytes, got " +
                                                 std::to_string(bytes ? bytes->size() : 0));
  parley::MessageId id;
  std::copy(bytes->begin(), bytes->end(), id.bytes.begin());
  return id;
}

flatbuffers::Offset<Address> make_address(flatbuffers::FlatBufferBuilder& fbb, const parley::Address& address) {
  return CreateAddress(fbb, fbb.CreateString(address.user), address.device);
}

Bytes finish_client_frame(flatbuffers::FlatBufferBuilder& fbb, ClientBody type, flatbuffers::Offset<void> body) {
  auto frame = CreateClientFrame(fbb, kProtocolVersion, type, body);
  fbb.Finish(frame, ClientFrameIdentifier());
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

Bytes finish_relay_frame(flatbuffers::FlatBufferBuilder& fbb, RelayBody type, flatbuffers::Offset<void> body) {
  auto frame = CreateRelayFrame(fbb, kProtocolVersion, type, body);
  fbb.Finish(frame, RelayFrameIdentifier());
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<Refusal>>> make_refusals(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<Refused>& refused) {
  if (refused.empty()) return 0;  // absent, as an older relay would send it
  std::vector<flatbuffers::Offset<Refusal>> out;
  out.reserve(refused.size());
  for (const auto& r : refused)
    out.push_back(CreateRefusal(fbb, make_address(fbb, r.recipient), static_cast<std::uint16_t>(r.code)));
  return fbb.CreateVector(out);
}

Result<std::vector<Refused>> to_refusals(const flatbuffers::Vector<flatbuffers::Offset<Refusal>>* refused) {
  std::vector<Refused> out;
  if (!refused) return out;
  out.reserve(refused->size());
  for (flatbuffers::uoffset_t i = 0; i < refused->size(); ++i) {
    const Refusal* r = refused->Get(i);
    auto address = to_address(r->recipient());
    if (!address) {
      Error error = std::move(address).error();
      error.message = "refused recipient #" + std::to_string(i) + ": " + error.message;
      return error;
    }
    const Errc code = errc_known(r->code()) ? static_cast<Errc>(r->code()) : Errc::protocol_violation;
    out.push_back(Refused{std::move(*address), code});
  }
  return out;
}

Bytes make_failure(const Error& error, bool fatal, std::uint32_t request_id, const MessageId* message_id,
                   const std::vector<Refused>& refused) {
  flatbuffers::FlatBufferBuilder fbb;
  auto text = fbb.CreateString(error.message);
  flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> id;
  if (message_id) id = fbb.CreateVector(message_id->bytes.data(), message_id->bytes.size());
  auto refusals = make_refusals(fbb, refused);
  auto failure = CreateFailure(fbb, static_cast<std::uint16_t>(error.code), text, request_id, id, fatal, refusals);
  return finish_relay_frame(fbb, RelayBody::Failure, failure.Union());
}

Bytes auth_transcript(ByteView nonce, const parley::Address& address) {
  static constexpr std::string_view kLabel = "parley-auth-v1";
  Bytes out(kLabel.begin(), kLabel.end());
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), address.user.begin(), address.user.end());
  out.push_back(0);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(address.device >> shift));
  return out;
}

}  // namespace parley::wire
