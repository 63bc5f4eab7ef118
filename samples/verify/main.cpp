// SPDX-License-Identifier: GPL-3.0-or-later
// parley-verify: checks an attested channel's transcript offline and prints one line per
// message. Exit status: 0 when every message is valid and none is missing; 1 when something
// is forged, equivocating (one sender signed two messages with one sequence) or missing; 2 when
// the transcript is refused (unreadable, not a transcript, a charter that does not verify, a
// non-attested channel, or not the expected genesis).
// The report names senders, ids, times and verdicts; it never prints message bodies.
// It uses the public API only (parley/verify.hpp), as any third-party verifier would.
#include <CLI/CLI.hpp>

#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include "parley/verify.hpp"

namespace {

using namespace parley;
using namespace parley::verify;

std::string utc(TimeMs ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (!gmtime_r(&seconds, &tm)) return std::to_string(ms) + " ms";
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string_view label(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid ";
    case Verdict::forged: return "FORGED";
    case Verdict::equivocation: return "EQUIVOCATION";
  }
  return "?";
}

void print(const Report& report) {
  std::cout << "transcript: cell " << to_hex(report.cell_id) << ", channel " << report.channel << ", charter epochs 1.."
            << report.charter_epoch << "\n"
            << "genesis:    " << to_hex(report.genesis_hash) << "\n";
  for (const auto& m : report.messages) {
    std::cout << "#" << m.index + 1 << " " << label(m.verdict) << " "
              << m.ref.sender.to_string() << " seq " << m.sequence << " id " << m.ref.id.to_hex() << " "
              << utc(m.sent_at) << " " << (m.precedence ? precedence_name(*m.precedence) : "?");
    if (m.verdict == Verdict::forged) std::cout << " -- " << forgery_name(m.reason) << ": " << m.detail;
    if (m.verdict == Verdict::equivocation)
      std::cout << " -- the sender signed two different messages: conflicts with #" << *m.conflicts_with + 1;
    for (const auto& ack : m.acks) std::cout << " [acknowledged by " << ack.party << " (" << ack.device.to_string() << ") " << utc(ack.at) << "]";
    std::cout << "\n";
  }
  for (const auto& missing : report.missing) {
    if (missing.kind == MissingKind::sequence_gap)
      std::cout << "MISSING " << missing.sender.to_string() << " seq " << missing.first_sequence
                << (missing.last_sequence != missing.first_sequence ? ".." + std::to_string(missing.last_sequence) : "")
                << " (gap in the sender's sequence)\n";
    else
      std::cout << "MISSING " << missing.target->sender.to_string() << " id " << missing.target->id.to_hex()
                << " (acknowledged by " << missing.acknowledged_by->sender.to_string() << ", absent or forged in the transcript)\n";
  }
  std::cout << "summary: " << report.count(Verdict::valid) << " valid, " << report.count(Verdict::forged) << " forged, "
            << report.count(Verdict::equivocation) << " equivocating, " << report.missing.size() << " missing\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Verify an attested Parley channel transcript offline"};
  std::string path;
  std::string genesis;
  app.add_option("transcript", path, "transcript file (PLF1)")->required();
  app.add_option("--genesis", genesis, "require this genesis hash (64 hex digits), agreed out of band");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "parley-verify: cannot read " << path << "\n";
    return 2;
  }
  Options options;
  if (!genesis.empty()) {
    auto expected = parse_genesis(genesis);
    if (!expected) {
      std::cerr << "parley-verify: --genesis: " << expected.error().to_string() << "\n";
      return 2;
    }
    options.expected_genesis = *expected;
  }
  const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto report = check_transcript(bytes, options);
  if (!report) {
    std::cerr << "parley-verify: refused: " << report.error().to_string() << "\n";
    return 2;
  }
  print(*report);
  return report->all_valid() ? 0 : 1;
}
