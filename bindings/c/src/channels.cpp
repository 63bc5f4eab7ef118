// SPDX-License-Identifier: GPL-3.0-or-later
// parley_channel_*: channel governance, posting and history.
#include <map>

#include "abi.hpp"

using namespace parley;
using namespace parley::cabi;

// The C++ entries own every string; `entries` point into them.
struct parley_history {
  std::vector<ChannelHistoryEntry> source;
  std::vector<parley_history_entry> entries;
};

// `entries` point into `states` (a std::map: its nodes do not move).
struct parley_ack_status {
  std::map<std::string, AckState> states;
  std::vector<parley_party_ack> entries;
};

namespace {

constexpr std::size_t kPolicyV1 = offsetof(parley_channel_policy, retention_seconds) + sizeof(std::uint64_t);

Result<std::vector<CellGrant>> to_grants(const parley_grant* grants, std::size_t count, const char* what) {
  PARLEY_TRY(check_slice(grants, count, what));
  std::vector<CellGrant> out;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& g = grants[i];
    const std::string name = std::string(what) + "[" + std::to_string(i) + "]";
    const int kind = enum_int(g.kind);
    if (kind < PARLEY_GRANT_PARTY || kind > PARLEY_GRANT_DEVICE)
      return make_error(Errc::invalid_argument, name + ".kind " + std::to_string(kind) + " is not a parley_grant_kind");
    PARLEY_TRY(check_name(g.name, (name + ".name").c_str()));
    out.push_back(CellGrant{static_cast<CellGrant::Kind>(kind), g.name, kind == PARLEY_GRANT_DEVICE ? g.device : 0});
  }
  return out;
}

Result<ChannelPolicySpec> to_policy(const parley_channel_policy* in) {
  PARLEY_TRY(check_struct(in, kPolicyV1, "policy"));
  ChannelPolicySpec out;
  auto read = to_grants(in->read, in->read_count, "policy.read");
  if (!read) return std::move(read).error();
  auto post = to_grants(in->post, in->post_count, "policy.post");
  if (!post) return std::move(post).error();
  out.read = std::move(*read);
  out.post = std::move(*post);
  out.ack_required = in->ack_required;
  out.ack_deadline_seconds = in->ack_deadline_seconds;
  out.attested = in->attested;
  out.retention_seconds = in->retention_seconds;
  return out;
}

}  // namespace

