// SPDX-License-Identifier: GPL-3.0-or-later
// Device-less checks for JS: fingerprint digits (Parley.fingerprintDigits) and offline
// transcript verification (Parley.verifyTranscript): parley::verify, the same
// check parley-verify and the C ABI run, with its report as JSON. No device, no store, no
// network. Like the device exports, it returns a Parley error code; the JSON report is in
// parley_verify_result*.
#include <emscripten.h>

#include <nlohmann/json.hpp>

#include <string>

#include "parley/joining.hpp"
#include "parley/verify.hpp"
#include "wasm_events.hpp"

namespace {

using namespace parley;
using nlohmann::json;

std::string& result() {
  static std::string text;
  return text;
}

std::string& last_message() {
  static std::string text;
  return text;
}

json address_json(const Address& a) { return {{"user", a.user}, {"device", a.device}}; }
json ref_json(const MessageRef& r) { return {{"sender", address_json(r.sender)}, {"id", r.id.to_hex()}}; }

json report_json(const verify::Report& report) {
  json messages = json::array();
  for (const auto& m : report.messages) {
    json acks = json::array();
    for (const auto& a : m.acks) acks.push_back({{"party", a.party}, {"device", address_json(a.device)}, {"at", a.at}});
    messages.push_back({{"index", m.index},
                        {"ref", ref_json(m.ref)},
                        {"sequence", m.sequence},
                        {"epoch", m.epoch},
                        {"sentAt", m.sent_at},
                        {"precedence", m.precedence ? json(wasm::precedence_text(*m.precedence)) : json(nullptr)},
                        {"verdict", verify::verdict_name(m.verdict)},
                        {"reason", verify::forgery_name(m.reason)},
                        {"detail", m.detail},
                        {"conflictsWith", m.conflicts_with ? json(*m.conflicts_with) : json(nullptr)},
                        {"acks", acks}});
  }
  json missing = json::array();
  for (const auto& m : report.missing) {
    json entry{{"kind", m.kind == verify::MissingKind::sequence_gap ? "sequenceGap" : "acknowledgedMessage"},
               {"sender", address_json(m.sender)}};
    if (m.kind == verify::MissingKind::sequence_gap) {
      entry["firstSequence"] = m.first_sequence;
      entry["lastSequence"] = m.last_sequence;
    }
    if (m.target) entry["target"] = ref_json(*m.target);
    if (m.acknowledged_by) entry["acknowledgedBy"] = ref_json(*m.acknowledged_by);
    missing.push_back(std::move(entry));
  }
  return {{"cell", wasm::hex(report.cell_id)},
          {"channel", report.channel},
          {"genesis", wasm::hex(report.genesis_hash)},
          {"charterEpoch", report.charter_epoch},
          {"from", report.from},
          {"to", report.to},
          {"messages", messages},
          {"missing", missing},
          {"allValid", report.all_valid()}};
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* parley_verify_last_error() { return last_message().c_str(); }
EMSCRIPTEN_KEEPALIVE const char* parley_verify_result() { return result().data(); }
EMSCRIPTEN_KEEPALIVE std::size_t parley_verify_result_size() { return result().size(); }

// Checks a transcript; `expected_genesis_hex` empty or 64 hex digits (Options::expected_genesis).
EMSCRIPTEN_KEEPALIVE int parley_verify_transcript(const std::uint8_t* data, std::size_t size,
                                                  const char* expected_genesis_hex) {
  verify::Options options;
  if (expected_genesis_hex && *expected_genesis_hex) {
    auto genesis = verify::parse_genesis(expected_genesis_hex);
    if (!genesis) {
      last_message() = genesis.error().message;
      return static_cast<int>(genesis.error().code);
    }
    options.expected_genesis = *genesis;
  }
  auto report = verify::check_transcript(ByteView(data, size), options);
  if (!report) {
    last_message() = report.error().message;
    return static_cast<int>(report.error().code);
  }
  result() = wasm::to_text(report_json(*report));
  last_message().clear();
  return 0;
}

// The six groups of five digits of a fingerprint (64 hex digits), in parley_verify_result.
EMSCRIPTEN_KEEPALIVE int parley_fingerprint_digits_of(const char* fingerprint_hex) {
  auto digest = wasm::digest(fingerprint_hex ? fingerprint_hex : "");
  if (!digest) {
    last_message() = digest.error().message;
    return static_cast<int>(digest.error().code);
  }
  result() = fingerprint_digits(*digest);
  last_message().clear();
  return 0;
}

}  // extern "C"
