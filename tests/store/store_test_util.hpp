// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the store tests.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "parley/store_key.hpp"
#include "parley/types.hpp"
#include "store/device_store.hpp"

// Fails the test (and returns) unless `expr` is an ok Result; shows the error otherwise.
#define PARLEY_ASSERT_OK(expr)                                      \
  do {                                                              \
    const auto& parley_ok_ = (expr);                                \
    ASSERT_TRUE(parley_ok_.ok()) << parley_ok_.error().to_string(); \
  } while (0)

#define PARLEY_EXPECT_OK(expr)                                      \
  do {                                                              \
    const auto& parley_ok_ = (expr);                                \
    EXPECT_TRUE(parley_ok_.ok()) << parley_ok_.error().to_string(); \
  } while (0)

namespace parley::store::test_util {

inline std::array<std::uint8_t, 32> key_bytes(std::uint8_t seed) {
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + 1);
  return key;
}

inline StoreKey raw_key(std::uint8_t seed = 1) { return StoreKey::raw(key_bytes(seed)); }

inline Bytes bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

inline MessageId message_id(std::uint8_t n) {
  MessageId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(n + i);
  return id;
}

// Opens a store or records a failure and returns null (tests then ASSERT_NE(..., nullptr)).
inline std::unique_ptr<DeviceStore> must_open(const std::string& path, const StoreKey& key) {
  auto store = DeviceStore::open(path, key);
  if (!store.ok()) {
    ADD_FAILURE() << "opening " << path << ": " << store.error().to_string();
    return nullptr;
  }
  return std::move(store).value();
}

// The name and bytes of every file in `dir`, to show that a failed open changed nothing.
inline std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] =
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return files;
}

inline void write_file(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

}  // namespace parley::store::test_util
