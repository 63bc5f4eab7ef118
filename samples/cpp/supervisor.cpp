// SPDX-License-Identifier: GPL-3.0-or-later
// The C++ API: a supervisor device that creates the seeds' cell with the members given on the
// command line and prints every channel message until it sees the one it waits for.
//   parley-sample-cpp USER STORE PASSPHRASE RELAY_PORT UNTIL_TEXT USER:PARTY:KEYHEX...
#include <parley/client.hpp>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

namespace {

parley::Bytes from_hex(const std::string& hex) {
  parley::Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// "user:PARTY:keyhex" -> a member device (device number 1).
parley::CellMember parse_member(const std::string& arg) {
  const auto a = arg.find(':'), b = arg.find(':', a + 1);
  return parley::CellMember{{arg.substr(0, a), 1}, arg.substr(a + 1, b - a - 1), parley::CellRole::member,
                            from_hex(arg.substr(b + 1))};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s USER STORE PASSPHRASE RELAY_PORT UNTIL_TEXT USER:PARTY:KEYHEX...\n", argv[0]);
    return 2;
  }
  parley::ClientOptions options;
  options.address = {argv[1], 1};
  options.store_path = argv[2];
  options.store_key = parley::StoreKey::passphrase(argv[3]);
  options.relay_port = static_cast<std::uint16_t>(std::stoi(argv[4]));
  const std::string until = argv[5];
  auto client = parley::Client::open(std::move(options));
  if (!client) {
    std::fprintf(stderr, "open: %s\n", client.error().to_string().c_str());
    return 1;
  }

  std::mutex mutex;
  std::condition_variable changed;
  bool done = false;
  (*client)->set_event_handler([&](const parley::Event& event) {
    if (const auto* m = std::get_if<parley::ChannelMessageReceived>(&event)) {
      std::printf("%s %s: %s\n", m->channel.c_str(), m->sender.to_string().c_str(), m->text.c_str());
      std::fflush(stdout);
      std::lock_guard lock(mutex);
      done = done || m->text == until;
      changed.notify_all();
    }
  });
  if (auto started = (*client)->start(); !started) {
    std::fprintf(stderr, "start: %s\n", started.error().to_string().c_str());
    return 1;
  }

  // Members join only cells whose supervisor they were told about: hand them this line.
  auto anchor = (*client)->supervisor_anchor();
  if (!anchor) {
    std::fprintf(stderr, "supervisor_anchor: %s\n", anchor.error().to_string().c_str());
    return 1;
  }
  std::printf("anchor %s\n", parley::to_string(*anchor).c_str());
  std::fflush(stdout);

  parley::CellTemplate cell_template;  // the seeds' template: US supervises IL and SY
  for (int i = 6; i < argc; ++i) cell_template.members.push_back(parse_member(argv[i]));
  auto cell = (*client)->create_cell(cell_template);
  if (!cell) {
    std::fprintf(stderr, "create_cell: %s\n", cell.error().to_string().c_str());
    return 1;
  }
  std::printf("cell created with %zu members\n", cell_template.members.size());
  std::fflush(stdout);

  std::unique_lock lock(mutex);
  const bool seen = changed.wait_for(lock, std::chrono::seconds(60), [&] { return done; });
  lock.unlock();
  (*client)->stop();
  if (!seen) std::fprintf(stderr, "did not see '%s' within 60 s\n", until.c_str());
  return seen ? 0 : 1;
}
