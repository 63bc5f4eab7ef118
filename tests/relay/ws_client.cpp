// SPDX-License-Identifier: GPL-3.0-or-later
#include "ws_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>

namespace parley::relay::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

bool WsClient::run_until(const bool& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ioc_.restart();
  while (!done) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (ioc_.run_one_for(deadline - now) == 0 && ioc_.stopped()) {
      if (done) break;
      return false;  // no work left and still not done
    }
  }
  return true;
}

WsClient::WsClient(std::uint16_t port, std::string target, const std::string& source) : ws_(ioc_) {
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  bool done = false;
  beast::error_code ec;
  auto& stream = beast::get_lowest_layer(ws_);
  if (!source.empty()) {
    stream.socket().open(tcp::v4());
    stream.socket().bind(tcp::endpoint(net::ip::make_address(source), 0));
  }
  stream.async_connect(endpoint, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(done, std::chrono::seconds(5)) || ec)
    throw std::runtime_error("connect to relay failed: " + ec.message());
  done = false;
  ws_.binary(true);
  ws_.read_message_max(64u << 20);
  ws_.async_handshake("127.0.0.1:" + std::to_string(port), target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(done, std::chrono::seconds(5)) || ec)
    throw std::runtime_error("websocket handshake failed: " + ec.message());
  auto challenge = read();
  if (!challenge || challenge->type() != wire::RelayBody::Challenge)
    throw std::runtime_error("the relay did not send a Challenge first");
  const auto* nonce = challenge->frame->body_as_Challenge()->nonce();
  nonce_.assign(nonce->begin(), nonce->end());
}

WsClient::~WsClient() {
  if (!closed_ && !broken_) {
    bool done = false;
    ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    run_until(done, std::chrono::seconds(2));
    if (read_pending_) run_until(read_done_, std::chrono::seconds(2));
  }
  beast::get_lowest_layer(ws_).close();
  ioc_.restart();
  ioc_.poll();  // let cancelled handlers finish before the members go away
}

void WsClient::send(const Bytes& frame) {
  if (closed_ || broken_) return;
  ws_.binary(true);
  bool done = false;
  beast::error_code ec;
  ws_.async_write(net::buffer(frame), [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(done, std::chrono::seconds(10))) {
    broken_ = true;
    beast::get_lowest_layer(ws_).close();
    run_until(done, std::chrono::seconds(2));
  }
  if (ec) last_error_ = ec;
}

void WsClient::send_text(const std::string& text) {
  if (closed_ || broken_) return;
  ws_.text(true);
  bool done = false;
  beast::error_code ec;
  ws_.async_write(net::buffer(text), [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(done, std::chrono::seconds(10))) {
    broken_ = true;
    beast::get_lowest_layer(ws_).close();
    run_until(done, std::chrono::seconds(2));
  }
  if (ec) last_error_ = ec;
  ws_.binary(true);
}

std::optional<Frame> WsClient::read(std::chrono::milliseconds timeout) {
  if (closed_ || broken_) return std::nullopt;
  if (!read_pending_) {
    read_pending_ = true;
    read_done_ = false;
    buffer_.clear();
    ws_.async_read(buffer_, [this](beast::error_code e, std::size_t) {
      read_ec_ = e;
      read_done_ = true;
    });
  }
  if (!run_until(read_done_, timeout)) return std::nullopt;  // still pending
  read_pending_ = false;
  if (read_ec_) {
    last_error_ = read_ec_;
    closed_ = true;
    return std::nullopt;
  }
  Frame out;
  const auto data = buffer_.cdata();
  const auto* begin = static_cast<const std::uint8_t*>(data.data());
  out.bytes.assign(begin, begin + data.size());
  buffer_.clear();
  auto parsed = wire::parse_relay_frame(out.bytes);
  if (!parsed) throw std::runtime_error("the relay sent an invalid frame: " + parsed.error().to_string());
  out.frame = *parsed;
  return out;
}

std::optional<Frame> WsClient::read_until(wire::RelayBody type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = read(left);
    if (!frame) return std::nullopt;
    if (frame->type() == type) return frame;
  }
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || broken_) return false;
    (void)read(left);
  }
  return true;
}

