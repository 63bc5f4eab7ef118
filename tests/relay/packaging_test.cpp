// SPDX-License-Identifier: GPL-3.0-or-later
// relay/packaging: the systemd unit parses (systemd-analyze verify), keeps its hardening
// (systemd-analyze security: exposure at most 2.5 of 10; without the sandboxing lines it is
// about 9), and starts the relay the way the example configuration says (--check-config on
// the unit's own arguments). The systemd checks are skipped where systemd-analyze is absent.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_tls.hpp"

namespace parley::relay::test {
namespace {

using parley::test::run_relay_command;
using parley::test::TempDir;

const std::string kUnit = PARLEY_SOURCE_DIR "/relay/packaging/parley-relay.service";
const std::string kExampleConfig = PARLEY_SOURCE_DIR "/relay/packaging/relay.toml";

struct Run {
  int status = -1;
  std::string output;
};

Run shell(const std::string& command) {
  Run run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return run;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) run.output += buf;
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The unit with ExecStart pointing at the relay built here (verify checks it is executable).
std::string local_unit(const TempDir& dir) {
  const std::string unit = std::regex_replace(read_file(kUnit), std::regex("ExecStart=/usr/bin/parley-relay"),
                                              "ExecStart=" PARLEY_RELAY_BINARY);
  const std::string path = dir.file("parley-relay.service");
  std::ofstream(path) << unit;
  return path;
}

bool have_systemd_analyze() { return shell("command -v systemd-analyze").status == 0; }

TEST(RelayPackaging, SystemdUnitVerifiesWithoutWarnings) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze is not installed";
  TempDir dir;
  const auto run = shell("systemd-analyze verify --man=no " + local_unit(dir));
  EXPECT_EQ(run.status, 0) << run.output;
  // Unknown or misspelt keys are only warnings to systemd: any output is a failure here.
  EXPECT_EQ(run.output, "") << run.output;
}

TEST(RelayPackaging, SystemdUnitKeepsItsHardening) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze is not installed";
  TempDir dir;
  const auto run = shell("systemd-analyze security --offline=yes --threshold=25 " + local_unit(dir));
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("Overall exposure level"), std::string::npos) << run.output;
}

TEST(RelayPackaging, TheUnitsCommandLineAndExampleConfigPassCheckConfig) {
  const std::string unit = read_file(kUnit);
  std::smatch exec;
  ASSERT_TRUE(std::regex_search(unit, exec, std::regex("ExecStart=/usr/bin/parley-relay ([^\n]*)")));
  // The unit names /etc/parley-relay/relay.toml: the example stands in for it, with the paths
  // only an installed machine has given through the environment, which beats the file.
  const std::string args = std::regex_replace(exec[1].str(), std::regex("/etc/parley-relay/relay.toml"), kExampleConfig);
  TempDir dir;
  const auto cert = parley::test::make_test_cert(dir.path().string(), "relay");
  const std::string env = "PARLEY_RELAY_DATA_DIR=" + dir.file("data") + " PARLEY_RELAY_TLS_CERT_FILE=" + cert.cert_file +
                          " PARLEY_RELAY_TLS_KEY_FILE=" + cert.key_file;
  const auto run = run_relay_command(args + " --check-config", env);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("configuration ok"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("registration = invite"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace parley::relay::test
