// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/test_tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace parley::test {

namespace {

std::string sha256_of(const std::string& cert_file) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(cert_file.c_str(), "r"), &std::fclose);
  if (!file) throw std::runtime_error("cannot open " + cert_file);
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) throw std::runtime_error("not a PEM certificate: " + cert_file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(cert.get(), EVP_sha256(), digest, &length);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

}  // namespace

TestCert make_test_cert(const std::string& dir, const std::string& name) {
  TestCert cert{dir + "/" + name + ".crt", dir + "/" + name + ".key", ""};
  const std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
                              " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                              " -keyout '" + cert.key_file + "' -out '" + cert.cert_file + "' 2>/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed: " + command);
  cert.sha256 = sha256_of(cert.cert_file);
  return cert;
}

HttpsGet https_get(std::uint16_t port, const std::string& target, const std::string& ca_file, int max_version) {
  HttpsGet result;
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return result;
  if (max_version != 0) {
    // Old versions need the lowest security level in OpenSSL 3: offer them for real.
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_min_proto_version(ctx.get(), 0);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  }
  if (!ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) return result;
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return result;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return result;
  }
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), &SSL_free);
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  if (!ca_file.empty()) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
  if (SSL_connect(ssl.get()) == 1) {
    result.tls_version = SSL_get_version(ssl.get());
    const std::string request = "GET " + target + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) == static_cast<int>(request.size())) {
      std::string response;
      char buf[4096];
      int n;
      while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0) response.append(buf, static_cast<std::size_t>(n));
      if (response.size() >= 12 && response.compare(0, 5, "HTTP/") == 0) {
        result.status = std::atoi(response.c_str() + 9);
        const auto split = response.find("\r\n\r\n");
        if (split != std::string::npos) result.body = response.substr(split + 4);
      }
    }
    SSL_shutdown(ssl.get());
  }
  ERR_clear_error();
  ::close(fd);
  return result;
}

}  // namespace parley::test
