// SPDX-License-Identifier: GPL-3.0-or-later
// The recovery messages (PostsRequest, PostsResend, KeyRequest) on the wire, and a version-2
// store file migrating to the recovery tables with its data intact.
#include <gtest/gtest.h>

#include <random>

#include "cells/codec.hpp"
#include "store/database.hpp"
#include "store/device_schema.hpp"
#include "store/device_store.hpp"
#include "store/recipient_codec.hpp"
#include "support/temp_dir.hpp"

namespace parley::cells {
namespace {

CellId cell_of(std::uint8_t fill) {
  CellId id;
  id.fill(fill);
  return id;
}

ChannelMessage message(std::uint64_t post_number, std::string channel = "intel") {
  ChannelMessage m;
  m.cell_id = cell_of(7);
  m.channel = std::move(channel);
  m.epoch = 2;
  m.head.fill(0x22);
  m.message_id.bytes.fill(static_cast<std::uint8_t>(post_number));
  m.sent_at = 1'700'000'000'000;
  m.body = {'p', static_cast<std::uint8_t>('0' + post_number)};
  m.post_number = post_number;
  return m;
}

TEST(RecoveryCodec, RoundTrips) {
  auto request = decode_posts_request(encode(PostsRequest{cell_of(7), "intel", 3, 9}));
  ASSERT_TRUE(request.ok()) << request.error().to_string();
  EXPECT_EQ(request->from_post, 3u);
  EXPECT_EQ(request->to_post, 9u);
  EXPECT_EQ(request->channel, "intel");

  auto resend = decode_posts_resend(encode(PostsResend{cell_of(7), "intel", 5, {message(3), message(5)}, {}}));
  ASSERT_TRUE(resend.ok()) << resend.error().to_string();
  EXPECT_EQ(resend->through_post, 5u);
  ASSERT_EQ(resend->messages.size(), 2u);
  EXPECT_EQ(resend->messages[1].post_number, 5u);
  EXPECT_EQ(resend->messages[1].body, message(5).body);
  EXPECT_TRUE(resend->skipped.empty());  // absent on the wire: nothing skipped

  auto skipping = decode_posts_resend(
      encode(PostsResend{cell_of(7), "intel", 5, {message(3)}, {SkippedPost{4, 2}, SkippedPost{5, 3}}}));
  ASSERT_TRUE(skipping.ok()) << skipping.error().to_string();
  EXPECT_EQ(skipping->skipped, (std::vector<SkippedPost>{{4, 2}, {5, 3}}));

  KeyRequest key;
  key.key_tag.fill(0x9c);
  auto back = decode_key_request(encode(key));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->key_tag, key.key_tag);

  auto m = decode_channel_message(encode(message(42)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->post_number, 42u);
}

TEST(RecoveryCodec, FieldRulesAreEnforced) {
  EXPECT_EQ(decode_posts_request(encode(PostsRequest{cell_of(7), "intel", 0, 4})).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_posts_request(encode(PostsRequest{cell_of(7), "intel", 5, 4})).error().code, Errc::malformed_frame);
  EXPECT_EQ(decode_posts_request(encode(PostsRequest{cell_of(7), "no spaces", 1, 4})).error().code,
            Errc::malformed_frame);
  // A resend may only carry posts of its own channel, up to its through_post.
  EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", 5, {message(3, "commercial")}, {}})).error().code,
            Errc::malformed_frame);
  EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", 2, {message(3)}, {}})).error().code,
            Errc::malformed_frame);
  EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", 0, {}, {}})).error().code, Errc::malformed_frame);
  // Skips: ascending numbers up to through_post, each with an epoch, no more than a full answer.
  for (const auto& skipped : std::vector<std::vector<SkippedPost>>{
           {{6, 2}}, {{3, 0}}, {{4, 2}, {4, 2}}, {{4, 2}, {3, 2}}, {{0, 1}}}) {
    EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", 5, {}, skipped})).error().code,
              Errc::malformed_frame)
        << skipped.size();
  }
  std::vector<SkippedPost> skips;
  for (std::uint64_t i = 1; i <= kMaxResendMessages + 1; ++i) skips.push_back({i, 1});
  EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", kMaxResendMessages + 1, {}, skips}))
                .error()
                .code,
            Errc::malformed_frame);
  std::vector<ChannelMessage> too_many;
  for (std::uint64_t i = 1; i <= kMaxResendMessages + 1; ++i) too_many.push_back(message(i));
  EXPECT_EQ(decode_posts_resend(encode(PostsResend{cell_of(7), "intel", kMaxResendMessages + 1, too_many, {}}))
                .error()
                .code,
            Errc::malformed_frame);
  ChannelMessage unnumbered = message(1);
  unnumbered.post_number = 0;
  EXPECT_EQ(decode_channel_message(encode(unnumbered)).error().code, Errc::malformed_frame);
  // Each decoder refuses the others' buffers (identifiers differ).
  EXPECT_FALSE(decode_key_request(encode(PostsRequest{cell_of(7), "intel", 1, 1})).ok());
  EXPECT_FALSE(decode_posts_request(encode(KeyRequest{})).ok());
}

TEST(RecoveryCodec, GarbageNeverCrashes) {
  std::mt19937 rng(23);
  const Bytes valid = encode(PostsResend{cell_of(7), "intel", 5, {message(3), message(5)}, {SkippedPost{4, 1}}});
  for (int i = 0; i < 3000; ++i) {
    Bytes b = valid;
    b[rng() % b.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    auto r = decode_posts_resend(b);
    if (r.ok()) {
      EXPECT_LE(r->messages.size(), kMaxResendMessages);
    }
    (void)decode_posts_request(b);
    (void)decode_key_request(b);
  }
}

TEST(RecoveryStore, VersionTwoFileMigratesAndKeepsItsData) {
  parley::test::TempDir dir;
  const std::string path = dir.file("v2");
  const CellId cell = cell_of(3);
  {
    auto db = store::Database::open(path, StoreKey::passphrase("k"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec(store::device_migrations()[0].sql).ok());
    ASSERT_TRUE(db->exec(store::device_migrations()[1].sql).ok());
    ASSERT_TRUE(db->exec("PRAGMA user_version = 2").ok());
    auto distributed = store::encode_recipients({Address{"sy", 1}});
    ASSERT_TRUE(distributed.ok());
    auto insert = db->prepare("INSERT INTO channel_send_keys VALUES (?1, 'intel', 4, ?2, 7, 1000)");
    ASSERT_TRUE(insert.ok());
    insert->bind(1, ByteView(cell)).bind(2, ByteView(*distributed));
    ASSERT_TRUE(insert->run().ok());
  }
  auto opened = store::DeviceStore::open(path, StoreKey::passphrase("k"));
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  auto key = (*opened)->send_key_get(ByteView(cell), "intel");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->generation, 4u);
  EXPECT_EQ((*key)->sent_count, 7u);
  EXPECT_EQ((*key)->next_post, 1u);  // numbering starts with the first post after the upgrade
  const Address sy{"sy", 1};
  ASSERT_TRUE((*opened)->cursor_put(ByteView(cell), "intel", sy, 5).ok());
  auto cursor = (*opened)->cursor_get(ByteView(cell), "intel", sy);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->value_or(0), 5u);
}

}  // namespace
}  // namespace parley::cells
