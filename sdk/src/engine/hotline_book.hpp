// SPDX-License-Identifier: GPL-3.0-or-later
// The hotline state of each channel (docs/hotline.md), as this device's committed history
// says it is: the acknowledgement tracker of every ack_required channel, the incident
// operations and notices of every channel, and the delivery receipts this device owes.
// Each is rebuilt from history on first use, then kept in step by the engine (only after a
// commit: Effects::on_commit). Inside a transaction the history may hold rows a rollback
// removes, so what is built then is answered from and never kept.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cells/cell_book.hpp"
#include "hotline/ack_tracker.hpp"
#include "hotline/deconfliction.hpp"
#include "hotline/incidents.hpp"
#include "parley/cell_types.hpp"
#include "store/device_store.hpp"

namespace parley::engine {

// The time the hotline counts from: the sender's `sent_at`, believed only within
// `max_skew_ms` before this device received it and never after (docs/protocol.md
// "Freshness and receiver time").
TimeMs receiver_time(TimeMs sent_at, TimeMs received_at, TimeMs max_skew_ms);

struct ChannelHotline {
  std::vector<hotline::IncidentEvent> incident_ops;
  std::vector<hotline::NoticeRecord> notices;
};

// A delivery receipt this device owes for a post it received on an ack_required channel.
struct ReceiptDue {
  CellId cell;
  std::string channel;
  hotline::MessageRef target;
};

class HotlineBook {
 public:
  HotlineBook(const store::DeviceStore& store, cells::CellBook& book, TimeMs max_skew_ms)
      : store_(store), book_(book), max_skew_ms_(max_skew_ms) {}

  TimeMs time_of(TimeMs sent_at, TimeMs received_at) const { return receiver_time(sent_at, received_at, max_skew_ms_); }

  // The tracker of an ack_required channel; nullptr if the channel is not (or the cell unknown).
  hotline::AckTracker* tracker(const CellId& cell, const std::string& channel);
  // Incident operations and notices of a channel; nullptr if its history cannot be read.
  ChannelHotline* channel(const CellId& cell, const std::string& channel);

  // Builds the tracker of every ack_required channel (their deadlines must count even when
  // nothing arrived since the start), then calls `fn(cell, channel, tracker)` for each.
  template <class F>
  void for_each_tracker(F&& fn) {
    load_all_trackers();
    for (auto& [key, t] : trackers_) fn(key.first, key.second, t);
  }
  // When the earliest tracked deadline passes.
  std::optional<TimeMs> next_deadline();

  void receipt_due(ReceiptDue receipt) { receipts_.push_back(std::move(receipt)); }
  std::vector<ReceiptDue> take_receipts() { return std::exchange(receipts_, {}); }

 private:
  using Key = std::pair<CellId, std::string>;
  void load_all_trackers();
  std::optional<hotline::AckTracker> build_tracker(const CellId& cell, const std::string& channel);
  std::optional<ChannelHotline> build_channel(const CellId& cell, const std::string& channel);

  const store::DeviceStore& store_;
  cells::CellBook& book_;
  TimeMs max_skew_ms_;
  std::map<Key, hotline::AckTracker> trackers_;
  std::map<Key, ChannelHotline> channels_;
  // Built inside a transaction (book_.staging()): valid until the next call, never kept.
  std::optional<hotline::AckTracker> scratch_tracker_;
  std::optional<ChannelHotline> scratch_channel_;
  std::vector<ReceiptDue> receipts_;  // drained after each delivery's transaction
};

}  // namespace parley::engine
