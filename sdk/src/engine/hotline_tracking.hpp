// SPDX-License-Identifier: GPL-3.0-or-later
// Hotline tracking, a part of the engine (docs/hotline.md): every accepted channel post, own
// or received, is fed here into the HotlineBook: messages that need acknowledgements,
// acknowledgements and receipts recorded, incident operations and deconfliction notices
// cached per channel, this device's receipts queued. Depends on Core and the HotlineBook.
#pragma once

#include <string>

#include "cells/codec.hpp"
#include "charter/model.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/hotline_book.hpp"
#include "hotline/incidents.hpp"
#include "parley/events.hpp"

namespace parley::engine {

class HotlineTracking {
 public:
  HotlineTracking(Core& core, HotlineBook& hotline) : core_(core), hotline_(hotline) {}

  // Hotline bookkeeping of an accepted post (own or received): track messages that need
  // acknowledgements, record acknowledgements and receipts, queue this device's receipt.
  // `received_at`: this device's clock at first receipt; the hotline's times come from it
  // (HotlineBook::time_of), never from the sender's word alone.
  void track_accepted(const Address& sender, const cells::ChannelMessage& message, TimeMs received_at,
                      Effects& after);
  void track_for_acks(const Address& sender, const cells::ChannelMessage& message, const charter::CellState& then,
                      TimeMs at);
  void track_incident_operation(const Address& sender, const std::string& party, const cells::ChannelMessage& message,
                                TimeMs at, hotline::IncidentOperation operation, Effects& after);
  void track_notice(const Address& sender, const std::string& party, const cells::ChannelMessage& message, TimeMs at,
                    DeconflictionNotice notice, Effects& after);

 private:
  Core& core_;
  HotlineBook& hotline_;
};

}  // namespace parley::engine
