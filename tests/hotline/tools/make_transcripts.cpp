// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the transcripts the parley-verify ctest checks: DIR/good.plf (all valid),
// DIR/tampered.plf (one byte of one message flipped, the first message dropped),
// DIR/equivocation.plf (the last sender signed a second message with the same sequence) and
// DIR/deniable.plf (a channel that is not attested).
#include <filesystem>
#include <fstream>

#include "hotline_fixture.hpp"

namespace {

void write(const std::filesystem::path& path, const parley::Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parley::hotline;
  if (argc != 2) return 2;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  parley::charter::test::Keys keys;
  parley::charter::test::TestCell cell(keys);
  const Transcript good = test::sample_transcript(cell);
  write(dir / "good.plf", encode_transcript(good));

  Transcript tampered = good;
  tampered.messages[2].body[0] ^= 0x01;              // SY's reply, altered
  tampered.messages.erase(tampered.messages.begin());  // IL's FLASH message, dropped
  write(dir / "tampered.plf", encode_transcript(tampered));

  Transcript equivocation = good;
  AttestedMessage twin = good.messages[4];
  twin.body.push_back('!');
  if (!attest(equivocation, twin, keys.priv(test::kIlOfficer)).ok()) return 1;
  equivocation.messages.push_back(twin);
  write(dir / "equivocation.plf", encode_transcript(equivocation));

  parley::charter::test::Keys other_keys;
  parley::charter::test::TestCell other(other_keys);
  test::make_hotline_channel(other, /*attested=*/false);
  test::TranscriptBuilder deniable(other);
  deniable.text(test::kIlOfficer, "deniable");
  write(dir / "deniable.plf", encode_transcript(deniable.transcript()));
  return 0;
}
