// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/temp_dir.hpp"

#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "store/passphrase_kdf.hpp"

namespace parley::test {

TempDir::TempDir() {
  // Stores made in test folders use cheap passphrase-KDF parameters: suites create hundreds
  // of passphrase stores, and the real cost (scrypt, 128 MiB) is covered by tests/store.
  store::testing::use_cheap_kdf_for_new_stores();
  std::string pattern = (std::filesystem::temp_directory_path() / "parley-test-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir, std::string_view needle) {
  std::vector<std::filesystem::path> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path());
  }
  return hits;
}

}  // namespace parley::test
