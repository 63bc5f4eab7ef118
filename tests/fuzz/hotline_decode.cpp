// SPDX-License-Identifier: GPL-3.0-or-later
// The hotline decoders on the same bytes: bodies come from (possibly malicious) channel
// members, transcripts from whoever hands a file to the verifier. What decodes must also
// re-encode to something that decodes (no value escapes the field rules).
#include <cstdlib>

#include "hotline/codec.hpp"
#include "hotline/geometry.hpp"
#include "hotline/transcript.hpp"
#include "hotline/verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const parley::ByteView bytes(data, size);
  if (auto body = parley::hotline::decode_body(bytes); body.ok()) {
    if (!parley::hotline::decode_body(parley::hotline::encode(*body)).ok()) std::abort();
    // Geometry on every decoded area (self-overlap must hold and not crash).
    if (const auto* n = std::get_if<parley::hotline::DeconflictionNotice>(&*body))
      if (!parley::hotline::areas_overlap(n->area, n->area)) std::abort();
  }
  if (auto transcript = parley::hotline::decode_transcript(bytes); transcript.ok())
    (void)parley::hotline::verify_transcript(*transcript);
  return 0;
}
