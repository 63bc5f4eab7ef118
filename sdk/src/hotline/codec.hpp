// SPDX-License-Identifier: GPL-3.0-or-later
// Bytes <-> hotline bodies (sdk/schema/hotline.fbs). The body of a hotline channel message is
// exactly one of these buffers; decode_body() tells which from its file identifier. Every
// untrusted buffer goes through wire::verify_size_prefixed (size limit, prefix, identifier,
// FlatBuffers Verifier), then the version, then each field's rule.
//
// Errors: frame_too_large, truncated, malformed_frame (unknown identifier, union member or
// enum value; a field out of its rule), unsupported_version, hotline_invalid_area (a
// deconfliction area or window that check_area / check_window refuse).
#pragma once

#include <string_view>

#include "hotline/bodies.hpp"
#include "parley/error.hpp"

namespace parley::hotline {

// Deterministic: the same body always gives the same bytes. Does not validate; a body that
// breaks a rule is refused by decode_body (so check your own bodies by decoding them).
Bytes encode(const Body& body);

Result<Body> decode_body(ByteView bytes);

// "acknowledgement", "receipt", "incident", "deconfliction", "escalation".
std::string_view body_name(const Body& body);

}  // namespace parley::hotline
