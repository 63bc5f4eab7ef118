// SPDX-License-Identifier: GPL-3.0-or-later
// parley::Client registering at a real relay that admits new devices by invite token
// (ClientOptions::invite_token, minted with `parley-relay admin mint-invite`).
#include <gtest/gtest.h>

#include <thread>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"

namespace parley::test {
namespace {

// The relay's count of refusals with `reason` from /metrics; -1 if it cannot be read.
double refusals(std::uint16_t port, const std::string& reason) {
  std::string body;
  if (http_get_status(port, "/metrics", &body) != 200) return -1;
  const std::string name = "parley_relay_refusals_total{reason=\"" + reason + "\"} ";
  const auto at = body.find(name);
  return at == std::string::npos ? 0 : std::stod(body.substr(at + name.size()));
}

TEST(InviteClient, DeviceWithATokenRegistersAndOneWithoutIsRefused) {
  TempDir relay_dir;
  TempDir device_dir;
  const std::string data = relay_dir.file("relay");
  RelayProcess relay(data, {"--registration", "invite"});
  relay.start();
  const auto minted = run_relay_command("admin mint-invite --uses 1 --data " + data);
  ASSERT_EQ(minted.status, 0) << minted.output;
  const auto at = minted.output.find("pinv_");
  ASSERT_NE(at, std::string::npos);
  const std::string token = minted.output.substr(at, 5 + 64);

  TestDevice alice(device_dir, {"alice", 1}, relay.port(), 20,
                   [&](ClientOptions& options) { options.invite_token = token; });
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  // Reconnecting authenticates: the spent token is not needed again.
  alice.stop();
  alice.start();
  ASSERT_TRUE(alice.wait_connected(2));

  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  bob.start();
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    refused = refusals(relay.port(), "invite_required") >= 1;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(refused);
  // The relay's fatal Failure reaches the application with its code.
  EXPECT_TRUE(bob.wait_for([](const auto& ev) { return TestDevice::count<ProtocolError>(ev) >= 1; }));
  EXPECT_TRUE(bob.events_of<Connected>().empty());
  auto errors = bob.events_of<ProtocolError>();
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().error.code, Errc::invite_required) << errors.front().error.to_string();

  TestDevice carol(device_dir, {"carol", 1}, relay.port(), 20,
                   [&](ClientOptions& options) { options.invite_token = token; });
  carol.start();
  EXPECT_TRUE(carol.wait_for([](const auto& ev) { return TestDevice::count<ProtocolError>(ev) >= 1; }));
  EXPECT_TRUE(carol.events_of<Connected>().empty());
  auto used = carol.events_of<ProtocolError>();
  ASSERT_FALSE(used.empty());
  EXPECT_EQ(used.front().error.code, Errc::invite_invalid) << used.front().error.to_string();
}

}  // namespace
}  // namespace parley::test
