// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's configuration through the real binary: a TOML file, PARLEY_RELAY_* variables
// and flags (in rising precedence), --check-config, secrets redacted, clear errors, and the
// reference in docs/operations.md printed from the same table.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "settings.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"

namespace parley::test {
namespace {

class RelayConfigFile : public ::testing::Test {
 protected:
  std::string write_config(const std::string& text) {
    const std::string path = dir.file("relay.toml");
    std::ofstream(path) << text;
    return path;
  }
  std::string base() { return "listen = \"127.0.0.1:0\"\ndata_dir = \"" + dir.file("data") + "\"\n"; }

  TempDir dir;
};

TEST_F(RelayConfigFile, FileThenEnvironmentThenFlags) {
  const auto config = write_config(base() + "max_mailbox = 5\nmax_recipients = 6\nclose_timeout_s = 9\n");
  auto run = run_relay_command("--config " + config + " --check-config");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("max_mailbox = 5\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("close_timeout_s = 9\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("configuration ok"), std::string::npos);

  run = run_relay_command("--config " + config + " --check-config", "PARLEY_RELAY_MAX_MAILBOX=7");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("max_mailbox = 7\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("max_recipients = 6\n"), std::string::npos) << run.output;

  run = run_relay_command("--config " + config + " --check-config --max-mailbox 9", "PARLEY_RELAY_MAX_MAILBOX=7");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("max_mailbox = 9\n"), std::string::npos) << run.output;
}

TEST_F(RelayConfigFile, SecretsAreRedacted) {
  const std::string key(64, 'a');
  auto run = run_relay_command("--config " + write_config(base()) + " --check-config", "PARLEY_RELAY_DB_KEY=" + key);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("db_key = <redacted>"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(key), std::string::npos);
}

TEST_F(RelayConfigFile, BadInputIsRefusedWithItsReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base() + "bogus = 1\n", "unknown setting 'bogus'"},
      {base() + "max_mailbox = \"many\"\n", "setting max_mailbox must be an integer in 1..100000000, got 'many'"},
      {base() + "max_mailbox = -3\n", "setting max_mailbox must be an integer"},
      {base() + "max_frame_bytes = 10\n", "setting max_frame_bytes must be an integer in 4096.."},
      {base() + "insecure_plain = 3\n", "setting insecure_plain must be true or false"},
      {base() + "max_mailbox = [1]\n", "must be a string, an integer or a boolean"},
      {base() + "max_mailbox = \n", "line 3"},
      {"data_dir = \"x\"\n", "setting listen is required"},
      {base() + "tls_cert_file = \"/nonexistent.pem\"\n", "TLS needs both"},
      {"listen = \"0.0.0.0:0\"\ndata_dir = \"x\"\n", "refusing plain ws:// on 0.0.0.0"},
  };
  for (const auto& [text, expected] : cases) {
    auto run = run_relay_command("--config " + write_config(text) + " --check-config");
    EXPECT_EQ(run.status, 2) << text;
    EXPECT_NE(run.output.find(expected), std::string::npos) << "config:\n" << text << "output:\n" << run.output;
  }
  auto run = run_relay_command("--config " + write_config(base()) + " --check-config", "PARLEY_RELAY_MAX_MAILBOZ=1");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("unknown environment variable PARLEY_RELAY_MAX_MAILBOZ"), std::string::npos) << run.output;
}

TEST_F(RelayConfigFile, RunningRelayLogsItsEffectiveConfiguration) {
  TempDir data;
  RelayProcess relay(data.path().string(), {"--max-mailbox", "33", "--db-key", std::string(64, 'b')});
  relay.log_to(dir.file("relay.log"));
  relay.start();
  relay.stop();
  std::ifstream in(dir.file("relay.log"));
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("max_mailbox = 33"), std::string::npos) << log;
  EXPECT_NE(log.find("db_key = <redacted>"), std::string::npos) << log;
  EXPECT_EQ(log.find(std::string(64, 'b')), std::string::npos);
}

TEST(RelaySettingsReference, DocsListEverySettingAsTheTablePrintsIt) {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/docs/operations.md");
  ASSERT_TRUE(in) << "docs/operations.md is missing";
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(docs.find(relay::settings_reference()), std::string::npos)
      << "docs/operations.md must hold the output of `parley-relay --print-settings-reference`:\n"
      << relay::settings_reference();
  auto run = run_relay_command("--print-settings-reference");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.output, relay::settings_reference());
}

}  // namespace
}  // namespace parley::test
