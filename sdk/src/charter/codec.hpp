// SPDX-License-Identifier: GPL-3.0-or-later
// Bytes <-> charter values. Encoders are deterministic (the same value always gives the same
// bytes); decoders verify every untrusted buffer before reading a field: size limit, size
// prefix, file identifier, FlatBuffers Verifier (depth and table limits), version, then the
// stateless field rules of syntax.hpp. Decoders never touch cell state or signatures.
//
// Errors of decoders: Errc::frame_too_large, truncated, malformed_frame, unsupported_version.
#pragma once

#include "charter/model.hpp"
#include "parley/error.hpp"

namespace parley::charter {

// Domain label of commit hashes: hash = SHA-256(kCommitHashLabel || commit bytes), where the
// label includes its terminating NUL so no commit prefix can extend it.
inline constexpr std::string_view kCommitHashLabel{"parley-charter-commit-v1\0", 25};

// "PLH1" commit bytes, size-prefixed. Does not validate: sign_commit does.
Bytes encode_commit(const Commit& commit);
Result<Commit> decode_commit(ByteView bytes);

// The commit's identity in the hash chain. Errc::crypto only if OpenSSL fails.
Result<Hash> commit_hash(ByteView commit_bytes);

// Encode `commit`, check that the bytes decode (so a local mistake is caught before it is
// signed: Errc::invalid_argument naming the rule), and sign them with the author's 32-byte
// identity private key.
Result<SignedCommit> sign_commit(const Commit& commit, ByteView private_key);

// Consent (docs/governance.md): a co-signature is `signer`'s XEdDSA signature over
// kConsentLabel || the commit's signed bytes, so it can be neither taken for the author's
// signature nor moved to another commit.
inline constexpr std::string_view kConsentLabel{"parley-charter-consent-v1\0", 26};
Bytes consent_message(ByteView commit_bytes);
Result<CoSignature> co_sign_commit(ByteView commit_bytes, const Address& signer, ByteView private_key);

// "PLP1" proposal bytes, size-prefixed.
Bytes encode_proposal(const ProposalBody& proposal);
Result<ProposalBody> decode_proposal(ByteView bytes);
Result<Proposal> sign_proposal(const ProposalBody& proposal, ByteView private_key);

// Transport form ("PLS1"): {signed bytes, signature, co-signatures}. Decoding checks the
// container only (signatures are 64 bytes, signed bytes 1..kMaxCommitBytes, at most
// kMaxCoSignatures co-signatures from distinct signers, none on a proposal); the signed bytes
// are decoded and the signatures verified by apply() / validate_proposal().
Bytes encode_signed_commit(const SignedCommit& commit);
Result<SignedCommit> decode_signed_commit(ByteView bytes);
Bytes encode_signed_proposal(const Proposal& proposal);
Result<Proposal> decode_signed_proposal(ByteView bytes);

}  // namespace parley::charter
