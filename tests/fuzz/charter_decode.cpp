// SPDX-License-Identifier: GPL-3.0-or-later
#include <cstdlib>

#include "charter/codec.hpp"
#include "charter/state.hpp"

// Never a crash or sanitizer report. Whatever decodes re-encodes to bytes that decode to the
// same value; a decoded container has a 64-byte signature; the genesis fold runs on every
// input (its signature check comes last, so the operations are exercised too).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley;
  using namespace parley::charter;
  const ByteView bytes(data, size);

  auto commit = decode_commit(bytes);
  if (commit.ok()) {
    auto again = decode_commit(encode_commit(*commit));
    if (!again.ok() || !(*again == *commit)) std::abort();
  }
  auto proposal = decode_proposal(bytes);
  if (proposal.ok()) {
    auto again = decode_proposal(encode_proposal(*proposal));
    if (!again.ok() || !(*again == *proposal)) std::abort();
  }
  auto container = decode_signed_commit(bytes);
  if (container.ok()) {
    if (container->signature.size() != 64 || container->bytes.empty()) std::abort();
    auto again = decode_signed_commit(encode_signed_commit(*container));
    if (!again.ok() || !(*again == *container)) std::abort();  // co-signatures included
    (void)apply(CellState{}, *container);
  }
  (void)apply(CellState{}, SignedCommit{Bytes(bytes.begin(), bytes.end()), Bytes(64, 0)});
  return 0;
}
