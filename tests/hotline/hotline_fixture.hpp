// SPDX-License-Identifier: GPL-3.0-or-later
// Hotline test helpers: the charter suite's seeds' cell with the de-escalation channel made
// ack_required (1 h) and attested, and a builder that posts signed, sequenced messages into
// a transcript the way an engine would. Shared by the hotline suite and the transcript
// files the parley-verify ctest checks.
#pragma once

#include <map>

#include "charter/charter_fixture.hpp"
#include "hotline/codec.hpp"
#include "hotline/precedence.hpp"
#include "hotline/transcript.hpp"

namespace parley::hotline::test {

using charter::test::kIlAdmin;
using charter::test::kIlObserver;
using charter::test::kIlOfficer;
using charter::test::kIlTrade;
using charter::test::kSup;
using charter::test::kSup2;
using charter::test::kSyAdmin;
using charter::test::kSyOfficer;
using charter::test::kUsObserver;
using charter::test::must;

inline constexpr const char* kChannel = "deescalation";
inline constexpr std::uint32_t kPolicyDeadlineSeconds = 3600;
inline constexpr TimeMs kT0 = 1'700'000'100'000;

inline charter::ChannelPolicy hotline_policy(bool attested = true, bool ack_required = true) {
  charter::ChannelPolicy p;
  p.read = {charter::Grant::for_party("IL"), charter::Grant::for_party("SY"), charter::Grant::for_party("US")};
  p.post = {charter::Grant::for_party("IL"), charter::Grant::for_party("SY")};
  p.ack_required = ack_required;
  p.ack_deadline_seconds = ack_required ? kPolicyDeadlineSeconds : 0;
  p.attested = attested;
  return p;
}

inline MessageId message_id(std::uint32_t n) {
  MessageId id;
  for (int i = 0; i < 4; ++i) id.bytes[12 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  id.bytes[0] = 0xa5;
  return id;
}

// Builds a transcript of kChannel: commits are the cell's chain; post() signs with the
// sender's identity key at the cell's current epoch and numbers per sender from 1.
class TranscriptBuilder {
 public:
  explicit TranscriptBuilder(charter::test::TestCell& cell) : cell_(cell) {
    transcript_.cell_id = cell.state().cell_id;
    transcript_.channel = kChannel;
  }

  AttestedMessage post(const Address& sender, Bytes body, std::uint8_t kind = kKindText,
                        Precedence precedence = Precedence::routine, TimeMs at = 0) {
    AttestedMessage m;
    m.sender = sender;
    m.message_id = message_id(++counter_);
    m.epoch = cell_.state().epoch;
    m.head = cell_.state().head;
    m.sent_at = at ? at : kT0 + TimeMs(counter_) * 1000;
    m.kind = kind;
    m.precedence = static_cast<std::uint8_t>(precedence);
    m.sequence = ++sequences_[sender];
    m.body = std::move(body);
    sync_commits();
    EXPECT_TRUE(attest(transcript_, m, cell_.keys().priv(sender)).ok());
    transcript_.messages.push_back(std::move(m));
    return transcript_.messages.back();
  }

  AttestedMessage text(const Address& sender, const std::string& text, Precedence precedence = Precedence::routine) {
    return post(sender, Bytes(text.begin(), text.end()), kKindText, precedence);
  }

  AttestedMessage ack(const Address& sender, const AttestedMessage& target) {
    return post(sender, encode(Body{Acknowledgement{{target.sender, target.message_id}}}), kKindHotline);
  }

  Transcript& transcript() {
    sync_commits();
    return transcript_;
  }

 private:
  void sync_commits() { transcript_.commits = cell_.chain(); }

  charter::test::TestCell& cell_;
  Transcript transcript_;
  std::map<Address, std::uint64_t> sequences_;
  std::uint32_t counter_ = 0;
};

// The seeds' cell with the hotline policy on kChannel (epoch 2).
inline void make_hotline_channel(charter::test::TestCell& cell, bool attested = true, bool ack_required = true) {
  cell.commit({charter::SetChannelPolicy{kChannel, hotline_policy(attested, ack_required)}});
}

// A conversation on an attested channel: IL posts FLASH, SY acknowledges, SY posts, IL
// acknowledges, IL posts again. Five messages, all valid.
inline Transcript sample_transcript(charter::test::TestCell& cell) {
  make_hotline_channel(cell);
  TranscriptBuilder b(cell);
  auto first = b.text(kIlOfficer, "Unit moving to grid 31S, request hold fire", Precedence::flash);
  b.ack(kSyOfficer, first);
  auto reply = b.text(kSyOfficer, "Acknowledged; holding", Precedence::immediate);
  b.ack(kIlAdmin, reply);
  b.text(kIlOfficer, "Movement complete");
  return b.transcript();
}

}  // namespace parley::hotline::test
