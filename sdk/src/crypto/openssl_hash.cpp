// SPDX-License-Identifier: GPL-3.0-or-later
#include "crypto/hash.hpp"

#include <openssl/evp.h>

#include <memory>

namespace parley::crypto {

namespace {
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
}  // namespace

Result<Sha256Digest> sha256(std::initializer_list<ByteView> parts) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return make_error(Errc::out_of_memory, "EVP_MD_CTX_new failed");
  // EVP_sha256() is the implicitly fetched default-provider SHA-256: no fetch to free.
  if (EVP_DigestInit_ex2(ctx.get(), EVP_sha256(), nullptr) != 1)
    return make_error(Errc::crypto, "EVP_DigestInit_ex2(SHA-256) failed");
  for (ByteView part : parts) {
    // EVP_DigestUpdate accepts (nullptr, 0), but an empty span's pointer is not promised to be
    // anything in particular, so empty parts are skipped.
    if (part.empty()) continue;
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
      return make_error(Errc::crypto, "EVP_DigestUpdate(SHA-256) failed");
  }
  Sha256Digest out{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
    return make_error(Errc::crypto, "EVP_DigestFinal_ex(SHA-256) failed");
  return out;
}

Result<Sha256Digest> sha256(ByteView data) { return sha256({data}); }

}  // namespace parley::crypto
