// SPDX-License-Identifier: GPL-3.0-or-later
// parley_cell_*: create from a template, membership and roles, the list of cells.
#include "abi.hpp"

using namespace parley;
using namespace parley::cabi;

struct parley_cell_list {
  std::vector<parley_cell_id> ids;
};

namespace {

constexpr std::size_t kTemplateV1 = offsetof(parley_cell_template, member_count) + sizeof(std::size_t);

Result<CellMember> to_member(const parley_cell_member* in, const std::string& what) {
  if (!in) return make_error(Errc::invalid_argument, what + " is NULL");
  auto device = to_address(in->device, (what + ".device").c_str());
  if (!device) return std::move(device).error();
  PARLEY_TRY(check_name(in->party, (what + ".party").c_str()));
  auto role = to_role(enum_int(in->role));
  if (!role) return std::move(role).error();
  PARLEY_TRY(check_slice(in->identity_key, in->identity_key_len, (what + ".identity_key").c_str()));
  Bytes key(in->identity_key, in->identity_key + in->identity_key_len);
  return CellMember{std::move(*device), in->party, *role, std::move(key)};
}

Result<CellTemplate> to_template(const parley_cell_template* in) {
  PARLEY_TRY(check_struct(in, kTemplateV1, "cell_template"));
  CellTemplate out;
  PARLEY_TRY(check_name(in->name, "cell_template.name"));
  PARLEY_TRY(check_name(in->supervisor_party, "cell_template.supervisor_party"));
  PARLEY_TRY(check_name(in->parties[0], "cell_template.parties[0]"));
  PARLEY_TRY(check_name(in->parties[1], "cell_template.parties[1]"));
  PARLEY_TRY(check_slice(in->members, in->member_count, "cell_template.members"));
  out.name = in->name;
  out.supervisor_party = in->supervisor_party;
  out.parties = {in->parties[0], in->parties[1]};
  for (std::size_t i = 0; i < in->member_count; ++i) {
    auto member = to_member(&in->members[i], "cell_template.members[" + std::to_string(i) + "]");
    if (!member) return std::move(member).error();
    out.members.push_back(std::move(*member));
  }
  return out;
}

}  // namespace

extern "C" {

void parley_cell_template_init(parley_cell_template* cell_template) {
  if (!cell_template) return;
  *cell_template = parley_cell_template{};
  cell_template->struct_size = sizeof *cell_template;
  cell_template->name = "IL-SY coordination";
  cell_template->supervisor_party = "US";
  cell_template->parties[0] = "IL";
  cell_template->parties[1] = "SY";
}

parley_status parley_cell_create(parley_client* client, const parley_cell_template* cell_template,
                                 parley_cell_id* out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    auto converted = to_template(cell_template);
    if (!converted) return fail(err, converted.error());
    auto cell = client->client->create_cell(std::move(*converted));
    if (!cell) return fail(err, cell.error());
    *out = from_cell_id(*cell);
    return succeed(err);
  });
}

parley_status parley_cell_add_member(parley_client* client, parley_cell_id cell, const parley_cell_member* member,
                                     parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto converted = to_member(member, "member");
    if (!converted) return fail(err, converted.error());
    if (auto done = client->client->add_member(to_cell_id(cell), std::move(*converted)); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_cell_remove_member(parley_client* client, parley_cell_id cell, parley_address device,
                                        parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto address = to_address(device, "device");
    if (!address) return fail(err, address.error());
    if (auto done = client->client->remove_member(to_cell_id(cell), *address); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_cell_set_role(parley_client* client, parley_cell_id cell, const char* user, parley_role role,
                                   parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto ok = check_name(user, "user"); !ok) return fail(err, ok.error());
    auto converted = to_role(enum_int(role));
    if (!converted) return fail(err, converted.error());
    if (auto done = client->client->set_role(to_cell_id(cell), user, *converted); !done) return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_client_list_cells(const parley_client* client, parley_cell_list** out, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto list = std::make_unique<parley_cell_list>();
    for (const auto& id : client->client->cells()) list->ids.push_back(from_cell_id(id));
    *out = list.release();
    return succeed(err);
  });
}

size_t parley_cell_list_count(const parley_cell_list* list) { return list ? list->ids.size() : 0; }

const parley_cell_id* parley_cell_list_at(const parley_cell_list* list, size_t index) {
  return list && index < list->ids.size() ? &list->ids[index] : nullptr;
}

void parley_cell_list_free(parley_cell_list* list) { delete list; }

}  // extern "C"