// --- devices and frames ---

Bytes sign(const crypto::KeyPair& key, ByteView message) {
  auto signature = crypto::sign(key.private_key, message);
  if (!signature) throw std::runtime_error("sign failed: " + signature.error().to_string());
  return *signature;
}

TestDevice TestDevice::make(const std::string& user, std::uint32_t device, std::size_t prekey_count) {
  auto key = [] {
    auto pair = crypto::generate_key_pair();
    if (!pair) throw std::runtime_error("generate_key_pair failed: " + pair.error().to_string());
    return std::move(pair).value();
  };
  TestDevice d;
  d.address = Address{user, device};
  d.identity = key();
  d.signed_prekey = key();
  d.signed_prekey_signature = sign(d.identity, d.signed_prekey.public_key);
  for (std::size_t i = 0; i < prekey_count; ++i) d.prekeys.push_back(key());
  return d;
}

namespace {

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::PreKey>>> prekey_vector(
    flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::pair<std::uint32_t, Bytes>>& prekeys) {
  std::vector<flatbuffers::Offset<wire::PreKey>> list;
  for (const auto& [id, key] : prekeys) list.push_back(wire::CreatePreKey(fbb, id, fbb.CreateVector(key)));
  return fbb.CreateVector(list);
}

}  // namespace

Bytes register_frame(const TestDevice& device, ByteView nonce, std::size_t first_prekey,
                     std::optional<std::size_t> prekey_count, const std::string& invite_token) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<std::pair<std::uint32_t, Bytes>> prekeys;
  const std::size_t end = prekey_count ? std::min(device.prekeys.size(), first_prekey + *prekey_count)
                                       : device.prekeys.size();
  for (std::size_t i = first_prekey; i < end; ++i)
    prekeys.emplace_back(static_cast<std::uint32_t>(i + 1), device.prekeys[i].public_key);
  auto address = wire::make_address(fbb, device.address);
  auto identity = fbb.CreateVector(device.identity.public_key);
  auto spk = wire::CreateSignedPreKey(fbb, 1, fbb.CreateVector(device.signed_prekey.public_key),
                                      fbb.CreateVector(device.signed_prekey_signature));
  auto list = prekey_vector(fbb, prekeys);
  auto signature = fbb.CreateVector(sign(device.identity, wire::auth_transcript(nonce, device.address)));
  auto token = invite_token.empty() ? 0 : fbb.CreateString(invite_token);
  auto body = wire::CreateRegister(fbb, address, device.registration_id, identity, spk, list, signature, token);
  return wire::finish_client_frame(fbb, wire::ClientBody::Register, body.Union());
}

Bytes authenticate_frame_with(const Address& address, ByteView signature) {
  flatbuffers::FlatBufferBuilder fbb;
  auto a = wire::make_address(fbb, address);
  auto s = fbb.CreateVector(signature.data(), signature.size());
  auto body = wire::CreateAuthenticate(fbb, a, s);
  return wire::finish_client_frame(fbb, wire::ClientBody::Authenticate, body.Union());
}

Bytes authenticate_frame(const TestDevice& device, ByteView nonce) {
  return authenticate_frame_with(device.address, sign(device.identity, wire::auth_transcript(nonce, device.address)));
}

Bytes upload_frame(const TestDevice& device, const std::vector<std::pair<std::uint32_t, Bytes>>& prekeys,
                   bool with_signed_prekey, bool corrupt_signature) {
  flatbuffers::FlatBufferBuilder fbb;
  flatbuffers::Offset<wire::SignedPreKey> spk;
  if (with_signed_prekey) {
    Bytes signature = device.signed_prekey_signature;
    if (corrupt_signature) signature[10] ^= 0x01;
    spk = wire::CreateSignedPreKey(fbb, 2, fbb.CreateVector(device.signed_prekey.public_key), fbb.CreateVector(signature));
  }
  auto list = prekey_vector(fbb, prekeys);
  auto body = wire::CreateUploadPreKeys(fbb, spk, list);
  return wire::finish_client_frame(fbb, wire::ClientBody::UploadPreKeys, body.Union());
}

