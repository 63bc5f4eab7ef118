// SPDX-License-Identifier: GPL-3.0-or-later
// A peer that is not authenticated, or that signs the challenge with the wrong key, can
// neither read nor acknowledge another device's mailbox: the messages stay queued and reach
// their owner intact.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "crypto/keys.hpp"
#include "integration/test_device.hpp"
#include "store/device_store.hpp"
#include "support/relay_process.hpp"
#include "wire/frames.hpp"

namespace parley::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

// A hand-driven protocol peer: raw frames over a synchronous Beast WebSocket.
class RawPeer {
 public:
  explicit RawPeer(std::uint16_t port) : ws_(io_) {
    tcp::resolver resolver(io_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", "/");
    ws_.binary(true);
  }

  // Next frame, or nullopt when the relay closed the connection.
  std::optional<Bytes> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return std::nullopt;
    auto data = buffer.cdata();
    const auto* p = static_cast<const std::uint8_t*>(data.data());
    return Bytes(p, p + data.size());
  }

  void write(const Bytes& frame) {
    beast::error_code ec;
    ws_.write(boost::asio::buffer(frame), ec);
  }

  Bytes challenge_nonce() {
    auto frame = read();
    EXPECT_TRUE(frame.has_value());
    auto parsed = wire::parse_relay_frame(*frame);
    EXPECT_TRUE(parsed.ok());
    EXPECT_EQ((*parsed)->body_type(), wire::RelayBody::Challenge);
    auto nonce = wire::view((*parsed)->body_as_Challenge()->nonce());
    return Bytes(nonce.begin(), nonce.end());
  }

  // The relay's last word: a Failure frame, then the close. Returns the failure code.
  std::optional<Errc> failure_then_close() {
    std::optional<Errc> code;
    while (auto frame = read()) {
      auto parsed = wire::parse_relay_frame(*frame);
      if (parsed.ok() && (*parsed)->body_type() == wire::RelayBody::Failure)
        code = static_cast<Errc>((*parsed)->body_as_Failure()->code());
      if (parsed.ok() && (*parsed)->body_type() == wire::RelayBody::Deliver) ADD_FAILURE() << "relay delivered mail";
    }
    return code;
  }

 private:
  boost::asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

Bytes ack_frame(std::vector<std::uint64_t> ids) {
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateAck(fbb, fbb.CreateVector(ids));
  return wire::finish_client_frame(fbb, wire::ClientBody::Ack, body.Union());
}

TEST(MailboxAccess, UnauthenticatedOrWrongKeyPeersCannotReadOrAckAMailbox) {
  TempDir relay_dir, device_dir;
  RelayProcess relay(relay_dir.path().string());
  relay.start();

  TestDevice bob(device_dir, {"bob", 1}, relay.port());
  bob.start();
  ASSERT_TRUE(bob.wait_connected());
  bob.stop();
  TestDevice alice(device_dir, {"alice", 1}, relay.port());
  alice.start();
  ASSERT_TRUE(alice.wait_connected());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(alice.client().send_text(bob.address(), "for bob " + std::to_string(i)).ok());
  ASSERT_TRUE(alice.wait_sent(3));

  {  // Ack before authenticating: refused, connection closed.
    RawPeer mallory(relay.port());
    mallory.challenge_nonce();
    std::vector<std::uint64_t> ids;
    for (std::uint64_t i = 0; i < 64; ++i) ids.push_back(i);
    mallory.write(ack_frame(ids));
    EXPECT_EQ(mallory.failure_then_close(), Errc::not_authenticated);
  }
  {  // Claims to be bob, signs with its own key: refused, nothing delivered.
    RawPeer mallory(relay.port());
    Bytes nonce = mallory.challenge_nonce();
    auto key = crypto::generate_key_pair();
    ASSERT_TRUE(key.ok());
    auto signature = crypto::sign(key->private_key, wire::auth_transcript(nonce, bob.address()));
    flatbuffers::FlatBufferBuilder fbb;
    auto body = wire::CreateAuthenticate(fbb, wire::make_address(fbb, bob.address()), fbb.CreateVector(*signature));
    mallory.write(wire::finish_client_frame(fbb, wire::ClientBody::Authenticate, body.Union()));
    EXPECT_EQ(mallory.failure_then_close(), Errc::auth_failed);
  }
  {  // Replays bob's genuine signature, made for another connection's nonce: refused.
    auto bob_store = store::DeviceStore::open(device_dir.file("bob.1.db"), StoreKey::passphrase("passphrase of bob.1"));
    ASSERT_TRUE(bob_store.ok()) << bob_store.error().to_string();
    auto identity = (*bob_store)->local_identity();
    ASSERT_TRUE(identity.ok() && identity->has_value());
    RawPeer first(relay.port());
    Bytes old_nonce = first.challenge_nonce();
    auto signature = crypto::sign((*identity)->identity_private, wire::auth_transcript(old_nonce, bob.address()));
    ASSERT_TRUE(signature.ok());
    RawPeer mallory(relay.port());
    EXPECT_NE(mallory.challenge_nonce(), old_nonce);
    flatbuffers::FlatBufferBuilder fbb;
    auto body = wire::CreateAuthenticate(fbb, wire::make_address(fbb, bob.address()), fbb.CreateVector(*signature));
    mallory.write(wire::finish_client_frame(fbb, wire::ClientBody::Authenticate, body.Union()));
    EXPECT_EQ(mallory.failure_then_close(), Errc::auth_failed);
  }

  bob.start();
  ASSERT_TRUE(bob.wait_received(3));
  EXPECT_EQ(bob.received_texts(), (std::vector<std::string>{"for bob 0", "for bob 1", "for bob 2"}));
}

}  // namespace
}  // namespace parley::test
