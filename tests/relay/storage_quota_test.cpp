// SPDX-License-Identifier: GPL-3.0-or-later
// A full relay store refuses Sends with storage_full instead of failing: under the
// max_storage_bytes quota, and on a real full disk (a small tmpfs, where the test may mount
// one). In both cases nothing already stored is lost or corrupted, the relay stays up, and
// Sends work again once space is freed.
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "relay_errors.hpp"
#include "sqlite_storage.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"
#include "ws_client.hpp"

namespace parley::relay::test {
namespace {

using parley::test::http_get_status;
using parley::test::RelayProcess;
using parley::test::TempDir;

MessageId numbered(std::uint32_t n) {
  MessageId id{};
  for (int i = 0; i < 4; ++i) id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  id.bytes[15] = 0x5a;
  return id;
}

Bytes payload_of(std::uint32_t n, std::size_t size) {
  Bytes payload(size, static_cast<std::uint8_t>(n));
  payload[0] = static_cast<std::uint8_t>(n >> 8);
  return payload;
}

// Sends numbered messages of `size` bytes from `first` on until one is refused with
// storage_full (at most `limit` tries); returns how many were stored before that.
std::uint32_t send_until_full(WsClient& client, const Address& to, std::uint32_t first, std::size_t size,
                              std::uint32_t limit) {
  for (std::uint32_t n = first; n < first + limit; ++n) {
    client.send(send_frame(numbered(n), {to}, payload_of(n, size)));
    auto answer = client.read(std::chrono::seconds(10));
    if (answer && answer->type() == wire::RelayBody::SendAck) continue;
    const auto* failure = as_failure(answer);
    EXPECT_NE(failure, nullptr) << describe(answer);
    if (!failure) return n - first;
    EXPECT_EQ(failure->code(), static_cast<std::uint16_t>(kStorageFull)) << describe(answer);
    EXPECT_FALSE(failure->fatal());
    EXPECT_NE(failure->message_id(), nullptr);
    return n - first;
  }
  ADD_FAILURE() << "no storage_full after " << limit << " sends";
  return limit;
}

// Sends message `n` until it is stored, retrying while storage_full (space is being freed by
// a commit on another connection). True once a SendAck came.
bool send_when_space(WsClient& client, const Address& to, std::uint32_t n, std::size_t size) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    client.send(send_frame(numbered(n), {to}, payload_of(n, size)));
    auto answer = client.read(std::chrono::seconds(10));
    if (answer && answer->type() == wire::RelayBody::SendAck) return true;
    const auto* failure = as_failure(answer);
    if (!failure || failure->code() != static_cast<std::uint16_t>(kStorageFull)) {
      ADD_FAILURE() << describe(answer);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Connects `device`, receives every queued message, checks each is intact, acks them all;
// returns their numbers in delivery order.
std::vector<std::uint32_t> drain(std::uint16_t port, const TestDevice& device, std::size_t size) {
  auto client = connect_authenticated(port, device);
  std::vector<std::uint32_t> got;
  std::vector<std::uint64_t> ids;
  while (auto frame = client->read(std::chrono::milliseconds(700))) {
    if (frame->type() != wire::RelayBody::Deliver) continue;
    const auto* deliver = frame->frame->body_as_Deliver();
    const auto id = wire::to_message_id(deliver->message_id());
    const std::uint32_t n = static_cast<std::uint32_t>(id->bytes[0]) | (static_cast<std::uint32_t>(id->bytes[1]) << 8);
    const Bytes expected = payload_of(n, size);
    EXPECT_TRUE(std::equal(deliver->payload()->begin(), deliver->payload()->end(), expected.begin(), expected.end()))
        << "message " << n << " came back altered";
    got.push_back(n);
    ids.push_back(deliver->delivery_id());
    client->send(ack_frame({deliver->delivery_id()}));
  }
  return got;
}

void expect_intact(const std::string& data) {
  auto storage = SqliteStorage::open(data, StoreKey::none(), {});
  ASSERT_TRUE(storage.ok()) << storage.error().to_string();
  auto checked = storage->integrity_check();
  EXPECT_TRUE(checked.ok()) << checked.error().message;
}

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t count) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

// The storage layer alone: the quota refuses a new message, stores nothing for it, still
// answers a retry of a stored one as a duplicate, and lets messages in again after an ack.
TEST(RelayStorageQuota, StorageRefusesNewMessagesOverTheQuotaAndAcceptsAfterAnAck) {
  TempDir dir;
  StorageLimits limits;
  auto probe = SqliteStorage::open(dir.path() / "probe", StoreKey::none(), limits);
  ASSERT_TRUE(probe.ok());
  const std::uint64_t empty = *probe->used_bytes();
  limits.max_storage_bytes = empty + 40000;  // room for a few 8 KiB messages
  auto storage = SqliteStorage::open(dir.path() / "relay", StoreKey::none(), limits);
  ASSERT_TRUE(storage.ok()) << storage.error().to_string();
  DeviceRecord bob;
  bob.address = Address{"bob", 1};
  bob.identity_key = Bytes(33, 5);
  bob.signed_prekey = SignedPreKeyRecord{1, Bytes(33, 6), Bytes(64, 7)};
  ASSERT_TRUE(storage->register_device(bob, {}).ok());
  const Address alice{"alice", 1};
  std::uint32_t n = 1;
  Result<StoreOutcome> outcome = make_error(Errc::internal, "not run");
  for (; n < 100; ++n) {
    outcome = storage->store_message(alice, numbered(n), {bob.address}, payload_of(n, 8192), 1000);
    if (!outcome) break;
  }
  ASSERT_FALSE(outcome.ok()) << "no refusal after 100 messages";
  EXPECT_EQ(outcome.error().code, kStorageFull);
  EXPECT_GT(n, 1u);
  EXPECT_EQ(*storage->message_count(), n - 1) << "the refused message left nothing behind";
  // A retry of a message that was stored is a duplicate, full or not.
  auto retry = storage->store_message(alice, numbered(1), {bob.address}, payload_of(1, 8192), 2000);
  ASSERT_TRUE(retry.ok()) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  // Bob acks one: its pages are free again and the refused message fits.
  auto page = storage->load_mailbox(bob.address, 0, 1, 1 << 20);
  ASSERT_TRUE(page.ok() && page->messages.size() == 1);
  const std::uint64_t first = page->messages[0].delivery_id;
  ASSERT_TRUE(storage->ack(bob.address, std::span<const std::uint64_t>(&first, 1)).ok());
  EXPECT_TRUE(storage->store_message(alice, numbered(n), {bob.address}, payload_of(n, 8192), 3000).ok());
  EXPECT_TRUE(storage->integrity_check().ok());
}

TEST(RelayStorageQuota, SendsOverTheQuotaGetStorageFullUntilMailIsTaken) {
  constexpr std::size_t kPayload = 8192;
  TempDir dir;
  const std::string data = dir.file("relay");
  RelayProcess relay(data, {"--max-storage-bytes", "262144"});
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  auto carol = TestDevice::make("carol", 1, 2);
  connect_registered(relay.port(), bob).reset();
  auto c = connect_registered(relay.port(), carol);
  auto a = connect_registered(relay.port(), alice);

  const std::uint32_t stored = send_until_full(*a, bob.address, 1, kPayload, 64);
  ASSERT_GT(stored, 0u);
  // Another sender is refused the same way, and the relay answers everything else.
  c->send(send_frame(numbered(1000), {bob.address}, payload_of(1000, kPayload)));
  auto refused = c->read();
  ASSERT_NE(as_failure(refused), nullptr) << describe(refused);
  EXPECT_EQ(as_failure(refused)->code(), static_cast<std::uint16_t>(kStorageFull));
  EXPECT_NE(describe(refused).find("quota"), std::string::npos) << describe(refused);
  EXPECT_EQ(http_get_status(relay.port(), "/readyz"), 200);
  std::string metrics;
  ASSERT_EQ(http_get_status(relay.port(), "/metrics", &metrics), 200);
  EXPECT_NE(metrics.find("parley_relay_refusals_total{reason=\"storage_full\"} 2"), std::string::npos) << metrics;

  // Bob takes his mail: every stored message, intact and in order; then there is room again.
  EXPECT_EQ(drain(relay.port(), bob, kPayload), range(1, stored));
  EXPECT_TRUE(send_when_space(*a, bob.address, 2000, kPayload));
  EXPECT_EQ(relay.stop(), 0);
  expect_intact(data);
}

// Mounts a tmpfs of `bytes` at `path` for the test's lifetime (CI containers may forbid it).
class SmallDisk {
 public:
  SmallDisk(const std::string& path, std::size_t bytes) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Writes to `path` until the disk refuses; returns the bytes written.
std::size_t fill(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return 0;
  std::vector<char> chunk(4096, 'x');
  std::size_t written = 0;
  while (std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size() && std::fflush(file) == 0)
    written += chunk.size();
  std::fclose(file);
  return written;
}

TEST(RelayStorageQuota, AFullDiskGivesStorageFullAndRecoversWhenSpaceIsFreed) {
  constexpr std::size_t kPayload = 16384;
  TempDir dir;
  SmallDisk disk(dir.file("disk"), 4u << 20);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  const std::string data = dir.file("disk") + "/relay";
  RelayProcess relay(data);
  relay.start();
  auto alice = TestDevice::make("alice", 1, 2);
  auto bob = TestDevice::make("bob", 1, 2);
  connect_registered(relay.port(), bob).reset();
  auto a = connect_registered(relay.port(), alice);
  // Some mail is stored while there is room.
  for (std::uint32_t n = 1; n <= 3; ++n) {
    a->send(send_frame(numbered(n), {bob.address}, payload_of(n, kPayload)));
    auto ack = a->read();
    ASSERT_TRUE(ack && ack->type() == wire::RelayBody::SendAck) << describe(ack);
  }

  ASSERT_GT(fill(dir.file("disk") + "/filler"), 0u);
  const std::uint32_t more = send_until_full(*a, bob.address, 4, kPayload, 256);
  EXPECT_EQ(http_get_status(relay.port(), "/readyz"), 200) << "the relay stays up";

  // The operator frees space: sending works again.
  std::filesystem::remove(dir.file("disk") + "/filler");
  EXPECT_TRUE(send_when_space(*a, bob.address, 500, kPayload));
  auto expected = range(1, 3 + more);
  expected.push_back(500);
  EXPECT_EQ(drain(relay.port(), bob, kPayload), expected);
  EXPECT_EQ(relay.stop(), 0);
  expect_intact(data);
}

}  // namespace
}  // namespace parley::relay::test
