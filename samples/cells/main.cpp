// SPDX-License-Identifier: GPL-3.0-or-later
// parley-cells-demo: the seeds' cell over a real relay, with a readable transcript per device.
//
//   parley-cells-demo --relay 127.0.0.1:7443 --dir /tmp/cells-demo [--relay-data DIR] [--transcript FILE]
//
// With --transcript it writes US's export of the attested #deescalation channel to FILE, for
// `parley-verify FILE` to check offline.
//
// With --relay-data (the relay's --data folder) it ends with a line saying whether the
// relay's files contain any cell name, channel name, party label or message text.
//
// The supervisor US creates "IL-SY coordination"; intel is restricted so the IL commercial
// delegate cannot read it; IL and SY post; a SY analyst is removed and the rekey happens.
// Then #deescalation becomes a hotline (acknowledgements required): a FLASH message is
// acknowledged by SY, a PRIORITY one is not, goes overdue and is escalated to US. SY opens an
// incident against IL, which the two resolve by agreeing on a proposal; IL and SY announce
// overlapping activity in deconfliction notices, and every device sees the conflict.
#include <CLI/CLI.hpp>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

#include "parley/client.hpp"

namespace {

using namespace std::chrono_literals;

class Device {
 public:
  Device(const std::string& dir, parley::Address address, const std::string& host, std::uint16_t port)
      : address_(std::move(address)) {
    parley::ClientOptions options;
    options.address = address_;
    options.store_path = dir + "/" + address_.to_string() + ".db";
    options.store_key = parley::StoreKey::passphrase("passphrase of " + address_.to_string());
    options.relay_host = host;
    options.relay_port = port;
    options.initial_prekeys = 20;
    auto opened = parley::Client::open(std::move(options));
    if (!opened) throw std::runtime_error(opened.error().to_string());
    client_ = std::move(*opened);
    client_->set_event_handler([this](const parley::Event& e) { on_event(e); });
  }

