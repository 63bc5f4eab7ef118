// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the cells codecs (codec.cpp, recovery_codec.cpp): the one way each of them
// finishes a buffer and checks an untrusted one (limits, identifier, version, cell id, channel).
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>

#include "cells/codec.hpp"
#include "charter/syntax.hpp"
#include "wire/size_prefixed.hpp"

namespace parley::cells::detail {

inline constexpr flatbuffers::uoffset_t kMaxDepth = 8;
inline constexpr flatbuffers::uoffset_t kMaxTables = kMaxWelcomeCommits + 16;

inline Bytes finish(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::uoffset_t root, const char* identifier) {
  fbb.FinishSizePrefixed(flatbuffers::Offset<void>(root), identifier);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

template <class Table>
Result<const Table*> verified_root(ByteView bytes, const char* identifier, const char* what) {
  return wire::verify_size_prefixed<Table>(bytes, identifier, what, {kMaxCellsBufferBytes, kMaxDepth, kMaxTables});
}

inline Status check_version(std::uint16_t version, const char* what) {
  if (version == kCellsWireVersion) return {};
  return make_error(Errc::unsupported_version, std::string(what) + " version " + std::to_string(version) +
                                                   ", this build speaks " + std::to_string(kCellsWireVersion));
}

inline Result<CellId> to_cell_id(const flatbuffers::Vector<std::uint8_t>* v, const char* what) {
  if (v->size() != charter::kCellIdBytes)
    return make_error(Errc::malformed_frame,
                      std::string(what) + " cell id must be 16 bytes, got " + std::to_string(v->size()));
  CellId id;
  std::copy(v->begin(), v->end(), id.begin());
  return id;
}

inline Status check_channel(const flatbuffers::String* channel, const char* what) {
  if (auto ok = charter::check_channel_id(channel->string_view()); !ok)
    return make_error(Errc::malformed_frame, std::string(what) + ": " + ok.error().message);
  return {};
}

}  // namespace parley::cells::detail
