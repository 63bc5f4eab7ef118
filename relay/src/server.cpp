// SPDX-License-Identifier: GPL-3.0-or-later
#include "server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "listener.hpp"
#include "metrics.hpp"
#include "log.hpp"
#include "shared_state.hpp"
#include "pg_wakeups.hpp"
#include "storage_factory.hpp"
#include "storage_worker.hpp"
#include "settings.hpp"
#include "tls_context.hpp"

namespace parley::relay {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::uint32_t kPruneBatch = 500;

TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
constexpr auto kDepthScanInterval = std::chrono::seconds(15);

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return make_error(Errc::invalid_argument, "listen address must be HOST:PORT, got '" + std::string(text) + "'");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty())
    return make_error(Errc::invalid_argument, "port must be 0..65535, got '" + std::string(port_text) + "'");
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

int run_relay(RelayConfig config) {
  std::signal(SIGPIPE, SIG_IGN);

  std::shared_ptr<TlsContext> tls;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    log_line("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
    return 1;
  }
  if (!config.tls_cert_file.empty()) {
    auto loaded = TlsContext::load(config.tls_cert_file, config.tls_key_file);
    if (!loaded) {
      log_line(loaded.error().message);
      return 1;
    }
    tls = std::move(*loaded);
  }

  auto storage = open_storage(config);
  if (!storage) {
    log_line("cannot open storage (" + storage_description(config) + "): " + storage.error().to_string());
    return 1;
  }
  StorageWorker worker(std::move(storage).value());

  const unsigned threads = std::max(1u, config.io_threads);
  int exit_code = 0;
  {
    net::io_context ioc(static_cast<int>(threads));
    auto state = std::make_shared<SharedState>(config, worker, tls);

    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    const auto resolved = resolver.resolve(config.listen_host, std::to_string(config.listen_port),
                                           tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || resolved.empty()) {
      log_line("cannot resolve listen host '" + config.listen_host + "': " + ec.message());
      worker.stop();
      return 1;
    }
    const tcp::endpoint endpoint = resolved.begin()->endpoint();
    if (!tls && !config.insecure_plain && !endpoint.address().is_loopback()) {
      log_line("refusing plain ws:// on " + endpoint_text(endpoint) +
               ": give a certificate (--tls-cert, --tls-key), bind to a loopback address, or pass --insecure-plain");
      worker.stop();
      return 1;
    }
    auto listener = std::make_shared<Listener>(ioc, state);
    if (auto opened = listener->open(endpoint); !opened) {
      log_line(opened.error().message);
      worker.stop();
      return 1;
    }
    const std::string bound = endpoint_text(listener->local_endpoint());
    std::printf("parley-relay listening on %s\n", bound.c_str());
    std::fflush(stdout);
    for (const auto& line : describe(config)) log_line("config " + line);
    log_line("listening on " + bound + (tls ? " (TLS, certificate sha256 " + tls->fingerprint() + ")" : " (plain)") +
             ", storage " + storage_description(config) + ", " + std::to_string(threads) + " I/O threads, max frame " +
             std::to_string(config.max_frame_bytes) + " bytes");
    listener->run();
    // Other relays on the same PostgreSQL store mail for devices connected here.
    std::unique_ptr<PgWakeups> wakeups;
    if (config.storage == "postgres")
      wakeups = std::make_unique<PgWakeups>(config.postgres_url, config.postgres_poll, config.postgres_notify, state);

    // SIGHUP: new connections use the certificate and key as they are now on disk; open ones
    // keep theirs. A reload that fails is logged and changes nothing.
    net::signal_set hangup(ioc, SIGHUP);
    std::function<void()> wait_hangup = [&] {
      hangup.async_wait([&](boost::system::error_code wait_ec, int) {
        if (wait_ec) return;
        if (!tls) {
          log_line("SIGHUP: no TLS certificate to reload");
        } else if (auto reloaded = tls->reload(); !reloaded) {
          metrics().tls_reload(false);
          log_line("SIGHUP: certificate reload failed, keeping the old one: " + reloaded.error().message);
        } else {
          metrics().tls_reload(true);
          log_line("SIGHUP: certificate reloaded, sha256 " + tls->fingerprint());
        }
        wait_hangup();
      });
    };
    wait_hangup();

    // Expired messages go in batches, one storage job each, so sends are not held up behind
    // one long transaction; the next batch is queued only when the previous one was full.
    std::function<void(TimeMs)> prune_expired = [&](TimeMs before) {
      worker.submit<std::uint32_t>(
          [before](Storage& s) { return s.prune_expired(before, kPruneBatch); },
          [&, before](Result<std::uint32_t> pruned) {
            if (!pruned || *pruned == 0) return;
            metrics().expired(*pruned);
            if (*pruned == kPruneBatch) net::post(ioc, [&, before] { prune_expired(before); });
          });
    };

    // Old send-dedup entries and expired messages are forgotten now and then.
    net::steady_timer prune(ioc);
    std::function<void()> schedule_prune = [&] {
      prune.expires_after(config.prune_interval);
      prune.async_wait([&](boost::system::error_code wait_ec) {
        if (wait_ec) return;
        const TimeMs before = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  (std::chrono::system_clock::now() - config.dedup_window).time_since_epoch())
                                  .count();
        worker.submit<std::uint32_t>([before](Storage& s) { return s.prune_dedup(before); },
                                     [](Result<std::uint32_t>) {});
        prune_expired(wall_clock_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(config.message_ttl).count());
        schedule_prune();
      });
    };
    schedule_prune();

    // The mailbox depth histogram is recomputed from a scan now and then, not per request.
    net::steady_timer depth_scan(ioc);
    std::function<void()> scan_depths = [&] {
      worker.submit<std::vector<std::uint64_t>>([](Storage& s) { return s.mailbox_depths(); },
                                                [](Result<std::vector<std::uint64_t>> depths) {
                                                  if (depths) metrics().mailbox_depth.reset_to(*depths);
                                                });
      worker.submit<std::uint64_t>([](Storage& s) { return s.used_bytes(); }, [](Result<std::uint64_t> used) {
        if (used) metrics().storage_bytes(*used);
      });
      depth_scan.expires_after(kDepthScanInterval);
      depth_scan.async_wait([&](boost::system::error_code wait_ec) {
        if (!wait_ec) scan_depths();
      });
    };
    scan_depths();

    // SIGINT/SIGTERM: stop accepting; every connection stops reading requests, finishes the
    // storage commits it started (their acks go out), then closes with 1001 going away. The I/O
    // threads stop when the last connection is gone or at drain_timeout_s, whichever is first.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer drain(ioc);
    auto deadline = std::chrono::steady_clock::now();
    std::function<void()> wait_drained = [&] {
      drain.expires_after(std::chrono::milliseconds(20));
      drain.async_wait([&](boost::system::error_code wait_ec) {
        if (wait_ec) return;
        const std::size_t open = state->connection_count();
        if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
          if (open > 0) log_line("drain deadline: cutting " + std::to_string(open) + " connections");
          ioc.stop();
          return;
        }
        wait_drained();
      });
    };
    signals.async_wait([&](boost::system::error_code wait_ec, int signal_number) {
      if (wait_ec) return;
      log_line("signal " + std::to_string(signal_number) + ": shutting down");
      state->set_draining();
      listener->stop();
      prune.cancel();
      depth_scan.cancel();
      hangup.cancel();
      const std::size_t open = state->close_all();
      if (open > 0) log_line("draining " + std::to_string(open) + " connections");
      deadline = std::chrono::steady_clock::now() + config.drain_timeout;
      wait_drained();
    });

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    wakeups.reset();

    // Jobs already queued still commit; their completions land in the stopped io_context and
    // are destroyed with it.
    worker.stop();
  }
  log_line("stopped");
  return exit_code;
}

}  // namespace parley::relay
