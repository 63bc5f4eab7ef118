// SPDX-License-Identifier: GPL-3.0-or-later
// Writes one valid buffer of every kind into DIR/<target>/, the starting corpus for the
// fuzz targets, so the fuzzer starts past the identifier and version checks.
#include <filesystem>
#include <fstream>

#include "cells/codec.hpp"
#include "charter/codec.hpp"
#include "charter/seed_template.hpp"
#include "crypto/keys.hpp"
#include "envelope/envelope.hpp"
#include "hotline/codec.hpp"
#include "hotline/transcript.hpp"
#include "wire/frames.hpp"

namespace {

namespace fs = std::filesystem;
using namespace parley;

void write(const fs::path& dir, const std::string& name, const Bytes& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes key(std::uint8_t fill) {
  Bytes k(33, fill);
  k[0] = 0x05;
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const fs::path root = argv[1];
  const Address alice{"alice", 1};
  MessageId id;
  id.bytes.fill(7);

  write(root / "envelope_decode", "prekey", envelope::encode(envelope::Envelope{envelope::CipherType::prekey, Bytes(40, 1)}));
  write(root / "content_decode", "text", envelope::encode(envelope::Content{id, 1700000000000, envelope::ContentKind::text, Bytes{'h', 'i'}}));

  using namespace parley::wire;
  const fs::path client = root / "client_frame_parse";
  {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<PreKey>> pks{CreatePreKey(fbb, 1, fbb.CreateVector(key(2)))};
    auto spk = CreateSignedPreKey(fbb, 1, fbb.CreateVector(key(3)), fbb.CreateVector(Bytes(64, 4)));
    auto body = CreateRegister(fbb, make_address(fbb, alice), 42, fbb.CreateVector(key(1)), spk, fbb.CreateVector(pks),
                               fbb.CreateVector(Bytes(64, 5)));
    write(client, "register", finish_client_frame(fbb, ClientBody::Register, body.Union()));
  }
  {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<wire::Address>> to{make_address(fbb, parley::Address{"bob", 1}),
                                                       make_address(fbb, parley::Address{"carol", 2})};
    auto body = CreateSend(fbb, fbb.CreateVector(id.bytes.data(), id.bytes.size()), fbb.CreateVector(to),
                           fbb.CreateVector(Bytes(100, 9)));
    write(client, "send", finish_client_frame(fbb, ClientBody::Send, body.Union()));
  }
  {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = CreateFetchBundle(fbb, 3, make_address(fbb, alice));
    write(client, "fetch", finish_client_frame(fbb, ClientBody::FetchBundle, body.Union()));
  }
  const fs::path relay = root / "relay_frame_parse";
  {
    flatbuffers::FlatBufferBuilder fbb;
    auto body = CreateDeliver(fbb, 5, make_address(fbb, alice), fbb.CreateVector(id.bytes.data(), id.bytes.size()),
                              fbb.CreateVector(Bytes(50, 1)), 123);
    write(relay, "deliver", finish_relay_frame(fbb, RelayBody::Deliver, body.Union()));
  }
  {
    flatbuffers::FlatBufferBuilder fbb;
    auto spk = CreateSignedPreKey(fbb, 1, fbb.CreateVector(key(3)), fbb.CreateVector(Bytes(64, 4)));
    auto otk = CreatePreKey(fbb, 9, fbb.CreateVector(key(6)));
    auto body = CreateBundle(fbb, 3, make_address(fbb, alice), 42, fbb.CreateVector(key(1)), spk, otk);
    write(relay, "bundle", finish_relay_frame(fbb, RelayBody::Bundle, body.Union()));
  }
  write(relay, "failure", make_failure({Errc::mailbox_full, "full"}, false, 0, &id));

  const fs::path charter_dir = root / "charter_decode";
  {
    auto supervisor = crypto::generate_key_pair();
    auto member = crypto::generate_key_pair();
    if (!supervisor || !member) return 1;
    charter::SeedCellOptions options;
    options.cell_id.fill(0x42);
    options.supervisor = parley::Address{"us_sup", 1};
    options.supervisor_key = supervisor->public_key;
    options.members = {{parley::Address{"il_admin", 1}, "IL", charter::Role::party_admin, member->public_key}};
    auto genesis = charter::sign_commit(charter::seeds_cell_genesis(options), supervisor->private_key);
    if (!genesis) return 1;
    write(charter_dir, "genesis", genesis->bytes);
    write(charter_dir, "signed_genesis", charter::encode_signed_commit(*genesis));
    charter::ProposalBody body{options.cell_id, 1, parley::Address{"il_admin", 1}, 1,
                               {charter::RemoveDevice{parley::Address{"il_admin", 1}}}};
    auto proposal = charter::sign_proposal(body, member->private_key);
    if (!proposal) return 1;
    write(charter_dir, "proposal", proposal->bytes);
    // Labels, consent and a co-signed container (docs/governance.md).
    auto genesis_hash = charter::commit_hash(genesis->bytes);
    if (!genesis_hash) return 1;
    charter::ChannelPolicy labelled;
    labelled.read = {charter::Grant::for_party("IL")};
    labelled.post = labelled.read;
    labelled.consent = true;
    labelled.consent_quorum = 1;
    labelled.label = "SECRET";
    labelled.releasable_to = {"IL", "SY"};
    charter::Commit governance{options.cell_id, 2, *genesis_hash, options.supervisor, 2,
                               {charter::SetLevels{{"LOW", "SECRET"}},
                                charter::SetClearance{parley::Address{"il_admin", 1}, "SECRET"},
                                charter::SetChannelPolicy{"intel", labelled}}};
    auto co_signed = charter::sign_commit(governance, supervisor->private_key);
    if (!co_signed) return 1;
    auto consent = charter::co_sign_commit(co_signed->bytes, parley::Address{"il_admin", 1}, member->private_key);
    if (!consent) return 1;
    co_signed->co_signatures.push_back(*consent);
    write(charter_dir, "labels_commit", co_signed->bytes);
    write(charter_dir, "co_signed", charter::encode_signed_commit(*co_signed));

    const fs::path cells_dir = root / "cells_decode";
    write(cells_dir, "welcome", cells::encode(cells::Welcome{options.cell_id, {*genesis}}));
    write(cells_dir, "distribution", cells::encode(cells::KeyDistribution{options.cell_id, "intel", 1, Bytes(80, 3)}));
    write(cells_dir, "resync", cells::encode(cells::ResyncRequest{options.cell_id, 2}));
    cells::ChannelMessage message;
    message.cell_id = options.cell_id;
    message.channel = "intel";
    message.epoch = 1;
    message.message_id = id;
    message.sent_at = 1700000000000;
    message.body = Bytes{'h', 'i'};
    write(cells_dir, "channel_message", cells::encode(message));
    write(cells_dir, "posts_request", cells::encode(cells::PostsRequest{options.cell_id, "intel", 2, 5}));
    write(cells_dir, "posts_resend", cells::encode(cells::PostsResend{options.cell_id, "intel", 3, {message}, {cells::SkippedPost{2, 1}}}));
    write(cells_dir, "key_request", cells::encode(cells::KeyRequest{}));

    // Hotline bodies of every kind, and a transcript of an attested channel.
    const fs::path hotline_dir = root / "hotline_decode";
    const hotline::MessageRef target{alice, id};
    const hotline::GeoPoint p1{332000000, 356000000}, p2{332100000, 356000000}, p3{332100000, 356200000};
    write(hotline_dir, "ack", hotline::encode(hotline::Body{hotline::Acknowledgement{target}}));
    write(hotline_dir, "receipt", hotline::encode(hotline::Body{hotline::DeliveryReceipt{target}}));
    write(hotline_dir, "escalation", hotline::encode(hotline::Body{hotline::EscalationNotice{target, "SY", 1700000600000}}));
    write(hotline_dir, "circle", hotline::encode(hotline::Body{hotline::DeconflictionNotice{
                                     hotline::Circle{p1, 5000}, {1700000000000, 1700003600000}, "exercise"}}));
    write(hotline_dir, "polygon", hotline::encode(hotline::Body{hotline::DeconflictionNotice{
                                      hotline::Polygon{{p1, p2, p3}}, {1700000000000, 1700003600000}, "patrol"}}));
    hotline::IncidentOperation op;
    op.incident.fill(5);
    op.action = hotline::IncidentOpen{"Shots near the line", "details", hotline::Severity::high, "SY", p1};
    write(hotline_dir, "incident_open", hotline::encode(hotline::Body{op}));
    op.action = hotline::IncidentResolve{target, "agreed"};
    write(hotline_dir, "incident_resolve", hotline::encode(hotline::Body{op}));

    charter::ChannelPolicy policy;
    policy.read = {charter::Grant::for_party("IL"), charter::Grant::for_party("US")};
    policy.post = {charter::Grant::for_party("IL")};
    policy.attested = true;
    auto head = charter::commit_hash(genesis->bytes);
    if (!head) return 1;
    charter::Commit second{options.cell_id, 2, *head, options.supervisor, 2, {charter::SetChannelPolicy{"intel", policy}}};
    auto signed_second = charter::sign_commit(second, supervisor->private_key);
    if (!signed_second) return 1;
    auto head2 = charter::commit_hash(signed_second->bytes);
    if (!head2) return 1;
    hotline::Transcript transcript;
    transcript.cell_id = options.cell_id;
    transcript.channel = "intel";
    transcript.commits = {*genesis, *signed_second};
    hotline::AttestedMessage m;
    m.sender = parley::Address{"il_admin", 1};
    m.message_id = id;
    m.epoch = 2;
    m.head = *head2;
    m.sent_at = 1700000000000;
    m.precedence = 4;
    m.sequence = 1;
    m.body = Bytes{'h', 'i'};
    if (!hotline::attest(transcript, m, member->private_key).ok()) return 1;
    transcript.messages.push_back(m);
    write(hotline_dir, "transcript", hotline::encode_transcript(transcript));
  }
  return 0;
}
