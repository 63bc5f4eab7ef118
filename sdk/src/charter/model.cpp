// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/model.hpp"

namespace parley::charter {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::supervisor:
      return "supervisor";
    case Role::party_admin:
      return "party_admin";
    case Role::member:
      return "member";
    case Role::observer:
      return "observer";
  }
  return "unknown";
}

std::string Grant::to_string() const {
  switch (kind) {
    case GrantKind::party:
      return "party:" + name;
    case GrantKind::user:
      return "user:" + name;
    case GrantKind::device:
      return "device:" + name + "." + std::to_string(device);
  }
  return "unknown:" + name;
}

std::string_view operation_name(const Operation& operation) {
  static constexpr std::string_view kNames[] = {"CreateCell",     "AddDevice",        "RemoveDevice",
                                                "SetRole",        "CreateChannel",    "RenameChannel",
                                                "ArchiveChannel", "SetChannelPolicy", "SetLevels",
                                                "SetClearance"};
  static_assert(std::size(kNames) == std::variant_size_v<Operation>);
  return kNames[operation.index()];
}

}  // namespace parley::charter
