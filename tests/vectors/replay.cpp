// SPDX-License-Identifier: GPL-3.0-or-later
// The replayer behind replay.hpp. It never throws (the wasm build has no exception
// handling): JSON is parsed without exceptions and read through checked accessors.
#include "vectors/replay.hpp"

#include <nlohmann/json.hpp>

#include <optional>

#include "charter/codec.hpp"
#include "charter/log.hpp"
#include "crypto/hash.hpp"
#include "crypto/keys.hpp"
#include "crypto/signal_context.hpp"
#include "crypto/signal_ptr.hpp"
#include "envelope/envelope.hpp"
#include "vectors/hex.hpp"

namespace parley::vectors {
namespace {

using nlohmann::json;

// json::value() throws on a wrong type (an abort in wasm); these accessors do not.
json member(const json& object, const char* key, json fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->type() == fallback.type() ? *it : fallback;
}

std::string str(const json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Bytes bytes(const json& object, const char* key) { return from_hex(str(object, key)); }

json buffer_result(int rc, signal_buffer* raw) {
  crypto::BufferPtr owned(raw);
  return {{"rc", rc}, {"out", rc == 0 ? to_hex(crypto::to_bytes(owned.get())) : ""}};
}

int cipher_of(const std::string& name) {
  return name == "cbc" ? SG_CIPHER_AES_CBC_PKCS5 : name == "ctr" ? SG_CIPHER_AES_CTR_NOPADDING : -1;
}

json crypto_case(const json& in) {
  const auto& p = crypto::crypto_provider();
  const std::string op = str(in, "op");
  if (op == "hmac_sha256") {
    const Bytes key = bytes(in, "key"), data = bytes(in, "data");
    void* ctx = nullptr;
    int rc = p.hmac_sha256_init_func(&ctx, key.data(), key.size(), p.user_data);
    signal_buffer* out = nullptr;
    if (rc == 0) rc = p.hmac_sha256_update_func(ctx, data.data(), data.size(), p.user_data);
    if (rc == 0) rc = p.hmac_sha256_final_func(ctx, &out, p.user_data);
    p.hmac_sha256_cleanup_func(ctx, p.user_data);
    return buffer_result(rc, out);
  }
  if (op == "sha512") {
    // Two digests on one context: the second proves final() re-initialised it.
    const Bytes data = bytes(in, "data"), again = bytes(in, "again");
    void* ctx = nullptr;
    int rc = p.sha512_digest_init_func(&ctx, p.user_data);
    signal_buffer* first = nullptr;
    signal_buffer* second = nullptr;
    if (rc == 0) rc = p.sha512_digest_update_func(ctx, data.data(), data.size(), p.user_data);
    if (rc == 0) rc = p.sha512_digest_final_func(ctx, &first, p.user_data);
    if (rc == 0) rc = p.sha512_digest_update_func(ctx, again.data(), again.size(), p.user_data);
    if (rc == 0) rc = p.sha512_digest_final_func(ctx, &second, p.user_data);
    p.sha512_digest_cleanup_func(ctx, p.user_data);
    json result = buffer_result(rc, first);
    result["again"] = buffer_result(rc, second)["out"];
    return result;
  }
  if (op == "aes_encrypt" || op == "aes_decrypt") {
    const Bytes key = bytes(in, "key"), iv = bytes(in, "iv"), data = bytes(in, "data");
    const auto call = op == "aes_encrypt" ? p.encrypt_func : p.decrypt_func;
    signal_buffer* out = nullptr;
    const int rc = call(&out, cipher_of(str(in, "cipher")), key.data(), key.size(), iv.data(),
                        iv.size(), data.data(), data.size(), p.user_data);
    return buffer_result(rc, out);
  }
  if (op == "sha256") {
    auto digest = crypto::sha256(bytes(in, "data"));
    return {{"out", digest ? to_hex(*digest) : ""}};
  }
  if (op == "xeddsa_verify") {
    return {{"valid", crypto::verify(bytes(in, "public_key"), bytes(in, "message"),
                                     bytes(in, "signature"))}};
  }
  return {{"error", "unknown crypto op " + op}};
}

const char* status_name(charter::OfferStatus status) {
  switch (status) {
    case charter::OfferStatus::applied: return "applied";
    case charter::OfferStatus::buffered: return "buffered";
    case charter::OfferStatus::duplicate: return "duplicate";
    case charter::OfferStatus::rejected: return "rejected";
    case charter::OfferStatus::equivocation: return "equivocation";
    case charter::OfferStatus::superseded: return "superseded";
    case charter::OfferStatus::switched: return "switched";
  }
  return "?";
}

json state_of(const std::optional<charter::CharterLog>& log) {
  if (!log) return {{"epoch", 0}, {"head", ""}, {"digest", ""}};
  auto digest = log->state().digest();
  return {{"epoch", log->epoch()},
          {"head", to_hex(log->head())},
          {"digest", digest ? to_hex(*digest) : ""}};
}

// Each step is one transport-form ("PLS1") signed commit. The first accepted one starts the
// log (from_genesis), later ones go through offer(), exactly as a device receives them.
json charter_case(const json& in) {
  std::optional<charter::CharterLog> log;
  json steps = json::array();
  for (const auto& step : member(in, "steps", json::array())) {
    json out;
    auto decoded = charter::decode_signed_commit(from_hex(step.is_string() ? step.get<std::string>() : ""));
    if (!decoded) {
      out = {{"status", "rejected"}, {"error", errc_name(decoded.error().code)}};
    } else if (!log) {
      auto started = charter::CharterLog::from_genesis(std::span(&*decoded, 1));
      if (started) {
        log = std::move(started).value();
        out = {{"status", "applied"}, {"error", ""}};
      } else {
        out = {{"status", "rejected"}, {"error", errc_name(started.error().code)}};
      }
    } else {
      const auto outcome = log->offer(*decoded);
      out = {{"status", status_name(outcome.status)},
             {"error", outcome.error ? std::string(errc_name(outcome.error->code)) : ""},
             {"applied", outcome.applied}};
    }
    out.update(state_of(log));
    steps.push_back(std::move(out));
  }
  return {{"steps", steps}};
}

json envelope_case(const json& in) {
  const Bytes data = bytes(in, "bytes");
  if (str(in, "decoder") == "content") {
    auto content = envelope::decode_content(data);
    if (!content) return {{"ok", false}, {"error", errc_name(content.error().code)}};
    return {{"ok", true},
            {"kind", static_cast<int>(content->kind)},
            {"sent_at", content->sent_at},
            {"body", to_hex(content->body)}};
  }
  auto envelope = envelope::decode(data);
  if (!envelope) return {{"ok", false}, {"error", errc_name(envelope.error().code)}};
  return {{"ok", true},
          {"type", static_cast<int>(envelope->type)},
          {"ciphertext", to_hex(envelope->ciphertext)},
          {"key_tag", envelope->key_tag ? to_hex(*envelope->key_tag) : ""}};
}

}  // namespace

std::string replay(std::string_view vector_file_json) {
  const json file = json::parse(vector_file_json.begin(), vector_file_json.end(), nullptr, false);
  if (file.is_discarded() || !file.is_object()) return json{{"error", "not JSON"}}.dump();
  const auto version = file.find("version");
  if (str(file, "format") != "parley-vectors" || version == file.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != kFormatVersion)
    return json{{"error", "not a version-1 parley-vectors file"}}.dump();
  const std::string kind = str(file, "kind");
  json (*run)(const json&) = kind == "crypto"     ? crypto_case
                             : kind == "charter"  ? charter_case
                             : kind == "envelope" ? envelope_case
                                                  : nullptr;
  if (!run) return json{{"error", "unknown kind " + kind}}.dump();
  json results = json::array();
  for (const auto& c : member(file, "cases", json::array())) {
    results.push_back({{"name", str(c, "name")}, {"actual", run(member(c, "input", json::object()))}});
  }
  // Invalid UTF-8 (none is expected) is replaced rather than thrown about.
  return json{{"kind", kind}, {"results", results}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace parley::vectors
