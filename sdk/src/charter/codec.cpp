// SPDX-License-Identifier: GPL-3.0-or-later
#include "charter/codec.hpp"
#include "wire/size_prefixed.hpp"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>

#include "charter/syntax.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"
#include "wire/charter_generated.h"

namespace parley::charter {

namespace {

namespace fb = parley::wire::charter;

constexpr const char* kCommitIdentifier = "PLH1";
constexpr const char* kProposalIdentifier = "PLP1";
constexpr const char* kContainerIdentifier = "PLS1";

// Commit -> Operation -> SetChannelPolicy -> Grant is the deepest legitimate path (4).
constexpr flatbuffers::uoffset_t kMaxDepth = 8;
// Every operation costs at most 2 + 2 * kMaxGrants tables; the byte limit bounds the rest.
constexpr flatbuffers::uoffset_t kMaxTables = 64 * 1024;

Error bad(std::string message) { return make_error(Errc::malformed_frame, std::move(message)); }

// --- encoding --------------------------------------------------------------------------------

using Builder = flatbuffers::FlatBufferBuilder;

flatbuffers::Offset<parley::wire::Address> put_address(Builder& fbb, const Address& address) {
  auto user = fbb.CreateString(address.user);
  return parley::wire::CreateAddress(fbb, user, address.device);
}

fb::Role put_role(std::optional<Role> role) {
  return role ? static_cast<fb::Role>(static_cast<std::uint8_t>(*role)) : fb::Role::None;
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Grant>>> put_grants(Builder& fbb,
                                                                                  const std::vector<Grant>& grants) {
  std::vector<flatbuffers::Offset<fb::Grant>> out;
  out.reserve(grants.size());
  for (const Grant& grant : grants) {
    auto name = fbb.CreateString(grant.name);
    out.push_back(fb::CreateGrant(fbb, static_cast<fb::GrantKind>(static_cast<std::uint8_t>(grant.kind)), name,
                                  grant.device));
  }
  return fbb.CreateVector(out);
}

flatbuffers::Offset<fb::Operation> put_operation(Builder& fbb, const Operation& operation) {
  struct Visitor {
    Builder& fbb;
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const CreateCell& op) const {
      auto name = fbb.CreateString(op.name);
      auto user = fbb.CreateString(op.supervisor_user);
      auto party = fbb.CreateString(op.supervisor_party);
      return {fb::OperationBody::CreateCell, fb::CreateCreateCell(fbb, name, user, party).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const AddDevice& op) const {
      auto device = put_address(fbb, op.device);
      auto party = fbb.CreateString(op.party);
      auto key = fbb.CreateVector(op.identity_key);
      return {fb::OperationBody::AddDevice, fb::CreateAddDevice(fbb, device, party, put_role(op.role), key).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const RemoveDevice& op) const {
      auto device = put_address(fbb, op.device);
      return {fb::OperationBody::RemoveDevice, fb::CreateRemoveDevice(fbb, device).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const SetRole& op) const {
      auto user = fbb.CreateString(op.user);
      return {fb::OperationBody::SetRole, fb::CreateSetRole(fbb, user, put_role(op.role)).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const CreateChannel& op) const {
      auto channel = fbb.CreateString(op.channel);
      auto name = fbb.CreateString(op.display_name);
      return {fb::OperationBody::CreateChannel, fb::CreateCreateChannel(fbb, channel, name).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const RenameChannel& op) const {
      auto channel = fbb.CreateString(op.channel);
      auto name = fbb.CreateString(op.display_name);
      return {fb::OperationBody::RenameChannel, fb::CreateRenameChannel(fbb, channel, name).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const ArchiveChannel& op) const {
      auto channel = fbb.CreateString(op.channel);
      return {fb::OperationBody::ArchiveChannel, fb::CreateArchiveChannel(fbb, channel).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const SetChannelPolicy& op) const {
      auto channel = fbb.CreateString(op.channel);
      auto read = put_grants(fbb, op.policy.read);
      auto post = put_grants(fbb, op.policy.post);
      // Absent when empty, so that a policy without labels encodes as it always did.
      flatbuffers::Offset<flatbuffers::String> label;
      if (!op.policy.label.empty()) label = fbb.CreateString(op.policy.label);
      flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>> releasable;
      if (!op.policy.releasable_to.empty()) releasable = fbb.CreateVectorOfStrings(op.policy.releasable_to);
      return {fb::OperationBody::SetChannelPolicy,
              fb::CreateSetChannelPolicy(fbb, channel, read, post, op.policy.ack_required,
                                         op.policy.ack_deadline_seconds, op.policy.attested,
                                         op.policy.retention_seconds, op.policy.consent,
                                         op.policy.consent_quorum, label, releasable)
                  .Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const SetLevels& op) const {
      auto levels = fbb.CreateVectorOfStrings(op.levels);
      return {fb::OperationBody::SetLevels, fb::CreateSetLevels(fbb, levels).Union()};
    }
    std::pair<fb::OperationBody, flatbuffers::Offset<void>> operator()(const SetClearance& op) const {
      auto device = put_address(fbb, op.device);
      flatbuffers::Offset<flatbuffers::String> level;
      if (!op.level.empty()) level = fbb.CreateString(op.level);
      return {fb::OperationBody::SetClearance, fb::CreateSetClearance(fbb, device, level).Union()};
    }
  };
  auto [type, body] = std::visit(Visitor{fbb}, operation);
  return fb::CreateOperation(fbb, type, body);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Operation>>> put_operations(
    Builder& fbb, const std::vector<Operation>& operations) {
  std::vector<flatbuffers::Offset<fb::Operation>> out;
  out.reserve(operations.size());
  for (const Operation& operation : operations) out.push_back(put_operation(fbb, operation));
  return fbb.CreateVector(out);
}

Bytes finish(Builder& fbb, flatbuffers::Offset<void> root, const char* identifier) {
  fbb.FinishSizePrefixed(flatbuffers::Offset<flatbuffers::Table>(root.o), identifier);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

// --- decoding --------------------------------------------------------------------------------

template <class Table>
Result<const Table*> verified_root(ByteView bytes, const char* identifier, const char* what) {
  // The signed container adds its signatures (at most kMaxCoSignatures co-signatures) to a commit.
  return parley::wire::verify_size_prefixed<Table>(bytes, identifier, what,
                                                   {kMaxCommitBytes + 16 * 1024, kMaxDepth, kMaxTables});
}

std::string get(const flatbuffers::String* text) { return text ? std::string(text->c_str(), text->size()) : std::string(); }

std::vector<std::string> get_strings(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list) {
  std::vector<std::string> out;
  if (list)
    for (const flatbuffers::String* text : *list) out.push_back(get(text));
  return out;
}

Result<Address> get_address(const parley::wire::Address* address) {
  if (!address) return bad("address is missing");
  Address out{get(address->user()), address->device()};
  PARLEY_TRY(check_device(out));
  return out;
}

Result<std::optional<Role>> get_role(fb::Role role) {
  const auto value = static_cast<std::uint8_t>(role);
  if (value == 0) return std::optional<Role>{};
  if (value > 4) return bad("role " + std::to_string(value) + " is unknown");
  return std::optional<Role>{static_cast<Role>(value)};
}

Result<std::vector<Grant>> get_grants(const flatbuffers::Vector<flatbuffers::Offset<fb::Grant>>* grants,
                                      const char* list) {
  std::vector<Grant> out;
  if (!grants) return out;
  if (grants->size() > kMaxGrants)
    return bad(std::string(list) + " grants: " + std::to_string(grants->size()) + ", limit " +
               std::to_string(kMaxGrants));
  out.reserve(grants->size());
  for (const fb::Grant* grant : *grants) {
    const auto kind = static_cast<std::uint8_t>(grant->kind());
    if (kind < 1 || kind > 3) return bad(std::string(list) + " grant kind " + std::to_string(kind) + " is unknown");
    out.push_back(Grant{static_cast<GrantKind>(kind), get(grant->name()), grant->device()});
  }
  return out;
}

Result<Operation> get_operation(const fb::Operation* operation) {
  switch (operation->body_type()) {
    case fb::OperationBody::CreateCell: {
      auto op = operation->body_as_CreateCell();
      return Operation{CreateCell{get(op->name()), get(op->supervisor_user()), get(op->supervisor_party())}};
    }
    case fb::OperationBody::AddDevice: {
      auto op = operation->body_as_AddDevice();
      auto device = get_address(op->device());
      if (!device) return std::move(device).error();
      auto role = get_role(op->role());
      if (!role) return std::move(role).error();
      return Operation{AddDevice{*device, get(op->party()), *role,
                                 Bytes(op->identity_key()->begin(), op->identity_key()->end())}};
    }
    case fb::OperationBody::RemoveDevice: {
      auto device = get_address(operation->body_as_RemoveDevice()->device());
      if (!device) return std::move(device).error();
      return Operation{RemoveDevice{*device}};
    }
    case fb::OperationBody::SetRole: {
      auto op = operation->body_as_SetRole();
      auto role = get_role(op->role());
      if (!role) return std::move(role).error();
      if (!*role) return bad("SetRole must name a role");
      return Operation{SetRole{get(op->user()), **role}};
    }
    case fb::OperationBody::CreateChannel: {
      auto op = operation->body_as_CreateChannel();
      return Operation{CreateChannel{get(op->channel()), get(op->display_name())}};
    }
    case fb::OperationBody::RenameChannel: {
      auto op = operation->body_as_RenameChannel();
      return Operation{RenameChannel{get(op->channel()), get(op->display_name())}};
    }
    case fb::OperationBody::ArchiveChannel:
      return Operation{ArchiveChannel{get(operation->body_as_ArchiveChannel()->channel())}};
    case fb::OperationBody::SetChannelPolicy: {
      auto op = operation->body_as_SetChannelPolicy();
      SetChannelPolicy out{get(op->channel()), {}};
      auto read = get_grants(op->read(), "READ");
      if (!read) return std::move(read).error();
      auto post = get_grants(op->post(), "POST");
      if (!post) return std::move(post).error();
      out.policy.read = std::move(read).value();
      out.policy.post = std::move(post).value();
      out.policy.ack_required = op->ack_required();
      out.policy.ack_deadline_seconds = op->ack_deadline_seconds();
      out.policy.attested = op->attested();
      out.policy.retention_seconds = op->retention_seconds();
      out.policy.consent = op->consent();
      out.policy.consent_quorum = op->consent_quorum();
      out.policy.label = get(op->label());
      out.policy.releasable_to = get_strings(op->releasable_to());
      return Operation{std::move(out)};
    }
    case fb::OperationBody::SetLevels:
      return Operation{SetLevels{get_strings(operation->body_as_SetLevels()->levels())}};
    case fb::OperationBody::SetClearance: {
      auto op = operation->body_as_SetClearance();
      auto device = get_address(op->device());
      if (!device) return std::move(device).error();
      return Operation{SetClearance{*device, get(op->level())}};
    }
    default:
      break;
  }
  return bad("operation type " + std::to_string(static_cast<int>(operation->body_type())) + " is unknown");
}

Result<std::vector<Operation>> get_operations(const flatbuffers::Vector<flatbuffers::Offset<fb::Operation>>* ops) {
  if (ops->size() == 0 || ops->size() > kMaxOperations)
    return bad("must carry 1.." + std::to_string(kMaxOperations) + " operations, got " + std::to_string(ops->size()));
  std::vector<Operation> out;
  out.reserve(ops->size());
  for (flatbuffers::uoffset_t i = 0; i < ops->size(); ++i) {
    auto op = get_operation(ops->Get(i));
    if (!op) return bad("operation " + std::to_string(i) + ": " + op.error().message);
    out.push_back(std::move(op).value());
  }
  return out;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> get_fixed(const flatbuffers::Vector<std::uint8_t>* bytes, const char* what) {
  if (bytes->size() != N)
    return bad(std::string(what) + " must be " + std::to_string(N) + " bytes, got " + std::to_string(bytes->size()));
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Result<TimeMs> get_time(std::uint64_t time_ms) {
  if (time_ms > static_cast<std::uint64_t>(INT64_MAX)) return bad("time is out of range");
  return static_cast<TimeMs>(time_ms);
}

Status check_version(std::uint16_t version, const char* what) {
  if (version != kCharterVersion)
    return make_error(Errc::unsupported_version, std::string(what) + " version " + std::to_string(version) +
                                                     ", this build speaks " + std::to_string(kCharterVersion));
  return {};
}

Bytes encode_container(ByteView signed_bytes, ByteView signature, const std::vector<CoSignature>& co_signatures = {}) {
  Builder fbb(signed_bytes.size() + signature.size() + 64 + co_signatures.size() * 128);
  auto inner = fbb.CreateVector(signed_bytes.data(), signed_bytes.size());
  auto sig = fbb.CreateVector(signature.data(), signature.size());
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::CoSignature>>> co;
  if (!co_signatures.empty()) {
    std::vector<flatbuffers::Offset<fb::CoSignature>> entries;
    for (const CoSignature& c : co_signatures)
      entries.push_back(fb::CreateCoSignature(fbb, put_address(fbb, c.signer), fbb.CreateVector(c.signature)));
    co = fbb.CreateVector(entries);
  }
  return finish(fbb, fb::CreateSignedContainer(fbb, kCharterVersion, inner, sig, co).Union(), kContainerIdentifier);
}

// A container's co-signatures: at most kMaxCoSignatures, each 64 bytes, one per signer.
Result<std::vector<CoSignature>> get_co_signatures(const fb::SignedContainer& container) {
  std::vector<CoSignature> out;
  const auto* list = container.co_signatures();
  if (!list) return out;
  if (list->size() > kMaxCoSignatures)
    return bad("a commit carries at most " + std::to_string(kMaxCoSignatures) + " co-signatures, got " +
               std::to_string(list->size()));
  for (const fb::CoSignature* entry : *list) {
    auto signer = get_address(entry->signer());
    if (!signer) return make_error(Errc::malformed_frame, "co-signature: " + signer.error().message);
    if (entry->signature()->size() != crypto::kSignatureBytes)
      return bad("co-signature of " + signer->to_string() + " must be " + std::to_string(crypto::kSignatureBytes) +
                 " bytes, got " + std::to_string(entry->signature()->size()));
    for (const CoSignature& seen : out)
      if (seen.signer == *signer) return bad("two co-signatures of " + signer->to_string());
    out.push_back(CoSignature{std::move(signer).value(),
                              Bytes(entry->signature()->begin(), entry->signature()->end())});
  }
  return out;
}

Result<std::pair<Bytes, Bytes>> decode_container(ByteView bytes, const char* what) {
  auto root = verified_root<fb::SignedContainer>(bytes, kContainerIdentifier, what);
  if (!root) return std::move(root).error();
  const fb::SignedContainer* container = *root;
  PARLEY_TRY(check_version(container->version(), what));
  const auto* inner = container->signed_bytes();
  if (inner->size() == 0 || inner->size() > kMaxCommitBytes)
    return make_error(inner->size() == 0 ? Errc::malformed_frame : Errc::frame_too_large,
                      std::string(what) + " signed bytes must be 1.." + std::to_string(kMaxCommitBytes) +
                          " bytes, got " + std::to_string(inner->size()));
  if (container->signature()->size() != crypto::kSignatureBytes)
    return bad(std::string(what) + " signature must be " + std::to_string(crypto::kSignatureBytes) + " bytes, got " +
               std::to_string(container->signature()->size()));
  return std::pair<Bytes, Bytes>{Bytes(inner->begin(), inner->end()),
                                 Bytes(container->signature()->begin(), container->signature()->end())};
}

}  // namespace

Bytes encode_commit(const Commit& commit) {
  Builder fbb(512);
  auto cell = fbb.CreateVector(commit.cell_id.data(), commit.cell_id.size());
  auto prev = fbb.CreateVector(commit.prev_hash.data(), commit.prev_hash.size());
  auto author = put_address(fbb, commit.author);
  auto operations = put_operations(fbb, commit.operations);
  auto root = fb::CreateCommit(fbb, kCharterVersion, cell, commit.epoch, prev, author,
                               static_cast<std::uint64_t>(commit.time_ms), operations);
  return finish(fbb, root.Union(), kCommitIdentifier);
}

Result<Commit> decode_commit(ByteView bytes) {
  if (bytes.size() > kMaxCommitBytes)
    return make_error(Errc::frame_too_large,
                      "commit is " + std::to_string(bytes.size()) + " bytes, limit " + std::to_string(kMaxCommitBytes));
  auto root = verified_root<fb::Commit>(bytes, kCommitIdentifier, "commit");
  if (!root) return std::move(root).error();
  const fb::Commit* wire = *root;
  PARLEY_TRY(check_version(wire->version(), "commit"));
  Commit out;
  auto cell = get_fixed<kCellIdBytes>(wire->cell_id(), "commit cell id");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  out.epoch = wire->epoch();
  auto prev = get_fixed<kHashBytes>(wire->prev_hash(), "commit previous hash");
  if (!prev) return std::move(prev).error();
  out.prev_hash = *prev;
  auto author = get_address(wire->author());
  if (!author) return bad("commit author: " + author.error().message);
  out.author = std::move(author).value();
  auto time = get_time(wire->time_ms());
  if (!time) return std::move(time).error();
  out.time_ms = *time;
  auto operations = get_operations(wire->operations());
  if (!operations) return bad("commit " + operations.error().message);
  out.operations = std::move(operations).value();
  PARLEY_TRY(check_commit_shape(out));
  return out;
}

Result<Hash> commit_hash(ByteView commit_bytes) {
  auto digest = crypto::sha256({as_bytes(kCommitHashLabel), commit_bytes});
  if (!digest) return std::move(digest).error();
  return *digest;
}

Result<SignedCommit> sign_commit(const Commit& commit, ByteView private_key) {
  SignedCommit out{encode_commit(commit), {}};
  auto check = decode_commit(out.bytes);
  if (!check) return make_error(Errc::invalid_argument, "cannot sign this commit: " + check.error().message);
  auto signature = crypto::sign(private_key, out.bytes);
  if (!signature) return std::move(signature).error();
  out.signature = std::move(signature).value();
  return out;
}

Bytes encode_proposal(const ProposalBody& proposal) {
  Builder fbb(512);
  auto cell = fbb.CreateVector(proposal.cell_id.data(), proposal.cell_id.size());
  auto proposer = put_address(fbb, proposal.proposer);
  auto operations = put_operations(fbb, proposal.operations);
  auto root = fb::CreateProposal(fbb, kCharterVersion, cell, proposal.base_epoch, proposer,
                                 static_cast<std::uint64_t>(proposal.time_ms), operations);
  return finish(fbb, root.Union(), kProposalIdentifier);
}

Result<ProposalBody> decode_proposal(ByteView bytes) {
  if (bytes.size() > kMaxCommitBytes)
    return make_error(Errc::frame_too_large, "proposal is " + std::to_string(bytes.size()) + " bytes, limit " +
                                                 std::to_string(kMaxCommitBytes));
  auto root = verified_root<fb::Proposal>(bytes, kProposalIdentifier, "proposal");
  if (!root) return std::move(root).error();
  const fb::Proposal* wire = *root;
  PARLEY_TRY(check_version(wire->version(), "proposal"));
  ProposalBody out;
  auto cell = get_fixed<kCellIdBytes>(wire->cell_id(), "proposal cell id");
  if (!cell) return std::move(cell).error();
  out.cell_id = *cell;
  out.base_epoch = wire->base_epoch();
  auto proposer = get_address(wire->proposer());
  if (!proposer) return bad("proposer: " + proposer.error().message);
  out.proposer = std::move(proposer).value();
  auto time = get_time(wire->time_ms());
  if (!time) return std::move(time).error();
  out.time_ms = *time;
  auto operations = get_operations(wire->operations());
  if (!operations) return bad("proposal " + operations.error().message);
  out.operations = std::move(operations).value();
  PARLEY_TRY(check_proposal_shape(out));
  return out;
}

Result<Proposal> sign_proposal(const ProposalBody& proposal, ByteView private_key) {
  Proposal out{encode_proposal(proposal), {}};
  auto check = decode_proposal(out.bytes);
  if (!check) return make_error(Errc::invalid_argument, "cannot sign this proposal: " + check.error().message);
  auto signature = crypto::sign(private_key, out.bytes);
  if (!signature) return std::move(signature).error();
  out.signature = std::move(signature).value();
  return out;
}

Bytes encode_signed_commit(const SignedCommit& commit) {
  return encode_container(commit.bytes, commit.signature, commit.co_signatures);
}

Result<SignedCommit> decode_signed_commit(ByteView bytes) {
  auto parts = decode_container(bytes, "signed commit");
  if (!parts) return std::move(parts).error();
  // decode_container verified the buffer; read the co-signatures from the same root.
  auto root = verified_root<fb::SignedContainer>(bytes, kContainerIdentifier, "signed commit");
  if (!root) return std::move(root).error();
  auto co_signatures = get_co_signatures(**root);
  if (!co_signatures) return std::move(co_signatures).error();
  return SignedCommit{std::move(parts->first), std::move(parts->second), std::move(co_signatures).value()};
}

Result<CoSignature> co_sign_commit(ByteView commit_bytes, const Address& signer, ByteView private_key) {
  auto signature = crypto::sign(private_key, consent_message(commit_bytes));
  if (!signature) return std::move(signature).error();
  return CoSignature{signer, std::move(signature).value()};
}

Bytes consent_message(ByteView commit_bytes) {
  const ByteView label = as_bytes(kConsentLabel);
  Bytes message;
  message.reserve(label.size() + commit_bytes.size());
  message.insert(message.end(), label.begin(), label.end());
  message.insert(message.end(), commit_bytes.begin(), commit_bytes.end());
  return message;
}

Bytes encode_signed_proposal(const Proposal& proposal) {
  return encode_container(proposal.bytes, proposal.signature);
}

Result<Proposal> decode_signed_proposal(ByteView bytes) {
  auto parts = decode_container(bytes, "signed proposal");
  if (!parts) return std::move(parts).error();
  auto root = verified_root<fb::SignedContainer>(bytes, kContainerIdentifier, "signed proposal");
  if (root && (*root)->co_signatures()) return bad("a proposal carries no co-signatures");
  return Proposal{std::move(parts->first), std::move(parts->second)};
}

}  // namespace parley::charter
