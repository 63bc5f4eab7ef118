// SPDX-License-Identifier: GPL-3.0-or-later
// Limits and settings of one parley-relay instance. Every buffer the relay keeps per
// connection is bounded by one of these numbers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "parley/store_key.hpp"

namespace parley::relay {

// A token bucket: at most `burst` requests at once, refilled at `per_min` a minute.
struct RateLimit {
  std::uint32_t burst = 0;    // bucket size; 0: this limit is off
  std::uint32_t per_min = 0;  // tokens added per minute
};

struct RelayConfig {
  // --- network ---
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  unsigned io_threads = 2;
  // Largest WebSocket message accepted (read_message_max); bigger ones close the connection.
  std::size_t max_frame_bytes = 1u << 20;
  // Deadline for reading an HTTP request (including the WebSocket upgrade).
  std::chrono::seconds http_read_timeout{30};
  // How long a closing connection may take to finish the close handshake.
  std::chrono::seconds close_timeout{5};
  // An open WebSocket from which nothing arrives this long is closed; a ping goes out at half
  // of it, so a live peer (which answers pings) stays. It also ends a peer that stopped reading:
  // its pong never comes.
  std::chrono::seconds ws_idle_timeout{300};
  // SIGTERM/SIGINT: the listener closes, each connection stops reading new requests, lets the
  // storage commits it started finish and their answers go out, then closes with 1001 "going
  // away". Connections still open this long after the signal are cut, and the relay exits.
  std::chrono::seconds drain_timeout{10};

  // --- TLS ---
  // PEM certificate chain and private key: with both, every connection is TLS (wss://, https://)
  // and SIGHUP re-reads them. Without them the relay speaks plain ws:// and http://, which it
  // agrees to only on a loopback address (behind a local TLS proxy, or for tests) or when
  // insecure_plain says so: on a network, plain frames can be read and injected by anyone on the path.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool insecure_plain = false;

  // --- admission ---
  // "invite": a device registers only with an invite token minted by `parley-relay admin
  // mint-invite`; "open": anyone may register any free address (tests, closed networks).
  std::string registration = "invite";
  // From the WebSocket upgrade to AuthOk; a connection still unauthenticated then is closed.
  std::chrono::seconds auth_timeout{10};
  // Open connections (any phase), in total and per peer IP address; over either the relay
  // closes the new TCP connection at once.
  std::uint32_t max_connections = 10000;
  std::uint32_t max_connections_per_ip = 64;

  // --- protocol limits ---
  std::uint32_t max_recipients = 1000;
  std::uint32_t max_mailbox = 10000;             // queued messages per device
  std::uint32_t max_prekeys_per_upload = 200;
  std::uint32_t max_stored_prekeys = 2000;       // one-time prekeys kept per device
  std::uint32_t prekeys_low_threshold = 10;      // PreKeysLow below this many
  std::uint32_t delivery_window = 64;            // un-acked Deliver frames per connection
  std::size_t delivery_window_bytes = 4u << 20;  // ... and their payload bytes (at least one)
  // Send dedup entries are kept this long (idempotency on (sender, message_id)).
  std::chrono::hours dedup_window{24 * 7};
  // Messages still queued this long after they were stored are deleted unread (in batches,
  // every prune_interval).
  std::chrono::seconds message_ttl{30 * 24 * 3600};
  std::chrono::seconds prune_interval{600};

  // --- rate limits (rate_limits.hpp): per device (fetches: per requester->target pair) and per
  // peer IP. Generous by default: they stop floods and one-time-prekey draining, not use. ---
  RateLimit rate_send_device{1000, 6000};
  RateLimit rate_send_ip{20000, 120000};
  RateLimit rate_fetch_pair{20, 2};
  RateLimit rate_fetch_ip{2000, 12000};
  RateLimit rate_upload_device{20, 10};
  RateLimit rate_upload_ip{1000, 6000};

  // --- per-connection frame budgets (frame_meter.hpp, RelayCore::wire_frames): frames that cost
  // CPU without carrying a request. Over either, the connection gets a fatal
  // Failure{rate_limited} and is closed with 1008. A client that follows the protocol sends a
  // ping now and then and answers the relay's pings; it never sends tiny fragments. ---
  RateLimit rate_control_frames{100, 600};  // pings and pongs
  RateLimit rate_tiny_fragments{100, 600};  // data frames with FIN clear and < 256 bytes, empty ones too

  // --- storage quota ---
  // Bytes of live database pages (messages, keys, dedup entries) above which Sends are refused
  // with storage_full; 0: no quota (a full disk still gives storage_full).
  std::uint64_t max_storage_bytes = 0;

  // --- per-connection back-pressure ---
  std::size_t write_queue_frames = 1024;         // over this: the consumer is closed
  std::size_t write_queue_bytes = 16u << 20;
  std::uint32_t max_pending_jobs = 32;           // storage jobs in flight before reads pause

  // Folder of static files served over HTTP GET (the browser client); empty: none.
  std::string static_dir;

  // --- storage ---
  // "sqlite": one embedded file in data_dir (one relay); "postgres": the database at
  // postgres_url, which several relays may share.
  std::string storage = "sqlite";
  std::string postgres_url;
  // With postgres: how often each relay looks for mail that other relays stored for its
  // devices. LISTEN/NOTIFY wakes it sooner; this poll is what correctness rests on.
  std::chrono::milliseconds postgres_poll{1000};
  // With postgres: announce each Send with NOTIFY and LISTEN for it. Off for databases that
  // speak PostgreSQL's protocol but have no LISTEN/NOTIFY (CockroachDB, YugabyteDB): the
  // poll alone then delivers, postgres_poll_ms late at worst.
  bool postgres_notify = true;
  std::string data_dir;
  StoreKey store_key = StoreKey::none();
  std::string db_key_file;  // where store_key came from, if from a file (shown in the effective config)

  // A Deliver frame carries the payload plus a few hundred bytes (sender, ids): keep the
  // payload limit below the frame limit so every stored message can be delivered.
  static constexpr std::size_t kDeliverOverheadBytes = 1024;
  std::size_t max_payload_bytes() const {
    return max_frame_bytes > kDeliverOverheadBytes ? max_frame_bytes - kDeliverOverheadBytes : 0;
  }
  // The write queue must hold a full delivery window plus a few maximal frames.
  std::size_t effective_write_queue_bytes() const {
    return std::max(write_queue_bytes, delivery_window_bytes + 4 * max_frame_bytes);
  }
};

}  // namespace parley::relay
