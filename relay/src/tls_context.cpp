// SPDX-License-Identifier: GPL-3.0-or-later
#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>

namespace parley::relay {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 list: ECDHE (forward secrecy) with AEAD ciphers only.
// TLS 1.3 suites are OpenSSL's defaults, all of which are modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_reason(const boost::system::error_code& ec) {
  std::string text = ec.message();
  ERR_clear_error();
  return text;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> TlsContext::make(const std::string& cert_file, const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return make_error(Errc::invalid_argument, "OpenSSL refused the TLS 1.2+ cipher settings");
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                       SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  if (context->use_certificate_chain_file(cert_file, ec); ec)
    return make_error(Errc::invalid_argument,
                      "cannot load the TLS certificate chain " + cert_file + ": " + openssl_reason(ec));
  if (context->use_private_key_file(key_file, ssl::context::pem, ec); ec) {
    const std::string reason = openssl_reason(ec);
    if (reason.find("mismatch") != std::string::npos)
      return make_error(Errc::invalid_argument,
                        "the TLS private key " + key_file + " does not belong to the certificate " + cert_file);
    return make_error(Errc::invalid_argument, "cannot load the TLS private key " + key_file + ": " + reason);
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return make_error(Errc::invalid_argument,
                      "the TLS private key " + key_file + " does not belong to the certificate " + cert_file);
  }
  return context;
}

Result<std::shared_ptr<TlsContext>> TlsContext::load(std::string cert_file, std::string key_file) {
  auto context = make(cert_file, key_file);
  if (!context) return context.error();
  std::shared_ptr<TlsContext> tls(new TlsContext(std::move(cert_file), std::move(key_file)));
  tls->context_ = std::move(*context);
  return tls;
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

Status TlsContext::reload() {
  auto context = make(cert_file_, key_file_);
  if (!context) return context.error();
  std::lock_guard lock(mutex_);
  context_ = std::move(*context);
  return {};
}

std::string TlsContext::fingerprint() const {
  const auto context = current();
  X509* cert = SSL_CTX_get0_certificate(context->native_handle());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), digest, &length) != 1) return "unknown";
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

}  // namespace parley::relay
