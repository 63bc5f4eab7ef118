// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/recipient_codec.hpp"

#include <limits>
#include <string>

namespace parley::store {
namespace {

constexpr std::size_t kMinEntryBytes = 2 + 4;  // empty user name + device

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// Bounds-checked reading; every failure is reported once by the caller.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  std::size_t remaining() const { return data_.size() - at_; }
  bool u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[at_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((data_[at_] << 8) | data_[at_ + 1]);
    at_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | data_[at_++];
    return true;
  }
  bool text(std::size_t size, std::string& out) {
    if (remaining() < size) return false;
    out.assign(reinterpret_cast<const char*>(data_.data() + at_), size);
    at_ += size;
    return true;
  }

 private:
  ByteView data_;
  std::size_t at_ = 0;
};

Error corrupt(const std::string& detail) {
  return make_error(Errc::store_corrupt, "outbox recipient list: " + detail);
}

}  // namespace

Result<Bytes> encode_recipients(const std::vector<Address>& recipients) {
  if (recipients.size() > std::numeric_limits<std::uint32_t>::max())
    return make_error(Errc::invalid_argument, "outbox recipient list is too long");
  Bytes out;
  out.push_back(kRecipientFormat);
  put_u32(out, static_cast<std::uint32_t>(recipients.size()));
  for (const Address& address : recipients) {
    if (address.user.size() > kMaxUserNameBytes)
      return make_error(Errc::invalid_argument, "outbox recipient user name has " + std::to_string(address.user.size()) +
                                                    " bytes, at most " + std::to_string(kMaxUserNameBytes) + " allowed");
    put_u16(out, static_cast<std::uint16_t>(address.user.size()));
    out.insert(out.end(), address.user.begin(), address.user.end());
    put_u32(out, address.device);
  }
  return out;
}

Result<std::vector<Address>> decode_recipients(ByteView blob) {
  Reader in(blob);
  std::uint8_t format = 0;
  if (!in.u8(format)) return corrupt("empty, expected at least a format byte");
  if (format != kRecipientFormat)
    return corrupt("unknown format " + std::to_string(format) + ", expected " + std::to_string(kRecipientFormat));
  std::uint32_t count = 0;
  if (!in.u32(count)) return corrupt("truncated before the recipient count");
  // Check the count against the bytes present before reserving memory for it.
  if (count > in.remaining() / kMinEntryBytes)
    return corrupt("declares " + std::to_string(count) + " recipients but holds only " +
                   std::to_string(in.remaining()) + " bytes");
  std::vector<Address> recipients;
  recipients.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::string where = "recipient " + std::to_string(i + 1) + " of " + std::to_string(count);
    std::uint16_t size = 0;
    Address address;
    if (!in.u16(size)) return corrupt("truncated at " + where);
    if (size > kMaxUserNameBytes)
      return corrupt(where + " has a " + std::to_string(size) + "-byte user name, at most " +
                     std::to_string(kMaxUserNameBytes) + " allowed");
    if (!in.text(size, address.user) || !in.u32(address.device)) return corrupt("truncated at " + where);
    recipients.push_back(std::move(address));
  }
  if (in.remaining() != 0) return corrupt(std::to_string(in.remaining()) + " unexpected trailing bytes");
  return recipients;
}

}  // namespace parley::store
