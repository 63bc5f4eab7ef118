// SPDX-License-Identifier: GPL-3.0-or-later
// Supervisor beacons, a part of the engine (docs/protocol.md "Supervisor beacons"): a
// supervisor device's periodic word of where its charter stands, so that a commit the relay
// withholds from every member is learned of, and a member's alarm when that word stops. The
// times live in Core::beacons (SupervisorBeacons), which Charters marks at each commit and the
// Engine at each connection. Depends on Core, Identities and Charters.
#pragma once

#include <optional>
#include <utility>

#include "engine/charters.hpp"
#include "engine/effects.hpp"
#include "engine/engine_core.hpp"
#include "engine/identities.hpp"

namespace parley::engine {

class Beacons {
 public:
  Beacons(Core& core, Identities& identities, Charters& charters)
      : core_(core), identities_(identities), charters_(charters) {}

  // Send those due, and report silent supervisors.
  void send_beacons(TimeMs now);
  void check_supervisor_silence(TimeMs now);
  Status on_head_beacon(const Address& sender, const envelope::Content& content, TimeMs now, Effects& after);
  // The earliest beacon to send and the earliest silence to report, over this device's cells.
  std::pair<std::optional<TimeMs>, std::optional<TimeMs>> beacon_deadlines() const;

 private:
  Core& core_;
  Identities& identities_;
  Charters& charters_;
};

}  // namespace parley::engine
