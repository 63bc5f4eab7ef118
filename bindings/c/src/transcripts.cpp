// SPDX-License-Identifier: GPL-3.0-or-later
// parley_transcript_verify: parley::verify::check_transcript behind the C ABI. The report
// keeps the C++ report and C views into it; neither moves after the views are made.
#include <algorithm>
#include <memory>
#include <vector>

#include "abi.hpp"
#include "hotline.hpp"
#include "parley/verify.hpp"

struct parley_transcript_report {
  parley::verify::Report source;
  parley_transcript_summary summary{};
  std::vector<std::vector<parley_transcript_ack>> acks;  // one list per message
  std::vector<parley_transcript_message> messages;
  std::vector<parley_transcript_missing> missing;
};

namespace parley::cabi {
namespace {

parley_address from_address(const Address& a) { return parley_address{a.user.c_str(), a.device}; }

void fill_views(parley_transcript_report& out) {
  const verify::Report& r = out.source;
  out.summary.struct_size = sizeof out.summary;
  std::copy(r.cell_id.begin(), r.cell_id.end(), out.summary.cell.bytes);
  out.summary.channel = r.channel.c_str();
  std::copy(r.genesis_hash.begin(), r.genesis_hash.end(), out.summary.genesis.bytes);
  out.summary.charter_epoch = r.charter_epoch;
  out.summary.from_ms = r.from;
  out.summary.to_ms = r.to;
  out.summary.message_count = r.messages.size();
  out.summary.missing_count = r.missing.size();
  out.summary.all_valid = r.all_valid();

  out.acks.resize(r.messages.size());  // sized once: the message views point into these lists
  for (std::size_t i = 0; i < r.messages.size(); ++i) {
    const verify::MessageVerdict& m = r.messages[i];
    for (const auto& a : m.acks) out.acks[i].push_back({a.party.c_str(), from_address(a.device), a.at});
    parley_transcript_message v{};
    v.struct_size = sizeof v;
    v.index = m.index;
    v.ref = from_message_ref(m.ref);
    v.sequence = m.sequence;
    v.epoch = m.epoch;
    v.sent_at_ms = m.sent_at;
    v.precedence = m.precedence ? static_cast<int>(*m.precedence) : 0;
    v.verdict = static_cast<parley_transcript_verdict>(static_cast<int>(m.verdict));
    v.reason = verify::forgery_name(m.reason).data();  // names are NUL-terminated literals
    v.detail = m.detail.c_str();
    v.conflicts_with = m.conflicts_with ? static_cast<std::int64_t>(*m.conflicts_with) : -1;
    v.acks = out.acks[i].data();
    v.ack_count = out.acks[i].size();
    out.messages.push_back(v);
  }
  for (const auto& m : r.missing) {
    parley_transcript_missing v{};
    v.struct_size = sizeof v;
    v.kind = static_cast<parley_transcript_missing_kind>(static_cast<int>(m.kind));
    v.sender = from_address(m.sender);
    v.first_sequence = m.first_sequence;
    v.last_sequence = m.last_sequence;
    v.has_target = m.target.has_value();
    if (m.target) v.target = from_message_ref(*m.target);
    v.has_acknowledged_by = m.acknowledged_by.has_value();
    if (m.acknowledged_by) v.acknowledged_by = from_message_ref(*m.acknowledged_by);
    out.missing.push_back(v);
  }
}

}  // namespace
}  // namespace parley::cabi

extern "C" {

parley_status parley_transcript_verify(const uint8_t* transcript, size_t len, const parley_digest* expected_genesis,
                                       parley_transcript_report** out, parley_error* err) {
  using namespace parley;
  using namespace parley::cabi;
  return guarded(err, [&]() -> parley_status {
    if (!out) return fail(err, PARLEY_E_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (auto ok = check_slice(transcript, len, "transcript"); !ok) return fail(err, ok.error());
    verify::Options options;
    if (expected_genesis) {
      verify::GenesisHash genesis;
      std::copy(std::begin(expected_genesis->bytes), std::end(expected_genesis->bytes), genesis.begin());
      options.expected_genesis = genesis;
    }
    auto report = verify::check_transcript(ByteView(transcript, len), options);
    if (!report) return fail(err, report.error());
    auto result = std::make_unique<parley_transcript_report>();
    result->source = std::move(*report);
    fill_views(*result);
    *out = result.release();
    return succeed(err);
  });
}

const parley_transcript_summary* parley_transcript_report_summary(const parley_transcript_report* report) {
  return report ? &report->summary : nullptr;
}

const parley_transcript_message* parley_transcript_report_message(const parley_transcript_report* report,
                                                                 size_t index) {
  return report && index < report->messages.size() ? &report->messages[index] : nullptr;
}

const parley_transcript_missing* parley_transcript_report_missing(const parley_transcript_report* report,
                                                                 size_t index) {
  return report && index < report->missing.size() ? &report->missing[index] : nullptr;
}

void parley_transcript_report_free(parley_transcript_report* report) { delete report; }

}  // extern "C"
