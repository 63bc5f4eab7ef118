// SPDX-License-Identifier: GPL-3.0-or-later
// Replays the shared vector files (tests/vectors/*.json) natively. The wasm build replays
// the same files with the same replayer (wasm/test/vectors.test.cjs); both must produce
// exactly each case's "expect".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "vectors/replay.hpp"

namespace parley::vectors {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class VectorFile : public ::testing::TestWithParam<const char*> {};

TEST_P(VectorFile, NativeBuildProducesEveryExpectation) {
  const std::string text = read_file(std::string(PARLEY_VECTORS_DIR) + "/" + GetParam());
  ASSERT_FALSE(text.empty()) << "missing vector file " << GetParam();
  const json file = json::parse(text);
  const json result = json::parse(replay(text));
  ASSERT_FALSE(result.contains("error")) << result.dump();
  ASSERT_EQ(result["kind"], file["kind"]);
  ASSERT_EQ(result["results"].size(), file["cases"].size());
  ASSERT_GT(file["cases"].size(), 5u);
  for (std::size_t i = 0; i < file["cases"].size(); ++i) {
    const json& expected = file["cases"][i];
    SCOPED_TRACE(expected["name"].get<std::string>());
    EXPECT_EQ(result["results"][i]["actual"], expected["expect"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Shared, VectorFile,
                         ::testing::Values("crypto.json", "charter.json", "envelope.json"));

TEST(VectorReplay, RefusesUnknownFormats) {
  EXPECT_TRUE(json::parse(replay("not json")).contains("error"));
  EXPECT_TRUE(json::parse(replay(R"({"format":"parley-vectors","version":2,"kind":"crypto"})"))
                  .contains("error"));
  EXPECT_TRUE(json::parse(replay(R"({"format":"parley-vectors","version":1,"kind":"x"})"))
                  .contains("error"));
  EXPECT_TRUE(json::parse(replay(R"({"format":"parley-vectors","version":"1","kind":"crypto"})"))
                  .contains("error"));
}

}  // namespace
}  // namespace parley::vectors
