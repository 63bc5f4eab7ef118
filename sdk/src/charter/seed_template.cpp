// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/seed_template.hpp"

#include <set>

namespace parley::charter {

namespace {
constexpr std::array<std::string_view, 4> kSeedDisplayNames = {"Intelligence sharing", "Military de-escalation",
                                                               "Diplomatic engagement", "Commercial opportunities"};
}  // namespace

Commit seeds_cell_genesis(const SeedCellOptions& options) {
  Commit genesis;
  genesis.cell_id = options.cell_id;
  genesis.epoch = 1;
  genesis.author = options.supervisor;
  genesis.time_ms = options.time_ms;
  auto& ops = genesis.operations;
  ops.push_back(CreateCell{options.cell_name, options.supervisor.user, options.supervisor_party});
  ops.push_back(AddDevice{options.supervisor, options.supervisor_party, std::nullopt, options.supervisor_key});
  std::set<std::string> users{options.supervisor.user};
  for (const TemplateDevice& member : options.members) {
    const bool new_user = users.insert(member.device.user).second;
    ops.push_back(AddDevice{member.device, member.party, new_user ? std::optional<Role>(member.role) : std::nullopt,
                            member.identity_key});
  }
  ChannelPolicy policy;
  policy.read = {Grant::for_party(options.supervisor_party), Grant::for_party(options.parties[0]),
                 Grant::for_party(options.parties[1])};
  policy.post = {Grant::for_party(options.parties[0]), Grant::for_party(options.parties[1])};
  for (std::size_t i = 0; i < kSeedChannels.size(); ++i) {
    ops.push_back(CreateChannel{std::string(kSeedChannels[i]), std::string(kSeedDisplayNames[i])});
    ops.push_back(SetChannelPolicy{std::string(kSeedChannels[i]), policy});
  }
  return genesis;
}

}  // namespace parley::charter
