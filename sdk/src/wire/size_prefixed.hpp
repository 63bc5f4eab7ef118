// SPDX-License-Identifier: GPL-3.0-or-later
// Verification of size-prefixed FlatBuffers from untrusted sources (envelopes, contents,
// charter commits, cell traffic). One order of checks everywhere, so garbage gets the same
// typed errors from every decoder: size limit (frame_too_large), minimum size and declared
// size (truncated), trailing bytes, identifier and schema (malformed_frame).
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string>

#include "parley/error.hpp"
#include "parley/types.hpp"

namespace parley::wire {

struct BufferLimits {
  std::size_t max_bytes = 0;
  flatbuffers::uoffset_t max_depth = 8;
  flatbuffers::uoffset_t max_tables = 64;
};

// The verified root table of `bytes`; the pointer borrows `bytes`. `what` names the buffer
// in error messages ("envelope", "commit", ...).
template <class Table>
Result<const Table*> verify_size_prefixed(ByteView bytes, const char* identifier, const char* what,
                                          const BufferLimits& limits) {
  if (bytes.size() > limits.max_bytes)
    return make_error(Errc::frame_too_large, std::string(what) + " is " + std::to_string(bytes.size()) +
                                                 " bytes, limit " + std::to_string(limits.max_bytes));
  constexpr std::size_t kPrefix = sizeof(flatbuffers::uoffset_t);
  if (bytes.size() < kPrefix + 8)
    return make_error(Errc::truncated, std::string(what) + " is " + std::to_string(bytes.size()) +
                                           " bytes; at least " + std::to_string(kPrefix + 8) + " expected");
  const std::size_t declared = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bytes.data());
  if (declared > bytes.size() - kPrefix)
    return make_error(Errc::truncated, std::string(what) + " declares " + std::to_string(declared) + " bytes, only " +
                                           std::to_string(bytes.size() - kPrefix) + " present");
  if (declared < bytes.size() - kPrefix)
    return make_error(Errc::malformed_frame, std::string(what) + " has " +
                                                 std::to_string(bytes.size() - kPrefix - declared) + " trailing bytes");
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), identifier, /*size_prefixed=*/true))
    return make_error(Errc::malformed_frame, std::string(what) + " lacks identifier " + identifier);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), limits.max_depth, limits.max_tables);
  if (!verifier.VerifySizePrefixedBuffer<Table>(identifier))
    return make_error(Errc::malformed_frame, std::string(what) + " failed schema verification");
  return flatbuffers::GetSizePrefixedRoot<Table>(bytes.data());
}

}  // namespace parley::wire
