// SPDX-License-Identifier: GPL-3.0-or-later
// Cell wire values: round trips, the key-tag rule of sender-key envelopes, garbage, and a
// version-1 store file migrating to the cell tables.
#include "cells/codec.hpp"

#include <gtest/gtest.h>

#include <random>

#include "store/database.hpp"
#include "store/device_schema.hpp"
#include "store/device_store.hpp"
#include "support/temp_dir.hpp"

namespace parley::cells {
namespace {

CellId cell_of(std::uint8_t fill) {
  CellId id;
  id.fill(fill);
  return id;
}

ChannelMessage sample_message() {
  ChannelMessage m;
  m.cell_id = cell_of(7);
  m.channel = "intel";
  m.epoch = 3;
  m.head.fill(0x33);
  m.message_id.bytes.fill(0x44);
  m.sent_at = 1'700'000'000'000;
  m.body = {'h', 'i'};
  return m;
}

TEST(CellsCodec, RoundTrips) {
  const ChannelMessage m = sample_message();
  auto back = decode_channel_message(encode(m));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->channel, "intel");
  EXPECT_EQ(back->epoch, 3u);
  EXPECT_EQ(back->head, m.head);
  EXPECT_EQ(back->message_id, m.message_id);
  EXPECT_EQ(back->body, m.body);

  auto d = decode_distribution(encode(KeyDistribution{cell_of(1), "commercial", 2, Bytes(40, 9)}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->channel, "commercial");
  EXPECT_EQ(d->generation, 2u);
  EXPECT_EQ(d->first_post, 0u);  // not said: the reader starts at next_post
  auto since = decode_distribution(encode(KeyDistribution{cell_of(1), "commercial", 2, Bytes(40, 9), 9, 4}));
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(since->next_post, 9u);
  EXPECT_EQ(since->first_post, 4u);
  auto r = decode_resync(encode(ResyncRequest{cell_of(2), 5}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->from_epoch, 5u);
  HeadBeacon beacon{cell_of(3), 7, {}};
  beacon.head.fill(0xAB);
  auto b = decode_head_beacon(encode(beacon));
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->cell_id, cell_of(3));
  EXPECT_EQ(b->epoch, 7u);
  EXPECT_EQ(b->head, beacon.head);
}

TEST(CellsCodec, FieldRulesAreEnforced) {
  ChannelMessage m = sample_message();
  m.channel = "Not A Channel";
  EXPECT_EQ(decode_channel_message(encode(m)).error().code, Errc::malformed_frame);
  m = sample_message();
  m.epoch = 0;
  EXPECT_EQ(decode_channel_message(encode(m)).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_distribution(encode(KeyDistribution{cell_of(1), "intel", 0, Bytes(40, 9)})).error().code,
            Errc::malformed_frame);
  EXPECT_EQ(decode_distribution(encode(KeyDistribution{cell_of(1), "intel", 1, Bytes{}})).error().code,
            Errc::malformed_frame);
  // A reader's share cannot start after the sender's next post.
  EXPECT_EQ(decode_distribution(encode(KeyDistribution{cell_of(1), "intel", 1, Bytes(40, 9), 3, 4})).error().code,
            Errc::malformed_frame);
  // A beacon names a real epoch.
  EXPECT_EQ(decode_head_beacon(encode(HeadBeacon{cell_of(3), 0, {}})).error().code, Errc::malformed_frame);
  // One identifier is not another: a resync is not a channel message, nor a beacon.
  EXPECT_EQ(decode_head_beacon(encode(ResyncRequest{cell_of(2), 5})).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_channel_message(encode(ResyncRequest{cell_of(2), 5})).error().code, Errc::malformed_frame);
  // Truncated and extended.
  Bytes bytes = encode(sample_message());
  EXPECT_EQ(decode_channel_message(ByteView(bytes).first(bytes.size() - 1)).error().code, Errc::truncated);
  bytes.push_back(0);
  EXPECT_EQ(decode_channel_message(bytes).error().code, Errc::malformed_frame);
}

TEST(CellsCodec, GarbageNeverCrashes) {
  std::mt19937 rng(11);
  const Bytes valid = encode(sample_message());
  for (int i = 0; i < 3000; ++i) {
    Bytes b = valid;
    b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    auto m = decode_channel_message(b);
    if (m.ok()) {
      EXPECT_LE(m->body.size(), envelope::kMaxBodyBytes);
    }
    (void)decode_distribution(b);
    (void)decode_welcome(b);
    (void)decode_resync(b);
    (void)decode_head_beacon(b);
  }
}

TEST(CellsCodec, SenderKeyEnvelopesCarryExactlyOneTag) {
  auto tag = key_tag(cell_of(1), "intel", 1);
  ASSERT_TRUE(tag.ok());
  auto env = envelope::decode(envelope::encode(envelope::Envelope{envelope::CipherType::sender_key, Bytes{1, 2}, *tag}));
  ASSERT_TRUE(env.ok()) << env.error().to_string();
  EXPECT_EQ(env->key_tag, *tag);
  EXPECT_EQ(envelope::decode(envelope::encode(envelope::Envelope{envelope::CipherType::sender_key, Bytes{1}, std::nullopt}))
                .error()
                .code,
            Errc::malformed_frame);
  EXPECT_EQ(envelope::decode(envelope::encode(envelope::Envelope{envelope::CipherType::whisper, Bytes{1}, *tag}))
                .error()
                .code,
            Errc::malformed_frame);
  // Tags separate cells, channels and generations, and do not contain the channel name.
  EXPECT_NE(*key_tag(cell_of(1), "intel", 2), *tag);
  EXPECT_NE(*key_tag(cell_of(2), "intel", 1), *tag);
  EXPECT_NE(*key_tag(cell_of(1), "commercial", 1), *tag);
}

TEST(CellsStore, VersionOneFileMigratesAndKeepsItsData) {
  parley::test::TempDir dir;
  const std::string path = dir.file("v1");
  {
    auto db = store::Database::open(path, StoreKey::passphrase("k"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec(store::device_migrations()[0].sql).ok());
    ASSERT_TRUE(db->exec("PRAGMA user_version = 1").ok());
    ASSERT_TRUE(db->exec("INSERT INTO meta (key, value) VALUES ('registered', x'01')").ok());
  }
  auto opened = store::DeviceStore::open(path, StoreKey::passphrase("k"));
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  auto registered = (*opened)->meta_get("registered");
  ASSERT_TRUE(registered.ok());
  EXPECT_TRUE(registered->has_value());
  const CellId cell = cell_of(3);
  ASSERT_TRUE((*opened)->commit_put(ByteView(cell), store::StoredCommit{1, Bytes{1}, Bytes{2}}).ok());
  auto ids = (*opened)->cell_ids();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 1u);
}

}  // namespace
}  // namespace parley::cells
