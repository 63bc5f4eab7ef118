// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the shared vector files (tests/vectors/*.json): inputs built here, expectations
// computed by the native build through the same replayer the tests use. Published values
// (RFC 4231, FIPS 180-2, SP 800-38A) are checked before anything is written, so a file
// never records a wrong answer as the expected one.
//
//   parley_vectors_generate OUT_DIR
//
// Charter signatures are randomised (XEdDSA), so regenerating changes the charter file;
// commit a regenerated file only together with the change that needed it.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "charter/codec.hpp"
#include "charter/seed_template.hpp"
#include "charter/state.hpp"
#include "crypto/keys.hpp"
#include "envelope/envelope.hpp"
#include "vectors/hex.hpp"
#include "vectors/replay.hpp"

namespace parley::vectors {
namespace {

using nlohmann::json;
using namespace charter;

[[noreturn]] void fail(const std::string& why) {
  std::cerr << "parley_vectors_generate: " << why << "\n";
  std::exit(1);
}

template <class T>
T must(Result<T> result) {
  if (!result) fail(result.error().to_string());
  return std::move(result).value();
}

std::string text_hex(std::string_view text) { return to_hex(as_bytes(text)); }

Bytes bytes_of(std::string_view text) {
  const ByteView view = as_bytes(text);
  return Bytes(view.begin(), view.end());
}

json file_of(const char* kind, json cases) {
  return {{"format", "parley-vectors"}, {"version", kFormatVersion}, {"kind", kind}, {"cases", cases}};
}

// Fills every case's "expect" with what the native build computes, then checks the
// published values the case names in "published" (a prefix of "out").
json with_expectations(json file) {
  for (auto& c : file["cases"]) c.erase("expect");
  const json results = json::parse(replay(file.dump()));
  if (results.contains("error")) fail(results["error"].get<std::string>());
  for (std::size_t i = 0; i < file["cases"].size(); ++i) {
    json& c = file["cases"][i];
    c["expect"] = results["results"][i]["actual"];
    if (c.contains("published")) {
      const std::string published = c["published"].get<std::string>();
      const std::string out = c["expect"].value("out", "");
      if (out.compare(0, published.size(), published) != 0)
        fail("case '" + c["name"].get<std::string>() + "' does not match its published value");
    }
  }
  return file;
}

json crypto_cases() {
  const std::string nist_plain =
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
  const std::string iv = "000102030405060708090a0b0c0d0e0f";
  const std::string k128 = "2b7e151628aed2a6abf7158809cf4f3c";
  const std::string k192 = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
  const std::string k256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
  const std::string cbc256 =
      "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
      "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";
  const std::string ctr_iv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
  const std::string ctr256 =
      "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
      "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";
  auto hmac = [](const char* name, std::string key, std::string data, std::string published) {
    return json{{"name", name},
                {"input", {{"op", "hmac_sha256"}, {"key", key}, {"data", data}}},
                {"published", published}};
  };
  auto aes = [](const char* name, const char* op, const char* cipher, std::string key,
                std::string iv, std::string data, std::string published = "") {
    json c{{"name", name},
           {"input", {{"op", op}, {"cipher", cipher}, {"key", key}, {"iv", iv}, {"data", data}}}};
    if (!published.empty()) c["published"] = published;
    return c;
  };
  const crypto::KeyPair keys = must(crypto::generate_key_pair());
  const Bytes message = bytes_of("charter commit bytes");
  Bytes signature = must(crypto::sign(keys.private_key, message));
  Bytes forged = signature;
  forged[5] ^= 0x01;
  auto verify = [&](const char* name, const Bytes& sig, const Bytes& msg) {
    return json{{"name", name},
                {"input", {{"op", "xeddsa_verify"}, {"public_key", to_hex(keys.public_key)},
                           {"message", to_hex(msg)}, {"signature", to_hex(sig)}}}};
  };
  Bytes other_message = message;
  other_message.back() ^= 0x20;
  return json::array({
      hmac("RFC 4231 case 1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", text_hex("Hi There"),
           "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
      hmac("RFC 4231 case 2", text_hex("Jefe"), text_hex("what do ya want for nothing?"),
           "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
      hmac("RFC 4231 case 6 (key longer than a block)", std::string(262, 'a'),
           text_hex("Test Using Larger Than Block-Size Key - Hash Key First"),
           "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
      hmac("empty key and message", "", "",
           "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"),
      {{"name", "FIPS 180-2 SHA-512 abc, then empty on the same context"},
       {"input", {{"op", "sha512"}, {"data", text_hex("abc")}, {"again", ""}}},
       {"published", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}},
      {{"name", "SHA-256 abc"},
       {"input", {{"op", "sha256"}, {"data", text_hex("abc")}}},
       {"published", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}},
      aes("SP 800-38A F.2.1 CBC-AES128 (+ PKCS#7 block)", "aes_encrypt", "cbc", k128, iv, nist_plain,
          "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
          "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"),
      aes("SP 800-38A F.2.3 CBC-AES192 (+ PKCS#7 block)", "aes_encrypt", "cbc", k192, iv, nist_plain,
          "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
          "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"),
      aes("SP 800-38A F.2.5 CBC-AES256 (+ PKCS#7 block)", "aes_encrypt", "cbc", k256, iv, nist_plain,
          cbc256),
      aes("CBC empty plaintext is one padding block", "aes_encrypt", "cbc", k256, iv, ""),
      aes("CBC decrypt without padding block is refused", "aes_decrypt", "cbc", k256, iv, cbc256),
      aes("CBC decrypt of a partial block is refused", "aes_decrypt", "cbc", k256, iv,
          cbc256.substr(0, 126)),
      aes("CBC decrypt of nothing is refused", "aes_decrypt", "cbc", k256, iv, ""),
      aes("SP 800-38A F.5.5 CTR-AES256 encrypt", "aes_encrypt", "ctr", k256, ctr_iv, nist_plain, ctr256),
      aes("SP 800-38A F.5.6 CTR-AES256 decrypt", "aes_decrypt", "ctr", k256, ctr_iv, ctr256,
          nist_plain),
      aes("CTR partial block is not padded", "aes_encrypt", "ctr", k256, ctr_iv, nist_plain.substr(0, 34)),
      aes("AES key of 20 bytes is refused", "aes_encrypt", "cbc", k256.substr(0, 40), iv, nist_plain),
      aes("AES IV of 15 bytes is refused", "aes_encrypt", "ctr", k256, iv.substr(0, 30), nist_plain),
      aes("unknown cipher is refused", "aes_encrypt", "ecb", k256, iv, nist_plain),
      verify("XEdDSA signature verifies", signature, message),
      verify("XEdDSA forged signature fails", forged, message),
      verify("XEdDSA signature of another message fails", signature, other_message),
  });
}

// A seeds' cell with its supervisor and two party admins; commits are built by hand so that
// negative vectors can break exactly one rule each.
struct Fixture {
  Address sup{"us_sup", 1};
  Address il{"il_admin", 1};
  Address sy{"sy_admin", 1};
  Address extra{"il_officer", 1};
  crypto::KeyPair sup_key = must(crypto::generate_key_pair());
  crypto::KeyPair il_key = must(crypto::generate_key_pair());
  crypto::KeyPair sy_key = must(crypto::generate_key_pair());
  crypto::KeyPair extra_key = must(crypto::generate_key_pair());
  CellId cell{};
  std::vector<SignedCommit> chain;
  CellState state;

  Fixture() {
    cell.fill(0x5e);
    SeedCellOptions options;
    options.cell_id = cell;
    options.supervisor = sup;
    options.supervisor_key = sup_key.public_key;
    options.time_ms = 1'700'000'000'000;
    options.members = {{il, "IL", Role::party_admin, il_key.public_key},
                       {sy, "SY", Role::party_admin, sy_key.public_key}};
    push(must(sign_commit(seeds_cell_genesis(options), sup_key.private_key)));
  }
  Commit next(std::vector<Operation> ops) const {
    return Commit{state.cell_id, state.epoch + 1, state.head, sup, 1'700'000'000'000 + TimeMs(state.epoch),
                  std::move(ops)};
  }
  SignedCommit sign(const Commit& commit, const crypto::KeyPair& key) const {
    return must(sign_commit(commit, key.private_key));
  }
  void push(SignedCommit commit) {
    state = must(apply(state, commit));
    chain.push_back(std::move(commit));
  }
};

std::string pls(const SignedCommit& commit) { return to_hex(encode_signed_commit(commit)); }

json sequence(const char* name, const std::vector<std::string>& steps) {
  return {{"name", name}, {"input", {{"steps", steps}}}};
}

json charter_cases() {
  Fixture f;
  f.push(f.sign(f.next({CreateChannel{"logistics", "Logistics"}}), f.sup_key));
  f.push(f.sign(f.next({AddDevice{f.extra, "IL", Role::member, f.extra_key.public_key}}), f.sup_key));
  f.push(f.sign(f.next({RenameChannel{"logistics", "Logistics and supply"}}), f.sup_key));
  const auto& c = f.chain;  // c[0] genesis (epoch 1) .. c[3] (epoch 4)

  // Epoch 2 alternatives built on the genesis state.
  CellState at1 = must(apply(CellState{}, c[0]));
  auto epoch2 = [&](std::vector<Operation> ops) {
    return Commit{at1.cell_id, 2, at1.head, f.sup, 1'700'000'000'001, std::move(ops)};
  };
  SignedCommit forged = c[1];
  forged.signature[7] ^= 0x40;
  SignedCommit forged_genesis = c[0];
  forged_genesis.signature[7] ^= 0x40;
  const SignedCommit by_party_admin = [&] {
    Commit commit = epoch2({CreateChannel{"side", "Side deal"}});
    commit.author = f.il;
    return f.sign(commit, f.il_key);
  }();
  const SignedCommit wrong_signer = f.sign(epoch2({CreateChannel{"side", "Side deal"}}), f.il_key);
  const SignedCommit broken_chain = [&] {
    Commit commit = epoch2({CreateChannel{"side", "Side deal"}});
    commit.prev_hash.fill(0x11);
    return f.sign(commit, f.sup_key);
  }();
  const SignedCommit other_cell = [&] {
    Commit commit = epoch2({CreateChannel{"side", "Side deal"}});
    commit.cell_id.fill(0x77);
    return f.sign(commit, f.sup_key);
  }();
  const SignedCommit conflicting = f.sign(epoch2({CreateChannel{"side", "Side deal"}}), f.sup_key);
  const SignedCommit bad_operation = f.sign(epoch2({CreateChannel{"intel", "Intel again"}}), f.sup_key);
  const std::string truncated = pls(c[1]).substr(0, 40);

  return json::array({
      sequence("valid chain of four commits", {pls(c[0]), pls(c[1]), pls(c[2]), pls(c[3])}),
      sequence("forged signature is rejected and changes nothing", {pls(c[0]), pls(forged), pls(c[1])}),
      sequence("signature by a non-supervisor key for the supervisor's commit",
               {pls(c[0]), pls(wrong_signer)}),
      sequence("commit authored by a party admin", {pls(c[0]), pls(by_party_admin)}),
      sequence("wrong previous hash", {pls(c[0]), pls(broken_chain)}),
      sequence("commit for another cell", {pls(c[0]), pls(other_cell)}),
      sequence("operation that conflicts with the state", {pls(c[0]), pls(bad_operation)}),
      sequence("replayed commit is a duplicate", {pls(c[0]), pls(c[1]), pls(c[1]), pls(c[0])}),
      sequence("out of order: buffered, then applied when the gap fills",
               {pls(c[0]), pls(c[3]), pls(c[2]), pls(c[1])}),
      sequence("a second signed commit for an applied epoch is equivocation",
               {pls(c[0]), pls(c[1]), pls(conflicting)}),
      sequence("genesis with a forged signature", {pls(forged_genesis), pls(c[0])}),
      sequence("truncated commit bytes", {pls(c[0]), truncated}),
      sequence("garbage bytes", {pls(c[0]), "00112233445566778899"}),
  });
}

json envelope_cases() {
  envelope::Envelope whisper{envelope::CipherType::whisper, Bytes{1, 2, 3, 4, 5}, std::nullopt};
  envelope::KeyTag tag;
  tag.fill(0xab);
  envelope::Envelope group{envelope::CipherType::sender_key, Bytes(40, 0x33), tag};
  envelope::Content content{{}, 1'700'000'000'123, envelope::ContentKind::text,
                            bytes_of("hello")};
  content.message_id.bytes.fill(0x07);
  const std::string w = to_hex(envelope::encode(whisper));
  const std::string g = to_hex(envelope::encode(group));
  const std::string t = to_hex(envelope::encode(content));
  auto one = [](const char* name, const char* decoder, const std::string& bytes) {
    return json{{"name", name}, {"input", {{"decoder", decoder}, {"bytes", bytes}}}};
  };
  std::string flipped_id = w;
  flipped_id[9] = flipped_id[9] == '0' ? '1' : '0';  // inside the file identifier
  return json::array({
      one("whisper envelope", "envelope", w),
      one("sender-key envelope with key tag", "envelope", g),
      one("text content", "content", t),
      one("empty buffer", "envelope", ""),
      one("truncated to 3 bytes", "envelope", w.substr(0, 6)),
      one("truncated by one byte", "envelope", w.substr(0, w.size() - 2)),
      one("sender-key envelope truncated in half", "envelope", g.substr(0, g.size() / 2)),
      one("garbage", "envelope", "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"),
      one("wrong file identifier", "envelope", flipped_id),
      one("content bytes given to the envelope decoder", "envelope", t),
      one("envelope bytes given to the content decoder", "content", w),
      one("content truncated", "content", t.substr(0, t.size() - 8)),
  });
}

void write(const std::string& dir, const char* name, const json& file) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path);
  out << file.dump(1) << "\n";
  if (!out) fail("cannot write " + path);
  std::cout << "wrote " << path << "\n";
}

}  // namespace
}  // namespace parley::vectors

int main(int argc, char** argv) {
  using namespace parley::vectors;
  if (argc != 2) fail("usage: parley_vectors_generate OUT_DIR");
  write(argv[1], "crypto.json", with_expectations(file_of("crypto", crypto_cases())));
  write(argv[1], "charter.json", with_expectations(file_of("charter", charter_cases())));
  write(argv[1], "envelope.json", with_expectations(file_of("envelope", envelope_cases())));
}
