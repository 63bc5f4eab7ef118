// SPDX-License-Identifier: GPL-3.0-or-later
// parley_*join_anchor*, invitations and fingerprints (docs/protocol.md "Joining").
#include <cstring>

#include "abi.hpp"
#include "parley/joining.hpp"

using namespace parley;
using namespace parley::cabi;

namespace {

Digest to_digest(const parley_digest& d) {
  Digest out;
  std::memcpy(out.data(), d.bytes, out.size());
  return out;
}

// Copies `text` and its NUL into out[0..out_size): INVALID_ARGUMENT (nothing written) if it does not fit.
parley_status write_text(const std::string& text, char* out, std::size_t out_size, parley_error* err) {
  if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
  if (text.size() + 1 > out_size)
    return fail(err, PARLEY_E_INVALID_ARGUMENT, "out holds " + std::to_string(out_size) + " bytes, the text needs " +
                                                  std::to_string(text.size() + 1));
  std::memcpy(out, text.c_str(), text.size() + 1);
  return succeed(err);
}

}  // namespace

parley_status parley_client_add_join_anchor(parley_client* client, const char* anchor, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!anchor) return fail(err, PARLEY_E_INVALID_ARGUMENT, "anchor is NULL");
    auto parsed = parse_join_anchor(anchor);
    if (!parsed) return fail(err, parsed.error());
    if (auto done = client->client->add_join_anchor(*parsed); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_client_supervisor_anchor(const parley_client* client, char* out, size_t out_size,
                                              parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto anchor = client->client->supervisor_anchor();
    if (!anchor) return fail(err, anchor.error());
    return write_text(to_string(*anchor), out, out_size, err);
  });
}

parley_status parley_cell_join_anchor(const parley_client* client, parley_cell_id cell, char* out, size_t out_size,
                                      parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto anchor = client->client->join_anchor(to_cell_id(cell));
    if (!anchor) return fail(err, anchor.error());
    return write_text(to_string(*anchor), out, out_size, err);
  });
}

parley_status parley_client_accept_invitation(parley_client* client, parley_digest genesis, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto done = client->client->accept_invitation(to_digest(genesis)); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_client_decline_invitation(parley_client* client, parley_digest genesis, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto done = client->client->decline_invitation(to_digest(genesis)); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_fingerprint_digits(parley_digest fingerprint, char* out, size_t out_size, parley_error* err) {
  return guarded(err, [&] { return write_text(fingerprint_digits(to_digest(fingerprint)), out, out_size, err); });
}
