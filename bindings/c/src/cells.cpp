// SPDX-License-Identifier: GPL-3.0-or-later
// parley_cell_*: create from a template, membership and roles, the list of cells.
#include "abi.hpp"

using namespace parley;
using namespace parley::cabi;

struct parley_cell_list {
  std::vector<parley_cell_id> ids;
};

// The C structs point into `source`, which is filled once and never changed after; each
// array is complete before a pointer to it is taken.
struct parley_cell_view {
  CellView source;
  std::vector<const char*> parties;
  std::vector<std::vector<parley_cell_device_info>> devices;  // per member
  std::vector<parley_cell_member_info> members;
  std::vector<std::vector<parley_grant>> reads, posts;  // per channel
  std::vector<parley_cell_channel_info> channels;
  struct Proposal {
    std::vector<parley_cell_member> add;
    std::vector<parley_address> remove;
    std::vector<parley_role_change> roles;
    parley_cell_proposal changes{};
  };
  std::vector<std::unique_ptr<Proposal>> proposals;
  std::vector<parley_pending_proposal_info> pending;
  parley_cell_info info{};
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

parley_address c_address(const Address& a) { return parley_address{a.user.c_str(), a.device}; }

parley_digest c_digest(const Digest& d) {
  parley_digest out;
  std::memcpy(out.bytes, d.data(), sizeof out.bytes);
  return out;
}

std::vector<parley_grant> c_grants(const std::vector<CellGrant>& grants) {
  std::vector<parley_grant> out;
  out.reserve(grants.size());
  for (const auto& g : grants) out.push_back(parley_grant{static_cast<parley_grant_kind>(g.kind), g.name.c_str(), g.device});
  return out;
}

void fill_view(parley_cell_view& v) {
  const CellView& s = v.source;
  for (const auto& party : s.parties) v.parties.push_back(party.c_str());
  for (const auto& m : s.members) {
    auto& devices = v.devices.emplace_back();
    for (const auto& d : m.devices)
      devices.push_back(parley_cell_device_info{c_address(d.address), d.identity_key.data(), d.identity_key.size(),
                                                c_digest(d.identity_fingerprint)});
  }
  for (std::size_t i = 0; i < s.members.size(); ++i) {
    const auto& m = s.members[i];
    v.members.push_back(parley_cell_member_info{m.user.c_str(), m.party.c_str(), static_cast<parley_role>(m.role),
                                                v.devices[i].data(), v.devices[i].size()});
  }
  for (const auto& c : s.channels) {
    v.reads.push_back(c_grants(c.policy.read));
    v.posts.push_back(c_grants(c.policy.post));
  }
  for (std::size_t i = 0; i < s.channels.size(); ++i) {
    const auto& c = s.channels[i];
    parley_cell_channel_info out{};
    out.name = c.name.c_str();
    out.display_name = c.display_name.c_str();
    out.archived = c.archived;
    out.read = v.reads[i].data();
    out.read_count = v.reads[i].size();
    out.post = v.posts[i].data();
    out.post_count = v.posts[i].size();
    out.ack_required = c.policy.ack_required;
    out.ack_deadline_seconds = c.policy.ack_deadline_seconds;
    out.attested = c.policy.attested;
    out.retention_seconds = c.policy.retention_seconds;
    out.can_read = c.can_read;
    out.can_post = c.can_post;
    v.channels.push_back(out);
  }
  for (const auto& p : s.pending_proposals) {
    auto proposal = std::make_unique<parley_cell_view::Proposal>();
    for (const auto& m : p.changes.add)
      proposal->add.push_back(parley_cell_member{c_address(m.device), m.party.c_str(), static_cast<parley_role>(m.role),
                                                 m.identity_key.data(), m.identity_key.size()});
    for (const auto& a : p.changes.remove) proposal->remove.push_back(c_address(a));
    for (const auto& r : p.changes.roles)
      proposal->roles.push_back(parley_role_change{r.user.c_str(), static_cast<parley_role>(r.role)});
    proposal->changes.struct_size = sizeof proposal->changes;
    proposal->changes.add = proposal->add.data();
    proposal->changes.add_count = proposal->add.size();
    proposal->changes.remove = proposal->remove.data();
    proposal->changes.remove_count = proposal->remove.size();
    proposal->changes.roles = proposal->roles.data();
    proposal->changes.role_count = proposal->roles.size();
    parley_pending_proposal_info out{};
    std::memcpy(out.id.bytes, p.id.data(), sizeof out.id.bytes);
    out.proposer = c_address(p.proposer);
    out.base_epoch = p.base_epoch;
    out.received_at_ms = p.received_at;
    out.changes = &proposal->changes;
    out.summary = p.summary.c_str();
    v.pending.push_back(out);
    v.proposals.push_back(std::move(proposal));
  }
  parley_cell_info& info = v.info;
  info.struct_size = sizeof info;
  info.id = from_cell_id(s.id);
  info.name = s.name.c_str();
  info.genesis = c_digest(s.genesis);
  info.supervisor_fingerprint = c_digest(s.supervisor_fingerprint);
  info.supervisor_fingerprint_digits = s.supervisor_fingerprint_digits.c_str();
  info.epoch = s.epoch;
  info.party = s.party ? s.party->c_str() : nullptr;
  info.role = s.role ? static_cast<parley_role>(*s.role) : static_cast<parley_role>(0);
  info.supervisor_party = s.supervisor_party.c_str();
  info.parties = v.parties.data();
  info.party_count = v.parties.size();
  info.members = v.members.data();
  info.member_count = v.members.size();
  info.channels = v.channels.data();
  info.channel_count = v.channels.size();
  info.pending_proposals = v.pending.data();
  info.pending_proposal_count = v.pending.size();
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

parley_status parley_client_cell_view(const parley_client* client, parley_cell_id cell, parley_cell_view** out,
                                      parley_error* err) {
  return guarded(err, [&] {
    if (auto ok = check_client(client); !ok) return fail(err, ok.error());
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto view = client->client->cell(to_cell_id(cell));
    if (!view) return fail(err, view.error());
    auto handle = std::make_unique<parley_cell_view>();
    handle->source = std::move(*view);  // in place from here: the C structs point into it
    fill_view(*handle);
    *out = handle.release();
    return succeed(err);
  });
}

const parley_cell_info* parley_cell_view_info(const parley_cell_view* view) { return view ? &view->info : nullptr; }

void parley_cell_view_free(parley_cell_view* view) { delete view; }

}  // extern "C"
