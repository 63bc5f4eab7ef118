// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's TLS server context: certificate chain and key from PEM files, TLS 1.2 or newer
// with forward-secret AEAD ciphers only. reload() swaps in a context made from the files as
// they are now; connections keep the context they started with, so a reload (SIGHUP) never
// drops them, and a reload that fails keeps the old context.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "parley/error.hpp"

namespace parley::relay {

class TlsContext {
 public:
  // Errc::invalid_argument naming the file and OpenSSL's reason when a file is missing,
  // unreadable, not PEM, or the key does not belong to the certificate.
  static Result<std::shared_ptr<TlsContext>> load(std::string cert_file, std::string key_file);

  // The context new connections use. Callers keep the shared_ptr for the connection's life.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Re-reads both files; on failure the current context stays and the error is returned.
  Status reload();
  // SHA-256 of the current leaf certificate (DER), lowercase hex: logged so operators can pin it.
  std::string fingerprint() const;

 private:
  TlsContext(std::string cert_file, std::string key_file) : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  static Result<std::shared_ptr<boost::asio::ssl::context>> make(const std::string& cert_file, const std::string& key_file);

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace parley::relay
