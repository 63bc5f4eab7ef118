// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/attestation.hpp"

#include "crypto/keys.hpp"

namespace parley::hotline {
namespace {

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
template <class Range>
void put_raw(Bytes& out, const Range& range) {
  out.insert(out.end(), range.begin(), range.end());
}
void put_string(Bytes& out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  put_raw(out, s);
}

}  // namespace

Bytes canonical_encoding(const AttestedFields& f) {
  Bytes out;
  out.reserve(kAttestationLabel.size() + 200 + f.channel.size() + f.sender.user.size());
  put_raw(out, kAttestationLabel);
  put_raw(out, f.cell_id);
  put_string(out, f.channel);
  put_u64(out, f.epoch);
  put_raw(out, f.head);
  put_raw(out, f.message_id.bytes);
  put_string(out, f.sender.user);
  put_u32(out, f.sender.device);
  put_u64(out, static_cast<std::uint64_t>(f.sent_at));
  out.push_back(f.kind);
  out.push_back(f.precedence);
  put_u64(out, f.sequence);
  put_raw(out, f.body_hash);
  return out;
}

Result<Bytes> sign_attestation(const AttestedFields& fields, ByteView private_key) {
  return crypto::sign(private_key, canonical_encoding(fields));
}

bool verify_attestation(const AttestedFields& fields, ByteView public_key, ByteView signature) {
  return crypto::verify(public_key, canonical_encoding(fields), signature);
}

}  // namespace parley::hotline
