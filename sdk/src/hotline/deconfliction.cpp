// SPDX-License-Identifier: GPL-3.0-or-later
#include "hotline/deconfliction.hpp"

#include <algorithm>

#include "hotline/geometry.hpp"

namespace parley::hotline {
namespace {

Conflict ordered(const MessageRef& a, const MessageRef& b) { return a < b ? Conflict{a, b} : Conflict{b, a}; }

}  // namespace

bool notices_conflict(const NoticeRecord& a, const NoticeRecord& b) {
  if (a.party == b.party || a.ref == b.ref) return false;
  // Time first: it is exact and cheap, and most notices are for other windows.
  return windows_overlap(a.notice.window, b.notice.window) && areas_overlap(a.notice.area, b.notice.area);
}

std::vector<Conflict> conflicts_with(const NoticeRecord& incoming, std::span<const NoticeRecord> known) {
  std::vector<Conflict> out;
  for (const auto& other : known)
    if (notices_conflict(incoming, other)) out.push_back(ordered(incoming.ref, other.ref));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Conflict> find_conflicts(std::span<const NoticeRecord> notices) {
  std::vector<Conflict> out;
  for (std::size_t i = 0; i < notices.size(); ++i)
    for (std::size_t j = i + 1; j < notices.size(); ++j)
      if (notices_conflict(notices[i], notices[j])) out.push_back(ordered(notices[i].ref, notices[j].ref));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace parley::hotline
