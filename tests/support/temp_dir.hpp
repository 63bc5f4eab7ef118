// SPDX-License-Identifier: GPL-3.0-or-later
// A fresh directory under $TMPDIR, removed with its contents when the object dies.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace parley::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Every file under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir, std::string_view needle);

}  // namespace parley::test
