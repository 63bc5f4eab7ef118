// SPDX-License-Identifier: GPL-3.0-or-later
// Counts the WebSocket frames a client sends that cost the relay CPU without carrying a
// request: pings and pongs, and tiny fragments of a message (data frames with FIN clear and
// fewer than kTinyFragmentBytes of payload; empty ones included). Beast answers pings and
// swallows empty fragments inside its read loop, where no callback sees them, so the session
// feeds this scanner the raw bytes under Beast (metered_stream.hpp) and hands the counts to
// the core, whose per-connection token buckets decide (RelayCore::wire_frames).
//
// Sans-IO: bytes in, counts out. It reads only frame headers and skips payloads, so its state
// is a few bytes. It does not validate: Beast fails malformed frames; a header this scanner
// cannot make sense of simply stops the counting for that connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "parley/types.hpp"

namespace parley::relay {

struct FrameCounts {
  std::uint32_t control = 0;         // ping and pong frames
  std::uint32_t tiny_fragments = 0;  // data frames with FIN clear and < kTinyFragmentBytes of payload
  bool any() const { return control > 0 || tiny_fragments > 0; }
};

class FrameMeter {
 public:
  // Legitimate clients send each message whole (browsers, the SDK) or in fragments of
  // kilobytes (Beast's auto-fragment writes 4 KiB); only floods send smaller pieces.
  static constexpr std::uint64_t kTinyFragmentBytes = 256;

  // Scans the next bytes of the client's stream (plaintext, after TLS).
  FrameCounts feed(ByteView bytes);

 private:
  void header_complete(FrameCounts& counts);

  std::array<std::uint8_t, 14> header_{};  // the largest header: 2 + 8 (length) + 4 (mask)
  std::size_t have_ = 0;                   // header bytes collected
  std::size_t need_ = 2;                   // header bytes needed (known after the second byte)
  std::uint64_t skip_ = 0;                 // payload bytes still to skip
  bool lost_ = false;                      // a length beyond 2^63: stop counting
};

}  // namespace parley::relay