Bytes fetch_frame(std::uint32_t request_id, const Address& address) {
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateFetchBundle(fbb, request_id, wire::make_address(fbb, address));
  return wire::finish_client_frame(fbb, wire::ClientBody::FetchBundle, body.Union());
}

Bytes send_frame(const MessageId& id, const std::vector<Address>& recipients, ByteView payload) {
  flatbuffers::FlatBufferBuilder fbb;
  auto message_id = fbb.CreateVector(id.bytes.data(), id.bytes.size());
  std::vector<flatbuffers::Offset<wire::Address>> list;
  for (const auto& r : recipients) list.push_back(wire::make_address(fbb, r));
  auto recipients_vector = fbb.CreateVector(list);
  auto body = wire::CreateSend(fbb, message_id, recipients_vector, fbb.CreateVector(payload.data(), payload.size()));
  return wire::finish_client_frame(fbb, wire::ClientBody::Send, body.Union());
}

Bytes ack_frame(const std::vector<std::uint64_t>& delivery_ids) {
  flatbuffers::FlatBufferBuilder fbb;
  auto body = wire::CreateAck(fbb, fbb.CreateVector(delivery_ids));
  return wire::finish_client_frame(fbb, wire::ClientBody::Ack, body.Union());
}

MessageId message_id(std::uint8_t seed) {
  MessageId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
  return id;
}

std::unique_ptr<WsClient> connect_registered(std::uint16_t port, const TestDevice& device) {
  auto client = std::make_unique<WsClient>(port);
  client->send(register_frame(device, client->nonce()));
  auto reply = client->read();
  if (!reply || reply->type() != wire::RelayBody::AuthOk)
    throw std::runtime_error("register of " + device.address.to_string() + " did not answer AuthOk");
  return client;
}

std::unique_ptr<WsClient> connect_authenticated(std::uint16_t port, const TestDevice& device) {
  auto client = std::make_unique<WsClient>(port);
  client->send(authenticate_frame(device, client->nonce()));
  auto reply = client->read();
  if (!reply || reply->type() != wire::RelayBody::AuthOk)
    throw std::runtime_error("authenticate of " + device.address.to_string() + " did not answer AuthOk");
  return client;
}

std::unique_ptr<WsClient> queue_for_offline(std::uint16_t port, const TestDevice& sender,
                                            const TestDevice& recipient, std::uint8_t count) {
  connect_registered(port, recipient).reset();
  auto client = connect_registered(port, sender);
  for (std::uint8_t i = 1; i <= count; ++i) {
    client->send(send_frame(message_id(i), {recipient.address}, Bytes{i}));
    if (!client->read_until(wire::RelayBody::SendAck)) {
      ADD_FAILURE() << "message " << int(i) << " was not stored";
      return nullptr;
    }
  }
  return client;
}

// --- expectations ---

const wire::Failure* as_failure(const std::optional<Frame>& frame) {
  if (!frame || frame->type() != wire::RelayBody::Failure) return nullptr;
  return frame->frame->body_as_Failure();
}

std::string describe(const std::optional<Frame>& frame) {
  if (!frame) return "no frame (connection ended or timed out)";
  std::string out = wire::EnumNameRelayBody(frame->type());
  if (auto* f = frame->frame->body_as_Failure())
    out += " code=" + std::to_string(f->code()) + " fatal=" + std::to_string(f->fatal()) +
           " message=" + (f->message() ? f->message()->str() : "");
  return out;
}

// The next frame is a fatal Failure with `code`, then the relay closes with policy_error.
void expect_fatal(WsClient& client, Errc code) {
  auto frame = client.read();
  const auto* failure = as_failure(frame);
  ASSERT_NE(failure, nullptr) << describe(frame);
  EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(code)) << describe(frame);
  EXPECT_TRUE(failure->fatal());
  EXPECT_TRUE(client.wait_closed()) << "the relay kept the connection open after a fatal failure";
  EXPECT_EQ(client.close_reason().code, static_cast<std::uint16_t>(boost::beast::websocket::close_code::policy_error));
}

}  // namespace parley::relay::test
