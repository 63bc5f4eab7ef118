// SPDX-License-Identifier: GPL-3.0-or-later
// scrypt and PBKDF2 through OpenSSL 3's EVP_KDF interface (no Argon2 before OpenSSL 3.2).
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <string>

#include "crypto/kdf.hpp"

namespace parley::crypto {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

Status derive(const char* algorithm, const OSSL_PARAM* params, std::span<std::uint8_t> out) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, algorithm, nullptr));
  if (!kdf) return make_error(Errc::crypto, std::string("OpenSSL has no ") + algorithm + " KDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return make_error(Errc::out_of_memory, "EVP_KDF_CTX_new failed");
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
    return make_error(Errc::crypto, std::string(algorithm) + " key derivation failed (parameters or memory)");
  return {};
}

// OpenSSL takes non-const pointers for input buffers it only reads.
void* mutable_ptr(const void* p) { return const_cast<void*>(p); }

}  // namespace

bool has_scrypt() { return true; }

Status scrypt(std::string_view passphrase, ByteView salt, std::uint64_t n, std::uint32_t r, std::uint32_t p,
              std::span<std::uint8_t> out) {
  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0)
    return make_error(Errc::invalid_argument, "scrypt needs N a power of two > 1 and r, p > 0");
  std::uint64_t maxmem = 128 * static_cast<std::uint64_t>(r) * (n + p + 2);  // what scrypt itself needs, plus slack
  unsigned int r_value = r;
  unsigned int p_value = p;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, mutable_ptr(passphrase.data()), passphrase.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_SCRYPT_R, &r_value),
      OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_SCRYPT_P, &p_value),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  return derive("SCRYPT", params, out);
}

Status pbkdf2_sha256(std::string_view passphrase, ByteView salt, std::uint32_t iterations,
                     std::span<std::uint8_t> out) {
  if (iterations == 0) return make_error(Errc::invalid_argument, "PBKDF2 needs at least one iteration");
  unsigned int iter = iterations;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, mutable_ptr(passphrase.data()), passphrase.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_ptr(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  return derive("PBKDF2", params, out);
}

}  // namespace parley::crypto
