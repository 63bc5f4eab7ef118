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

constexpr std::size_t kProposalV1 = offsetof(parley_cell_proposal, role_count) + sizeof(std::size_t);

Result<CellProposal> to_proposal(const parley_cell_proposal* in) {
  PARLEY_TRY(check_struct(in, kProposalV1, "proposal"));
  PARLEY_TRY(check_slice(in->add, in->add_count, "proposal.add"));
  PARLEY_TRY(check_slice(in->remove, in->remove_count, "proposal.remove"));
  PARLEY_TRY(check_slice(in->roles, in->role_count, "proposal.roles"));
  CellProposal out;
  for (std::size_t i = 0; i < in->add_count; ++i) {
    auto member = to_member(&in->add[i], "proposal.add[" + std::to_string(i) + "]");
    if (!member) return std::move(member).error();
    out.add.push_back(std::move(*member));
  }
  for (std::size_t i = 0; i < in->remove_count; ++i) {
    auto address = to_address(in->remove[i], ("proposal.remove[" + std::to_string(i) + "]").c_str());
    if (!address) return std::move(address).error();
    out.remove.push_back(std::move(*address));
  }
  for (std::size_t i = 0; i < in->role_count; ++i) {
    const std::string what = "proposal.roles[" + std::to_string(i) + "]";
    PARLEY_TRY(check_name(in->roles[i].user, (what + ".user").c_str()));
    auto role = to_role(enum_int(in->roles[i].role));
    if (!role) return std::move(role).error();
    out.roles.push_back(RoleChange{in->roles[i].user, *role});
  }
  return out;
}

ProposalId to_proposal_id(const parley_proposal_id& id) {
  ProposalId out;
  std::memcpy(out.data(), id.bytes, out.size());
  return out;
}

}  // namespace

extern "C" {

void parley_cell_proposal_init(parley_cell_proposal* proposal) {
  if (!proposal) return;
  *proposal = parley_cell_proposal{};
  proposal->struct_size = sizeof *proposal;
}

parley_status parley_cell_propose(parley_client* client, parley_cell_id cell, const parley_cell_proposal* proposal,
                                  parley_proposal_id* id, parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    auto converted = to_proposal(proposal);
    if (!converted) return fail(err, converted.error());
    auto proposed = client->client->propose(to_cell_id(cell), std::move(*converted));
    if (!proposed) return fail(err, proposed.error());
    if (id) std::memcpy(id->bytes, proposed->data(), sizeof id->bytes);
    return succeed(err);
  });
}

parley_status parley_cell_accept_proposal(parley_client* client, parley_cell_id cell, parley_proposal_id id,
                                          parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto done = client->client->accept_proposal(to_cell_id(cell), to_proposal_id(id)); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

parley_status parley_cell_reject_proposal(parley_client* client, parley_cell_id cell, parley_proposal_id id,
                                          parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (auto done = client->client->reject_proposal(to_cell_id(cell), to_proposal_id(id)); !done)
      return fail(err, done.error());
    return succeed(err);
  });
}

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
