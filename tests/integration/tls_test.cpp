// SPDX-License-Identifier: GPL-3.0-or-later
// parley::Client and its transport against the real relay over wss:// with certificates the
// test makes itself: verification against a CA file, pinning, and a certificate reload
// (SIGHUP) that keeps the connections already open.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "integration/test_device.hpp"
#include "support/relay_process.hpp"
#include "support/test_tls.hpp"
#include "transport/websocket_connection.hpp"

namespace parley::test {
namespace {

class TlsClient : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(served.cert_file, cert_path);
    std::filesystem::copy_file(served.key_file, key_path);
    relay.start();
  }

  std::function<void(ClientOptions&)> trusting(const TestCert& ca, std::string pin = "") {
    return [ca, pin](ClientOptions& options) {
      options.relay_tls = true;
      options.relay_ca_file = ca.cert_file;
      options.relay_cert_sha256 = pin;
    };
  }

  // The relay's count of failed TLS handshakes (from /metrics over https).
  double handshake_failures() {
    const std::string body = https_get(relay.port(), "/metrics").body;
    const std::string name = "parley_relay_tls_handshake_failures_total ";
    const auto at = body.find("\n" + name);
    return at == std::string::npos ? -1 : std::stod(body.substr(at + 1 + name.size()));
  }

  // Starts `device` and waits until the relay has seen it fail the TLS handshake twice
  // (it retries with backoff); it must never have connected.
  void expect_refused(TestDevice& device) {
    const double before = handshake_failures();
    ASSERT_GE(before, 0);
    device.start();
    bool failed_twice = false;
    for (int i = 0; i < 500 && !failed_twice; ++i) {
      failed_twice = handshake_failures() >= before + 2;
      if (!failed_twice) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(failed_twice);
    EXPECT_TRUE(device.events_of<Connected>().empty());
  }

  // Opens one transport connection and returns how it ended ("" if it opened).
  std::string transport_outcome(transport::TlsOptions tls) {
    boost::asio::io_context io;
    transport::ConnectionOptions options;
    options.host = "127.0.0.1";
    options.port = relay.port();
    options.tls = std::move(tls);
    std::string outcome = "(no answer)";
    std::shared_ptr<transport::WebSocketConnection> connection;
    transport::ConnectionHandlers handlers;
    handlers.on_open = [&] {
      outcome = "";
      connection->close();
    };
    handlers.on_close = [&](const Error& error) {
      if (outcome != "") outcome = error.message;
    };
    connection = transport::WebSocketConnection::open(io, options, std::move(handlers));
    io.run_for(std::chrono::seconds(10));
    return outcome;
  }

  TempDir certs;
  TempDir relay_dir;
  TempDir device_dir;
  TestCert served = make_test_cert(certs.path().string(), "served");
  TestCert other = make_test_cert(certs.path().string(), "other");
  // The relay reads these paths; the reload test overwrites them.
  std::string cert_path = certs.file("relay.crt");
  std::string key_path = certs.file("relay.key");
  RelayProcess relay{relay_dir.path().string(), {"--tls-cert", cert_path, "--tls-key", key_path}};
};

TEST_F(TlsClient, DevicesExchangeMessagesOverWss) {
  TestDevice alice(device_dir, {"alice", 1}, relay.port(), 20, trusting(served));
  TestDevice bob(device_dir, {"bob", 1}, relay.port(), 20, trusting(served, served.sha256));
  alice.start();
  bob.start();
  ASSERT_TRUE(alice.wait_connected());
  ASSERT_TRUE(bob.wait_connected());
  ASSERT_TRUE(alice.client().send_text(bob.address(), "over tls").ok());
  ASSERT_TRUE(bob.wait_received(1));
  EXPECT_EQ(bob.received_texts(), std::vector<std::string>{"over tls"});
}

TEST_F(TlsClient, ClientPinnedToAnotherCertificateRefuses) {
  TestDevice pinned(device_dir, {"pinned", 1}, relay.port(), 20, trusting(served, other.sha256));
  expect_refused(pinned);
}

TEST_F(TlsClient, ClientTrustingAnotherCaRefuses) {
  TestDevice device(device_dir, {"untrusting", 1}, relay.port(), 20, trusting(other));
  expect_refused(device);
}

TEST_F(TlsClient, PlainClientGetsNoConnection) {
  TestDevice plain(device_dir, {"plain", 1}, relay.port());
  expect_refused(plain);
}

TEST_F(TlsClient, TransportSaysWhyItRefused) {
  EXPECT_EQ(transport_outcome({true, served.cert_file, served.sha256}), "");
  EXPECT_NE(transport_outcome({true, served.cert_file, other.sha256}).find("does not match the pinned SHA-256"),
            std::string::npos);
  EXPECT_NE(transport_outcome({true, other.cert_file, ""}).find("certificate verify failed"), std::string::npos);
  EXPECT_NE(transport_outcome({true, certs.file("missing.pem"), ""}).find("cannot load trusted roots"),
            std::string::npos);
}

TEST_F(TlsClient, BadOptionsAreRefusedAtOpen) {
  ClientOptions options;
  options.address = {"x", 1};
  options.store_path = device_dir.file("x.db");
  options.store_key = StoreKey::passphrase("p");
  options.relay_port = relay.port();
  options.relay_tls = true;
  options.relay_cert_sha256 = "not-hex";
  auto opened = Client::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::invalid_argument);
  options.relay_tls = false;
  options.relay_cert_sha256 = served.sha256;
  opened = Client::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("need relay_tls"), std::string::npos);
}

TEST_F(TlsClient, SighupReloadKeepsOpenConnectionsAndServesTheNewCertificate) {
  TestDevice alice(device_dir, {"alice", 1}, relay.port(), 20, trusting(served));
  TestDevice bob(device_dir, {"bob", 1}, relay.port(), 20, trusting(served));
  alice.start();
  bob.start();
  ASSERT_TRUE(alice.wait_connected());
  ASSERT_TRUE(bob.wait_connected());

  std::filesystem::copy_file(other.cert_file, cert_path, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(other.key_file, key_path, std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(relay.pid(), SIGHUP), 0);
  // New handshakes see the new certificate once the reload is done.
  bool reloaded = false;
  for (int i = 0; i < 500 && !reloaded; ++i) {
    reloaded = https_get(relay.port(), "/healthz", other.cert_file).status == 200;
    if (!reloaded) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(https_get(relay.port(), "/healthz", served.cert_file).status, 0);

  // The connections made under the old certificate are still the same, and still carry traffic.
  ASSERT_TRUE(alice.client().send_text(bob.address(), "after reload").ok());
  ASSERT_TRUE(bob.wait_received(1));
  EXPECT_TRUE(alice.events_of<Disconnected>().empty());
  EXPECT_TRUE(bob.events_of<Disconnected>().empty());

  TestDevice carol(device_dir, {"carol", 1}, relay.port(), 20, trusting(other, other.sha256));
  carol.start();
  ASSERT_TRUE(carol.wait_connected());
  TestDevice late(device_dir, {"late", 1}, relay.port(), 20, trusting(served, served.sha256));
  expect_refused(late);
}

}  // namespace
}  // namespace parley::test