  parley::Client& client() { return *client_; }
  const parley::Address& address() const { return address_; }
  std::string transcript() {
    std::lock_guard lock(mutex_);
    return transcript_.str();
  }
  void note(const std::string& line) {
    std::lock_guard lock(mutex_);
    transcript_ << "  " << line << "\n";
  }
  // Waits until `pred()` holds (checked after each event), up to 10 s.
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, pred);
  }
  std::uint64_t epoch() const { return epoch_; }
  std::size_t received() const { return received_; }
  std::size_t connected() const { return connected_; }
  std::size_t acks() const { return acks_; }
  std::size_t overdue() const { return overdue_; }
  std::size_t escalations() const { return escalations_; }
  std::size_t incident_updates() const { return incident_updates_; }
  std::size_t notices() const { return notices_; }
  std::size_t conflicts() const { return conflicts_; }

 private:
  void on_event(const parley::Event& event) {
    std::lock_guard lock(mutex_);
    if (std::get_if<parley::Connected>(&event)) ++connected_;
    if (auto* m = std::get_if<parley::ChannelMessageReceived>(&event)) {
      ++received_;
      transcript_ << "  #" << m->channel << " <" << m->sender.to_string() << "> "
                  << (m->precedence == parley::Precedence::routine ? "" : precedence_label(m->precedence)) << m->text
                  << "   (epoch " << m->epoch << ")\n";
    } else if (auto* a = std::get_if<parley::AcknowledgementReceived>(&event)) {
      ++acks_;
      transcript_ << "  #" << a->channel << " " << a->party << " acknowledged (by " << a->by.to_string() << ") a message of "
                  << a->sender.to_string() << "\n";
    } else if (auto* o = std::get_if<parley::MessageOverdue>(&event)) {
      ++overdue_;
      transcript_ << "  #" << o->channel << " OVERDUE: " << o->party << " did not acknowledge a message of "
                  << o->sender.to_string() << " in time\n";
    } else if (auto* e = std::get_if<parley::EscalationReceived>(&event)) {
      ++escalations_;
      transcript_ << "  ESCALATION from " << e->from.to_string() << ": " << e->party << " let a message on #"
                  << e->channel << " go overdue\n";
    } else if (auto* i = std::get_if<parley::IncidentUpdated>(&event)) {
      ++incident_updates_;
      transcript_ << "  #" << i->channel << " incident operation by " << i->by.to_string() << "\n";
    } else if (auto* n = std::get_if<parley::NoticeReceived>(&event)) {
      ++notices_;
      transcript_ << "  #" << n->channel << " NOTICE from " << n->party << ": " << n->notice.description << "\n";
    } else if (auto* x = std::get_if<parley::NoticesConflict>(&event)) {
      ++conflicts_;
      transcript_ << "  #" << x->channel << " CONFLICT: notices of " << x->first_party << " and " << x->second_party
                  << " overlap in area and time\n";
    } else if (auto* c = std::get_if<parley::CharterChanged>(&event)) {
      epoch_ = c->epoch;
      transcript_ << "  charter " << (c->joined ? "joined at " : "advanced to ") << "epoch " << c->epoch << "\n";
    } else if (auto* p = std::get_if<parley::PermissionDenied>(&event)) {
      transcript_ << "  refused a post from " << p->sender.to_string() << " on #" << p->channel << ": "
                  << p->error.to_string() << "\n";
    } else if (auto* s = std::get_if<parley::SecurityAlert>(&event)) {
      transcript_ << "  SECURITY ALERT from " << s->sender.to_string() << ": " << s->error.to_string() << "\n";
    }
    changed_.notify_all();
  }

  parley::Address address_;
  std::unique_ptr<parley::Client> client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::ostringstream transcript_;
  std::uint64_t epoch_ = 0;
  std::size_t received_ = 0;
  std::size_t connected_ = 0;
  std::size_t acks_ = 0;
  std::size_t overdue_ = 0;
  std::size_t escalations_ = 0;
  std::size_t incident_updates_ = 0;
  std::size_t notices_ = 0;
  std::size_t conflicts_ = 0;

  static std::string precedence_label(parley::Precedence p) {
    switch (p) {
      case parley::Precedence::flash: return "[FLASH] ";
      case parley::Precedence::immediate: return "[IMMEDIATE] ";
      case parley::Precedence::priority: return "[PRIORITY] ";
      case parley::Precedence::routine: break;
    }
    return "";
  }
};

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parley cells demo: the seeds' cell over a relay, one transcript per device"};
  std::string relay = "127.0.0.1:7443", dir, relay_data, transcript_path;
  app.add_option("--relay", relay, "relay address HOST:PORT");
  app.add_option("--dir", dir, "folder for the device stores")->required();
  app.add_option("--relay-data", relay_data, "the relay's data folder, scanned for plaintext at the end");
  app.add_option("--transcript", transcript_path, "write the attested #deescalation transcript here");
  CLI11_PARSE(app, argc, argv);
  auto colon = relay.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "error: --relay must be HOST:PORT\n";
    return 2;
  }
  const std::string host = relay.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::stoi(relay.substr(colon + 1)));
  std::filesystem::create_directories(dir);

  try {
    Device us(dir, {"us_sup", 1}, host, port), il(dir, {"il_officer", 1}, host, port),
        sy(dir, {"sy_officer", 1}, host, port), analyst(dir, {"sy_analyst", 1}, host, port),
        trade(dir, {"il_trade", 1}, host, port);
    std::vector<Device*> all{&us, &il, &sy, &analyst, &trade};
    for (Device* d : all) {
      require(d->client().start().ok(), "start");
      require(d->wait([d] { return d->connected() > 0; }), d->address().to_string() + " did not connect");
    }
    auto key = [](Device& d) { return *d.client().identity_key(); };

    // Members trade keys with the supervisor out of band: theirs go into the charter, the
    // supervisor's anchor tells them which cells to join (any other Welcome is only an invitation).
    auto anchor = us.client().supervisor_anchor();
    require(anchor.ok(), "supervisor_anchor");
    std::cout << "members are told the US supervisor's fingerprint out of band: "
              << parley::fingerprint_digits(anchor->value) << "\n";
    for (Device* d : {&il, &sy, &analyst, &trade})
      require(d->client().add_join_anchor(*anchor).ok(), "add_join_anchor");

    std::cout << "US creates the cell \"IL-SY coordination\" (standard template)\n";
    parley::CellTemplate t;
    t.members = {{il.address(), "IL", parley::CellRole::member, key(il)},
                 {sy.address(), "SY", parley::CellRole::member, key(sy)},
                 {analyst.address(), "SY", parley::CellRole::member, key(analyst)},
                 {trade.address(), "IL", parley::CellRole::member, key(trade)}};
    auto cell = us.client().create_cell(t);
    require(cell.ok(), "create_cell: " + (cell ? std::string() : cell.error().to_string()));
    us.note("created the cell (epoch 1)");

    std::cout << "US restricts #intel: IL reads it only through its officer; the trade delegate does not\n";
    parley::ChannelPolicySpec intel;
    intel.read = {parley::CellGrant::party("US"), parley::CellGrant::party("SY"), parley::CellGrant::user("il_officer")};
    intel.post = {parley::CellGrant::party("IL"), parley::CellGrant::party("SY")};
    require(us.client().set_channel_policy(*cell, "intel", intel).ok(), "set policy");
    for (Device* d : all)
      if (d != &us) require(d->wait([d] { return d->epoch() >= 2; }), d->address().to_string() + " missed epoch 2");

    auto post = [&](Device& d, const char* channel, const char* text) {
      auto id = d.client().post(*cell, channel, text);
      if (id)
        d.note(std::string("posted on #") + channel + ": " + text);
      else
        d.note(std::string("could not post on #") + channel + ": " + id.error().to_string());
    };
    std::cout << "IL and SY post; the delegate tries #intel\n";
    post(il, "intel", "Convoy observed near the border crossing at 0400.");
    post(sy, "deescalation", "Our unit will hold position; requesting the same.");
    post(trade, "commercial", "Tender for the water project opens Monday.");
    post(trade, "intel", "Can I see this channel?");
    require(sy.wait([&] { return sy.received() >= 2; }), "sy did not receive");
    require(analyst.wait([&] { return analyst.received() >= 3; }), "analyst did not receive");

    std::cout << "US removes the SY analyst; the next posts use new keys the analyst never gets\n";
    require(us.client().remove_member(*cell, analyst.address()).ok(), "remove");
    require(il.wait([&] { return il.epoch() >= 3; }), "il missed epoch 3");
    require(sy.wait([&] { return sy.epoch() >= 3; }), "sy missed epoch 3");
    post(il, "intel", "Convoy has turned back. Thank you for holding position.");
    post(sy, "diplomatic", "Proposal: weekly call under US chairmanship.");
    require(us.wait([&] { return us.received() >= 5; }), "us did not receive everything");

    std::cout << "US makes #deescalation an attested hotline: every other party must acknowledge within 3 s "
                 "(demo time), and every post is signed\n";
    parley::ChannelPolicySpec hotline;
    hotline.read = {parley::CellGrant::party("US"), parley::CellGrant::party("IL"), parley::CellGrant::party("SY")};
    hotline.post = {parley::CellGrant::party("IL"), parley::CellGrant::party("SY")};
    hotline.ack_required = true;
    hotline.ack_deadline_seconds = 3;
    hotline.attested = true;
    require(us.client().set_channel_policy(*cell, "deescalation", hotline).ok(), "hotline policy");
    for (Device* d : {&il, &sy, &trade}) require(d->wait([d] { return d->epoch() >= 4; }), "missed epoch 4");
    std::cout << "IL sends a FLASH; SY acknowledges it. IL sends a PRIORITY notice nobody acknowledges\n";
    auto flash = il.client().post(*cell, "deescalation", "Unplanned launch detected in sector 4. It is not ours.",
                                  parley::Precedence::flash);
    require(flash.ok(), "flash");
    il.note("posted a FLASH on #deescalation");
    require(sy.wait([&] { return sy.received() >= 4; }), "sy did not receive the flash");
    require(sy.client().acknowledge(*cell, "deescalation", il.address(), *flash).ok(), "acknowledge");
    sy.note("acknowledged IL's FLASH");
    require(il.wait([&] { return il.acks() >= 1; }), "il saw no acknowledgement");
    require(il.client().post(*cell, "deescalation", "Patrol will cross grid 7 at 0600.", parley::Precedence::priority)
                .ok(),
            "priority");
    il.note("posted a PRIORITY notice on #deescalation");
    require(us.wait([&] { return us.escalations() >= 1; }), "no escalation reached US");
    std::cout << "US sets the hotline's deadline back to 10 minutes for what follows\n";
    hotline.ack_deadline_seconds = 600;
    require(us.client().set_channel_policy(*cell, "deescalation", hotline).ok(), "hotline policy");
    for (Device* d : {&il, &sy, &trade}) require(d->wait([d] { return d->epoch() >= 5; }), "missed epoch 5");

    std::cout << "SY opens an incident against IL; IL acknowledges it and proposes a resolution; SY agrees\n";
    auto incident = sy.client().open_incident(
        *cell, "deescalation",
        parley::IncidentOpen{"Drone crossed the line at grid 41", "Debris recovered 2 km inside SY territory.",
                             parley::Severity::high, "IL", parley::GeoPoint{330'100'000, 355'200'000}},
        parley::Precedence::immediate);
    require(incident.ok(), "open_incident");
    sy.note("opened an incident against IL");
    // Each update needs the devices to have seen the previous one (1 event per operation).
    auto updates_seen = [&](std::size_t n) {
      for (Device* d : {&us, &il, &sy})
        require(d->wait([d, n] { return d->incident_updates() >= n; }), "incident updates did not arrive");
    };
    updates_seen(1);
    require(il.client().update_incident(*cell, "deescalation", *incident, parley::IncidentAcknowledge{}).ok(), "ack");
    il.note("acknowledged the incident");
    auto proposal = il.client().update_incident(*cell, "deescalation", *incident,
                                                parley::IncidentPropose{"Joint inspection of the debris on Monday."});
    require(proposal.ok(), "propose");
    il.note("proposed a joint inspection");
    updates_seen(3);
    require(sy.client()
                .update_incident(*cell, "deescalation", *incident,
                                 parley::IncidentResolve{parley::MessageRef{il.address(), *proposal}, "Agreed."})
                .ok(),
            "agree");
    sy.note("agreed to IL's proposal");
    updates_seen(4);
    for (Device* d : {&us, &il, &sy}) {
      auto held = d->client().incidents(*cell, "deescalation");
      require(held.ok() && held->size() == 1, "incidents");
      const parley::Incident& i = held->front();
      d->note("incident \"" + i.title + "\": " +
              (i.resolved() ? std::string(i.resolution->by == parley::ResolvedBy::agreement ? "resolved by agreement"
                                                                                             : "resolved by the supervisor")
                            : std::string("open")));
    }

    std::cout << "IL and SY announce activity in deconfliction notices; the two overlap\n";
    const auto tomorrow = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch() + 24h)
                              .count();
    auto il_notice = il.client().post_notice(
        *cell, "deescalation",
        parley::DeconflictionNotice{parley::Circle{parley::GeoPoint{330'000'000, 355'000'000}, 10'000},
                                    parley::TimeWindow{tomorrow, tomorrow + 3 * 3600'000}, "IL air exercise"},
        parley::Precedence::priority);
    require(il_notice.ok(), "post_notice IL");
    auto sy_notice = sy.client().post_notice(
        *cell, "deescalation",
        parley::DeconflictionNotice{
            parley::Polygon{{{330'500'000, 354'000'000}, {330'500'000, 356'000'000}, {332'000'000, 355'000'000}}},
            parley::TimeWindow{tomorrow + 2 * 3600'000, tomorrow + 4 * 3600'000}, "SY helicopter patrol"},
        parley::Precedence::priority);
    require(sy_notice.ok(), "post_notice SY");
    for (Device* d : {&us, &il, &sy})
      require(d->wait([d] { return d->conflicts() >= 1; }), d->address().to_string() + " saw no conflict");
    require(il.wait([&] { return il.notices() >= 1; }) && sy.wait([&] { return sy.notices() >= 1; }), "notices");
    require(il.client().acknowledge(*cell, "deescalation", sy.address(), *sy_notice).ok(), "ack SY notice");
    require(sy.client().acknowledge(*cell, "deescalation", il.address(), *il_notice).ok(), "ack IL notice");
    il.note("acknowledged SY's notice");
    sy.note("acknowledged IL's notice");
    require(il.wait([&] { return il.acks() >= 2; }) && sy.wait([&] { return sy.acks() >= 1; }), "notice acks");
    std::this_thread::sleep_for(500ms);
    if (!transcript_path.empty()) {
      auto transcript = us.client().export_transcript(*cell, "deescalation");
      require(transcript.ok(), "export_transcript");
      std::ofstream(transcript_path, std::ios::binary)
          .write(reinterpret_cast<const char*>(transcript->data()), static_cast<std::streamsize>(transcript->size()));
      us.note("exported the #deescalation transcript (" + std::to_string(transcript->size()) + " bytes)");
    }

    for (Device* d : all) d->client().stop();
    std::cout << "\n";
    for (Device* d : all) std::cout << "=== " << d->address().to_string() << " ===\n" << d->transcript() << "\n";
    if (!relay_data.empty()) {
      const std::vector<std::string> secrets{"IL-SY coordination", "intel", "deescalation", "diplomatic", "commercial",
                                             "Convoy", "Tender", "holding position", "weekly call", "party:",
                                             "Drone crossed", "debris", "air exercise", "helicopter"};
      std::size_t files = 0, bytes = 0;
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(relay_data)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ++files;
        bytes += data.size();
        for (const auto& secret : secrets)
          if (data.find(secret) != std::string::npos) found.push_back(secret + " in " + entry.path().filename().string());
      }
      std::cout << "relay storage: " << files << " files, " << bytes << " bytes; ";
      if (found.empty()) {
        std::cout << "no cell name, channel name or message text in it (only addresses, sizes and opaque tags)\n";
      } else {
        std::cout << "FOUND plaintext:";
        for (const auto& f : found) std::cout << " [" << f << "]";
        std::cout << "\n";
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "demo failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
