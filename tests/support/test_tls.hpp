// SPDX-License-Identifier: GPL-3.0-or-later
// TLS for tests: self-signed certificates made with the `openssl req` command in a test's
// temporary folder, and a blocking HTTPS GET over OpenSSL.
#pragma once

#include <cstdint>
#include <string>

namespace parley::test {

struct TestCert {
  std::string cert_file;  // PEM, self-signed: it is also the CA file that trusts it
  std::string key_file;
  std::string sha256;     // of the certificate (DER), lowercase hex: a pin
};

// A P-256 certificate for localhost and 127.0.0.1, valid for a day: `dir`/`name`.crt + .key.
// Throws std::runtime_error if openssl fails.
TestCert make_test_cert(const std::string& dir, const std::string& name);

struct HttpsGet {
  int status = 0;            // 0: no HTTP answer (connect, handshake or verification failed)
  std::string body;
  std::string tls_version;   // as negotiated, e.g. "TLSv1.3"
};

// One HTTP/1.0 GET over TLS to 127.0.0.1:port. `ca_file` non-empty: verify the certificate
// against it (and the name 127.0.0.1). `max_version` (e.g. TLS1_1_VERSION) caps the offer;
// 0: OpenSSL's default.
HttpsGet https_get(std::uint16_t port, const std::string& target, const std::string& ca_file = "",
                   int max_version = 0);

}  // namespace parley::test
