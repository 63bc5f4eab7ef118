// SPDX-License-Identifier: GPL-3.0-or-later
// C views of hotline values shared by the list functions (hotline.cpp) and the events
// (events.cpp). A view points into the C++ value it was made from: keep that value in place
// (not moved, not copied) for as long as the view is read.
#pragma once

#include <vector>

#include "abi.hpp"

namespace parley::cabi {

inline parley_message_ref from_message_ref(const MessageRef& ref) {
  return parley_message_ref{parley_address{ref.sender.user.c_str(), ref.sender.device}, from_message_id(ref.id)};
}

// A parley_notice over a DeconflictionNotice; `notice.area.vertices` points into `vertices`.
struct NoticeView {
  std::vector<parley_geo_point> vertices;
  parley_notice notice{};
};

void fill_notice_view(const DeconflictionNotice& in, NoticeView& out);

}  // namespace parley::cabi
