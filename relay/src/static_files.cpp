// SPDX-License-Identifier: GPL-3.0-or-later
#include "static_files.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

namespace parley::relay {

namespace fs = std::filesystem;

std::optional<fs::path> static_file_path(const fs::path& root, std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() != '/') return std::nullopt;
  // Escapes and backslashes would let a name mean something other than it shows.
  if (target.find_first_of(std::string_view("%\\\0", 3)) != std::string_view::npos) return std::nullopt;
  fs::path relative;
  std::size_t at = 1;
  while (at <= target.size()) {
    const std::size_t end = std::min(target.find('/', at), target.size());
    const std::string_view part = target.substr(at, end - at);
    if (part == "..") return std::nullopt;
    if (!part.empty() && part != ".") relative /= std::string(part);
    at = end + 1;
  }
  if (target.back() == '/') relative /= "index.html";

  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(base / relative, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  // A symlink inside the folder must not lead out of it.
  const auto [base_end, file_it] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (base_end != base.end()) return std::nullopt;
  return file;
}

std::string_view mime_type(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs" || ext == ".cjs") return "text/javascript; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<std::string> read_static_file(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxStaticFileBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return body;
}

}  // namespace parley::relay
