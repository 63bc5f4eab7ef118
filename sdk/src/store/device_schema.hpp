// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the store: the device store's schema, one migration per version.
#pragma once

#include <span>
#include <string_view>

namespace parley::store {

// Recorded in PRAGMA user_version. A file with a higher version was written by a newer build.
inline constexpr int kDeviceSchemaVersion = 7;

struct Migration {
  int to_version;        // user_version after this step
  std::string_view sql;  // statements that take the schema from to_version - 1 to to_version
};

// In ascending order, ending at kDeviceSchemaVersion. Published steps are never edited:
// a schema change appends a new step.
std::span<const Migration> device_migrations();

}  // namespace parley::store