extern "C" {

void parley_channel_policy_init(parley_channel_policy* policy) {
  if (!policy) return;
  *policy = parley_channel_policy{};
  policy->struct_size = sizeof *policy;
}

parley_status parley_channel_create(parley_client* client, parley_cell_id cell, const char* channel,
                                    const char* display_name, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (auto ok = check_name(display_name, "display_name"); !ok) return fail(err, ok.error());
    if (auto done = client->client->create_channel(to_cell_id(cell), channel, display_name); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_channel_archive(parley_client* client, parley_cell_id cell, const char* channel,
                                     parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (auto done = client->client->archive_channel(to_cell_id(cell), channel); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_channel_rename(parley_client* client, parley_cell_id cell, const char* channel,
                                    const char* display_name, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (auto ok = check_name(display_name, "display_name"); !ok) return fail(err, ok.error());
    if (auto done = client->client->rename_channel(to_cell_id(cell), channel, display_name); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_channel_set_policy(parley_client* client, parley_cell_id cell, const char* channel,
                                        const parley_channel_policy* policy, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    auto converted = to_policy(policy);
    if (!converted) return fail(err, converted.error());
    if (auto done = client->client->set_channel_policy(to_cell_id(cell), channel, std::move(*converted)); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_channel_post(parley_client* client, parley_cell_id cell, const char* channel,
                                  const uint8_t* text, size_t text_len, parley_message_id* id, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (auto ok = check_slice(text, text_len, "text"); !ok) return fail(err, ok.error());
    auto posted = client->client->post(to_cell_id(cell), channel, slice_string(text, text_len));
    if (!posted) return fail(err, posted.error());
    if (id) *id = from_message_id(*posted);
    return succeed(err);
  });
}

parley_status parley_channel_post_with_precedence(parley_client* client, parley_cell_id cell, const char* channel,
                                                  const uint8_t* text, size_t text_len, parley_precedence precedence,
                                                  parley_message_id* id, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (auto ok = check_slice(text, text_len, "text"); !ok) return fail(err, ok.error());
    const int level = enum_int(precedence);
    if (level < PARLEY_PRECEDENCE_ROUTINE || level > PARLEY_PRECEDENCE_FLASH)
      return fail(err, PARLEY_E_INVALID_ARGUMENT, "precedence " + std::to_string(level) + " is not a parley_precedence");
    auto posted = client->client->post(to_cell_id(cell), channel, slice_string(text, text_len),
                                       static_cast<Precedence>(level));
    if (!posted) return fail(err, posted.error());
    if (id) *id = from_message_id(*posted);
    return succeed(err);
  });
}

parley_status parley_channel_acknowledge(parley_client* client, parley_cell_id cell, const char* channel,
                                         parley_address sender, parley_message_id id, parley_message_id* ack_id,
                                         parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    auto address = to_address(sender, "sender");
    if (!address) return fail(err, address.error());
    auto acked = client->client->acknowledge(to_cell_id(cell), channel, *address, to_message_id(id));
    if (!acked) return fail(err, acked.error());
    if (ack_id) *ack_id = from_message_id(*acked);
    return succeed(err);
  });
}

parley_status parley_channel_ack_status(const parley_client* client, parley_cell_id cell, const char* channel,
                                        parley_address sender, parley_message_id id, parley_ack_status** out,
                                        parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto address = to_address(sender, "sender");
    if (!address) return fail(err, address.error());
    auto status = std::make_unique<parley_ack_status>();
    status->states = client->client->ack_status(to_cell_id(cell), channel, *address, to_message_id(id));
    for (const auto& [party, state] : status->states)
      status->entries.push_back(parley_party_ack{party.c_str(), static_cast<parley_ack_state>(state)});
    *out = status.release();
    return succeed(err);
  });
}

parley_status parley_channel_export_transcript(const parley_client* client, parley_cell_id cell, const char* channel,
                                               int64_t from_ms, int64_t to_ms, parley_buffer* out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = parley_buffer{};
    auto file = client->client->export_transcript(to_cell_id(cell), channel, from_ms, to_ms);
    if (!file) return fail(err, file.error());
    auto* data = static_cast<std::uint8_t*>(std::malloc(file->size() ? file->size() : 1));
    if (!data) return fail(err, PARLEY_E_OUT_OF_MEMORY, "allocation failed");
    if (!file->empty()) std::memcpy(data, file->data(), file->size());
    *out = parley_buffer{data, file->size()};
    return succeed(err);
  });
}

size_t parley_ack_status_count(const parley_ack_status* status) { return status ? status->entries.size() : 0; }

const parley_party_ack* parley_ack_status_at(const parley_ack_status* status, size_t index) {
  return status && index < status->entries.size() ? &status->entries[index] : nullptr;
}

void parley_ack_status_free(parley_ack_status* status) { delete status; }

parley_status parley_channel_history(const parley_client* client, parley_cell_id cell, const char* channel,
                                     parley_history** out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(channel, "channel"); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto records = client->client->history(to_cell_id(cell), channel);
    if (!records) return fail(err, records.error());
    auto history = std::make_unique<parley_history>();
    history->source = std::move(*records);
    history->entries.reserve(history->source.size());
    for (const auto& r : history->source) {
      parley_history_entry e{};
      e.struct_size = sizeof e;
      e.channel = r.channel.c_str();
      e.sender = parley_address{r.sender.user.c_str(), r.sender.device};
      e.id = from_message_id(r.id);
      e.epoch = r.epoch;
      e.sent_at_ms = r.sent_at;
      e.received_at_ms = r.received_at;
      e.text = reinterpret_cast<const std::uint8_t*>(r.text.data());
      e.text_len = r.text.size();
      e.precedence = static_cast<parley_precedence>(r.precedence);
      history->entries.push_back(e);
    }
    *out = history.release();
    return succeed(err);
  });
}

size_t parley_history_count(const parley_history* history) { return history ? history->entries.size() : 0; }

const parley_history_entry* parley_history_at(const parley_history* history, size_t index) {
  return history && index < history->entries.size() ? &history->entries[index] : nullptr;
}

void parley_history_free(parley_history* history) {
  if (!history) return;
  for (auto& r : history->source) {
    wipe(r.text.data(), r.text.size());
    wipe(r.channel.data(), r.channel.size());
  }
  delete history;
}

}  // extern "C"
