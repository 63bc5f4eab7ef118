// SPDX-License-Identifier: GPL-3.0-or-later
// --static DIR: path resolution (no traversal), MIME types, and the real relay serving files.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "static_files.hpp"
#include "support/relay_process.hpp"
#include "support/temp_dir.hpp"

namespace parley::relay::test {
namespace {

namespace fs = std::filesystem;
using parley::test::RelayProcess;
using parley::test::TempDir;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A served folder "www" beside a secret that must stay unreachable.
struct Site {
  TempDir dir;
  fs::path www = dir.path() / "www";
  Site() {
    write_file(www / "index.html", "<!doctype html><title>parley</title>");
    write_file(www / "js" / "parley.wasm", std::string("\0asm\1\0\0\0", 8));
    write_file(www / "js" / "parley.mjs", "export {};");
    write_file(dir.path() / "secret.txt", "relay secret");
    fs::create_symlink(dir.path() / "secret.txt", www / "link.txt");
  }
};

TEST(StaticFilePath, ResolvesFilesAndIndex) {
  Site site;
  const fs::path www = fs::canonical(site.www);
  EXPECT_EQ(static_file_path(site.www, "/"), www / "index.html");
  EXPECT_EQ(static_file_path(site.www, "/index.html?v=2#top"), www / "index.html");
  EXPECT_EQ(static_file_path(site.www, "/js/parley.wasm"), www / "js" / "parley.wasm");
  EXPECT_EQ(static_file_path(site.www, "/js/./parley.mjs"), www / "js" / "parley.mjs");
  EXPECT_EQ(static_file_path(site.www, "//js//parley.mjs"), www / "js" / "parley.mjs");
}

TEST(StaticFilePath, RefusesEverythingOutsideTheFolder) {
  Site site;
  for (const char* target : {"/../secret.txt", "/js/../../secret.txt", "/..", "/%2e%2e/secret.txt",
                             "/js%2f..%2f..%2fsecret.txt", "/..\\secret.txt", "secret.txt",
                             "/link.txt", "/js", "/missing.html", "/js/"}) {
    EXPECT_EQ(static_file_path(site.www, target), std::nullopt) << target;
  }
  EXPECT_EQ(static_file_path(site.dir.path() / "nowhere", "/"), std::nullopt);
}

TEST(StaticFilePath, MimeTypes) {
  EXPECT_EQ(mime_type("a/parley.wasm"), "application/wasm");
  EXPECT_EQ(mime_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mime_type("parley.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type("parley.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(mime_type("data.bin"), "application/octet-stream");
}

// The whole HTTP/1.0 response (status line, headers, body) to one GET on loopback.
std::string raw_get(std::uint16_t port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
    }
  }
  ::close(fd);
  return response;
}

TEST(RelayStatic, ServesTheFolderWithMimeTypesAndNothingElse) {
  Site site;
  RelayProcess relay(site.dir.file("data"), {"--static", site.www.string()});
  relay.start();

  const std::string wasm = raw_get(relay.port(), "/js/parley.wasm");
  EXPECT_EQ(wasm.rfind("HTTP/1.0 200", 0), 0u) << wasm;
  EXPECT_NE(wasm.find("Content-Type: application/wasm\r\n"), std::string::npos) << wasm;
  EXPECT_EQ(wasm.substr(wasm.find("\r\n\r\n") + 4), std::string("\0asm\1\0\0\0", 8));

  const std::string page = raw_get(relay.port(), "/");
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos) << page;
  EXPECT_NE(page.find("<title>parley</title>"), std::string::npos);

  for (const char* target : {"/../secret.txt", "/link.txt", "/%2e%2e/secret.txt", "/missing"}) {
    const std::string refused = raw_get(relay.port(), target);
    EXPECT_EQ(refused.rfind("HTTP/1.0 404", 0), 0u) << target << ": " << refused;
    EXPECT_EQ(refused.find("relay secret"), std::string::npos) << target;
  }
  EXPECT_EQ(parley::test::http_get_status(relay.port(), "/healthz"), 200);
}

TEST(RelayStatic, WithoutTheOptionNothingIsServed) {
  Site site;
  RelayProcess relay(site.dir.file("data"));
  relay.start();
  EXPECT_EQ(parley::test::http_get_status(relay.port(), "/index.html"), 404);
}

}  // namespace
}  // namespace parley::relay::test
