// SPDX-License-Identifier: GPL-3.0-or-later
// parley-cli: a small device for trying Parley by hand and for scripts/demo.
//
//   parley-cli --user alice --device 1 --store alice.db --passphrase pw --relay 127.0.0.1:7443 register
//   parley-cli ... send --to bob.1 "hello bob"
//   parley-cli ... receive --wait 5 --count 1
#include <CLI/CLI.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>

#include "parley/client.hpp"

namespace {

struct Shared {
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false;
  int sent = 0;
  int received = 0;
  int failed = 0;
};

parley::Result<parley::Address> parse_address(const std::string& text) {
  auto dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
    return parley::make_error(parley::Errc::invalid_argument, "address must look like user.device, got '" + text + "'");
  try {
    return parley::Address{text.substr(0, dot), static_cast<std::uint32_t>(std::stoul(text.substr(dot + 1)))};
  } catch (const std::exception&) {
    return parley::make_error(parley::Errc::invalid_argument, "device number in '" + text + "' is not a number");
  }
}

std::string short_id(const parley::MessageId& id) { return id.to_hex().substr(0, 8); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parley sample device: register, send and receive end-to-end-encrypted messages"};
  std::string user, store_path, passphrase, relay = "127.0.0.1:7443";
  std::uint32_t device = 1;
  app.add_option("--user", user, "user name of this device")->required();
  app.add_option("--device", device, "device number of this device");
  app.add_option("--store", store_path, "encrypted store file of this device")->required();
  app.add_option("--passphrase", passphrase, "passphrase of the store")->required();
  app.add_option("--relay", relay, "relay address HOST:PORT");
  app.require_subcommand(1);

  auto* reg = app.add_subcommand("register", "create the device (first run) and register it at the relay");
  auto* send = app.add_subcommand("send", "send one text message");
  std::string to, text;
  send->add_option("--to", to, "recipient user.device")->required();
  send->add_option("text", text, "message text")->required();
  auto* receive = app.add_subcommand("receive", "print incoming messages");
  double wait_seconds = 5;
  int count = 0;
  receive->add_option("--wait", wait_seconds, "seconds to wait for messages");
  receive->add_option("--count", count, "stop after this many messages (0: wait the full time)");
  CLI11_PARSE(app, argc, argv);

  auto colon = relay.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "error: --relay must be HOST:PORT\n";
    return 2;
  }
  parley::ClientOptions options;
  options.address = {user, device};
  options.store_path = store_path;
  options.store_key = parley::StoreKey::passphrase(passphrase);
  options.relay_host = relay.substr(0, colon);
  options.relay_port = static_cast<std::uint16_t>(std::stoi(relay.substr(colon + 1)));

  auto client = parley::Client::open(std::move(options));
  if (!client) {
    std::cerr << "error: " << client.error().to_string() << "\n";
    return 1;
  }
  const std::string me = (*client)->address().to_string();
  Shared shared;
  (*client)->set_event_handler([&](const parley::Event& event) {
    std::lock_guard lock(shared.mutex);
    if (auto* c = std::get_if<parley::Connected>(&event)) {
      shared.connected = true;
      if (reg->parsed())
        std::cout << "[" << me << "] registered at the relay (" << c->prekeys_remaining << " one-time prekeys published)\n";
    } else if (auto* m = std::get_if<parley::MessageReceived>(&event)) {
      ++shared.received;
      std::cout << "[" << me << "] received from " << m->sender.to_string() << " (id " << short_id(m->id)
                << "): " << m->text << "\n";
    } else if (auto* s = std::get_if<parley::MessageSent>(&event)) {
      ++shared.sent;
      std::cout << "[" << me << "] sent to " << s->recipient.to_string() << " (id " << short_id(s->id)
                << "), stored by the relay as ciphertext\n";
    } else if (auto* f = std::get_if<parley::SendFailed>(&event)) {
      ++shared.failed;
      std::cout << "[" << me << "] send to " << f->recipient.to_string() << " failed: " << f->error.to_string() << "\n";
    } else if (auto* d = std::get_if<parley::DecryptFailed>(&event)) {
      std::cout << "[" << me << "] could not decrypt a message from " << d->sender.to_string() << ": "
                << d->error.to_string() << "\n";
    } else if (auto* p = std::get_if<parley::ProtocolError>(&event)) {
      std::cerr << "[" << me << "] relay error: " << p->error.to_string() << "\n";
    }
    std::cout.flush();
    shared.changed.notify_all();
  });
  if (auto started = (*client)->start(); !started) {
    std::cerr << "error: " << started.error().to_string() << "\n";
    return 1;
  }

  std::unique_lock lock(shared.mutex);
  auto within = [&](double seconds, auto done) {
    return shared.changed.wait_for(lock, std::chrono::duration<double>(seconds), done);
  };
  if (!within(10, [&] { return shared.connected; })) {
    std::cerr << "error: could not reach the relay at " << relay << "\n";
    return 1;
  }
  if (send->parsed()) {
    auto recipient = parse_address(to);
    if (!recipient) {
      std::cerr << "error: " << recipient.error().to_string() << "\n";
      return 2;
    }
    lock.unlock();
    auto id = (*client)->send_text(*recipient, text);
    lock.lock();
    if (!id) {
      std::cerr << "error: " << id.error().to_string() << "\n";
      return 1;
    }
    if (!within(10, [&] { return shared.sent + shared.failed > 0; })) {
      std::cerr << "error: the relay did not acknowledge the message in time (it stays queued)\n";
      return 1;
    }
    return shared.failed ? 1 : 0;
  }
  if (receive->parsed()) within(wait_seconds, [&] { return count > 0 && shared.received >= count; });
  return 0;
}
