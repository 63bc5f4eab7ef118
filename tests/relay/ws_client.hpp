// SPDX-License-Identifier: GPL-3.0-or-later
// A raw protocol client for relay tests: a Beast WebSocket with deadlines on every read,
// plus builders for every client frame and a test device with real keys.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "parley/types.hpp"
#include "wire/frames.hpp"

namespace parley::relay::test {

// A relay frame read by the client; `frame` points into `bytes`.
struct Frame {
  Bytes bytes;
  const wire::RelayFrame* frame = nullptr;
  wire::RelayBody type() const { return frame ? frame->body_type() : wire::RelayBody::NONE; }
};

class WsClient {
 public:
  // Connects and completes the WebSocket handshake on `target`; reads the Challenge into nonce().
  // `source`: the local address to connect from (another 127.x.y.z is another peer IP).
  WsClient(std::uint16_t port, std::string target = "/", const std::string& source = "");
  ~WsClient();

  const Bytes& nonce() const { return nonce_; }

  void send(const Bytes& frame);            // binary message
  void send_text(const std::string& text);  // text message
  // The next frame; nullopt if the connection ended (closed()) or nothing came within the
  // timeout. A read that times out stays pending: the connection remains usable.
  std::optional<Frame> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until a frame of `type` arrives (others are skipped); nullopt on close/timeout.
  std::optional<Frame> read_until(wire::RelayBody type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True once a read failed because the relay closed the connection.
  bool closed() const { return closed_; }
  bool broken() const { return broken_; }  // a connect/handshake/write did not finish in time
  boost::beast::error_code last_error() const { return last_error_; }
  // The close frame the relay sent (code 0 if none).
  boost::beast::websocket::close_reason close_reason() const { return ws_.reason(); }
  // Waits for the relay to end the connection; true if it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  // Runs handlers until `done` or the deadline; false on timeout.
  bool run_until(const bool& done, std::chrono::milliseconds timeout);

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  Bytes nonce_;
  bool closed_ = false;
  bool broken_ = false;
  bool read_pending_ = false;
  bool read_done_ = false;
  boost::beast::error_code read_ec_;
  boost::beast::error_code last_error_;
};

// A device with real keys.
struct TestDevice {
  Address address;
  std::uint32_t registration_id = 4242;
  crypto::KeyPair identity;
  crypto::KeyPair signed_prekey;
  Bytes signed_prekey_signature;
  std::vector<crypto::KeyPair> prekeys;  // ids 1..n

  static TestDevice make(const std::string& user, std::uint32_t device, std::size_t prekey_count);
};

// --- client frames ---
Bytes register_frame(const TestDevice& device, ByteView nonce, std::size_t first_prekey = 0,
                     std::optional<std::size_t> prekey_count = std::nullopt, const std::string& invite_token = "");
Bytes authenticate_frame(const TestDevice& device, ByteView nonce);
Bytes authenticate_frame_with(const Address& address, ByteView signature);
Bytes upload_frame(const TestDevice& device, const std::vector<std::pair<std::uint32_t, Bytes>>& prekeys,
                   bool with_signed_prekey = false, bool corrupt_signature = false);
Bytes fetch_frame(std::uint32_t request_id, const Address& address);
Bytes send_frame(const MessageId& id, const std::vector<Address>& recipients, ByteView payload);
Bytes ack_frame(const std::vector<std::uint64_t>& delivery_ids);

MessageId message_id(std::uint8_t seed);

// --- expectations (GoogleTest) ---
const wire::Failure* as_failure(const std::optional<Frame>& frame);  // null unless a Failure
std::string describe(const std::optional<Frame>& frame);
// The next frame is a fatal Failure with `code`, then the relay closes with policy_error.
void expect_fatal(WsClient& client, Errc code);
Bytes sign(const crypto::KeyPair& key, ByteView message);

// Connects, registers `device` and expects AuthOk; returns the client.
std::unique_ptr<WsClient> connect_registered(std::uint16_t port, const TestDevice& device);
// Registers `recipient` and leaves it offline, then registers `sender` and has it queue
// `count` messages for the recipient (ids and one-byte payloads 1..count), each acknowledged
// as stored. Returns the sender's connection; null (with a test failure) if a step failed.
std::unique_ptr<WsClient> queue_for_offline(std::uint16_t port, const TestDevice& sender,
                                            const TestDevice& recipient, std::uint8_t count);
// Connects, authenticates and expects AuthOk.
std::unique_ptr<WsClient> connect_authenticated(std::uint16_t port, const TestDevice& device);

}  // namespace parley::relay::test
