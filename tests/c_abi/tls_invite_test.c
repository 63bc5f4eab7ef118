/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Version 2 of parley_client_options (TLS, certificate pin, invite token) against a real
 * parley-relay (argv[1]) started with a test certificate (made with `openssl req`) and invite
 * registration (its default): devices with the CA, the pin and a token register and talk over
 * wss://; a pin of another certificate and a missing or used-up token are refused with their
 * events; a version-1 struct still opens (its missing fields are not read). */
#define _DEFAULT_SOURCE /* popen */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "support.h"

static const char* g_relay_binary;
static const int kWait = 20000; /* ms */

/* The first line `command` prints, without its newline, into out (size n); 1 on success. */
static int run_line(const char* command, char* out, size_t n) {
  FILE* p = popen(command, "r");
  if (!p) return 0;
  out[0] = '\0';
  const int got = fgets(out, (int)n, p) != NULL;
  const int status = pclose(p);
  out[strcspn(out, "\r\n")] = '\0';
  return got && status == 0;
}

/* A self-signed P-256 certificate for 127.0.0.1 in dir/name.crt + .key; its SHA-256 pin
 * (openssl's "AB:CD:..." form) into pin (size >= 100). */
static int make_cert(const temp_dir* dir, const char* name, char* cert, char* key, char* pin) {
  char file[128], command[2048];
  snprintf(file, sizeof file, "%s.crt", name);
  temp_dir_file(dir, file, cert);
  snprintf(file, sizeof file, "%s.key", name);
  temp_dir_file(dir, file, key);
  snprintf(command, sizeof command,
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost "
           "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '%s' -out '%s' 2>/dev/null",
           key, cert);
  if (system(command) != 0) return 0;
  char line[256];
  snprintf(command, sizeof command, "openssl x509 -in '%s' -noout -fingerprint -sha256", cert);
  if (!run_line(command, line, sizeof line)) return 0;
  const char* equals = strchr(line, '=');
  if (!equals) return 0;
  snprintf(pin, 100, "%s", equals + 1);
  return 1;
}

static int mint_invite(const char* data, int uses, char* token, size_t n) {
  char command[1024];
  snprintf(command, sizeof command, "'%s' admin mint-invite --data '%s' --uses %d", g_relay_binary, data, uses);
  return run_line(command, token, n);
}

typedef struct tls_world {
  temp_dir dir;
  relay_process relay;
  char data[512], cert[512], key[512], pin[100];
} tls_world;

static int tls_world_start(tls_world* w) {
  if (!temp_dir_make(&w->dir)) return 0;
  temp_dir_file(&w->dir, "relay", w->data);
  if (!make_cert(&w->dir, "relay", w->cert, w->key, w->pin)) return 0;
  char token[128];
  if (!mint_invite(w->data, 1, token, sizeof token)) return 0; /* creates the database */
  const char* args[] = {"--tls-cert", w->cert, "--tls-key", w->key, NULL};
  return relay_start_args(&w->relay, g_relay_binary, w->data, args);
}

static void tls_world_stop(tls_world* w) {
  relay_stop(&w->relay);
  temp_dir_remove(&w->dir);
}

/* The first CONNECTED, DISCONNECTED or PROTOCOL_ERROR after start. */
static int first_outcome(const recorded_event* e, const void* arg) {
  (void)arg;
  return e->kind == PARLEY_EVENT_CONNECTED || e->kind == PARLEY_EVENT_DISCONNECTED ||
         e->kind == PARLEY_EVENT_PROTOCOL_ERROR;
}

static recorded_event start_and_wait(device* d) {
  parley_error err;
  recorded_event e;
  memset(&e, 0, sizeof e);
  CHECK_OK(parley_client_start(d->client, &err), &err);
  CHECK(device_wait(d, first_outcome, NULL, kWait, &e));
  return e;
}

static void pinned_devices_with_an_invite_talk_over_tls(void) {
  tls_world w;
  if (!tls_world_start(&w)) {
    CHECK(!"TLS relay started");
    tls_world_stop(&w);
    return;
  }
  char token[128];
  CHECK(mint_invite(w.data, 2, token, sizeof token));
  const device_relay_options relay = {true, w.cert, w.pin, token};
  parley_error err;
  device a, b;
  CHECK_OK(device_open_relay(&a, &w.dir, "alice", w.relay.port, &relay, &err), &err);
  CHECK_OK(device_open_relay(&b, &w.dir, "bob", w.relay.port, &relay, &err), &err);
  recorded_event e = start_and_wait(&a);
  CHECK(e.kind == PARLEY_EVENT_CONNECTED);
  if (e.kind != PARLEY_EVENT_CONNECTED) fprintf(stderr, "  alice: %d %s\n", (int)e.kind, e.error_message);
  e = start_and_wait(&b);
  CHECK(e.kind == PARLEY_EVENT_CONNECTED);
  const char* text = "over wss from C";
  CHECK_OK(parley_client_send_text(a.client, device_address(&b), (const uint8_t*)text, strlen(text), NULL, &err),
           &err);
  CHECK(device_wait(&b, match_text, text, kWait, &e));
  device_close(&a);
  device_close(&b);
  tls_world_stop(&w);
}

static void refusals_come_as_events(void) {
  tls_world w;
  if (!tls_world_start(&w)) {
    CHECK(!"TLS relay started");
    tls_world_stop(&w);
    return;
  }
  char other_cert[512], other_key[512], other_pin[100], token[128];
  CHECK(make_cert(&w.dir, "other", other_cert, other_key, other_pin));
  CHECK(mint_invite(w.data, 1, token, sizeof token));
  parley_error err;
  recorded_event e;

  /* Pinned to another certificate: the client refuses the relay and never connects (it
   * retries with backoff); the app is told why once, by a DISCONNECTED naming the pin. The
   * same token works for a client pinned to the right certificate afterwards: nothing was
   * spent. */
  const device_relay_options pinned_elsewhere = {true, w.cert, other_pin, token};
  device m;
  CHECK_OK(device_open_relay(&m, &w.dir, "mallory", w.relay.port, &pinned_elsewhere, &err), &err);
  CHECK_OK(parley_client_start(m.client, &err), &err);
  memset(&e, 0, sizeof e);
  const int outcome = device_wait(&m, first_outcome, NULL, 3000, &e);
  CHECK(outcome && e.kind == PARLEY_EVENT_DISCONNECTED && strstr(e.error_message, "pinned") != NULL);
  const parley_event_kind connected = PARLEY_EVENT_CONNECTED;
  CHECK(device_count(&m, match_kind, &connected) == 0);
  device_close(&m);

  /* No token: the relay refuses the registration. */
  const device_relay_options no_token = {true, w.cert, NULL, NULL};
  device n;
  CHECK_OK(device_open_relay(&n, &w.dir, "nobody", w.relay.port, &no_token, &err), &err);
  e = start_and_wait(&n);
  CHECK(e.kind == PARLEY_EVENT_PROTOCOL_ERROR && e.error_code == PARLEY_E_INVITE_REQUIRED);
  device_close(&n);

  /* A one-use token: the first registration spends it, the second is refused. */
  const device_relay_options invited = {true, w.cert, NULL, token};
  device first, second;
  CHECK_OK(device_open_relay(&first, &w.dir, "first", w.relay.port, &invited, &err), &err);
  CHECK(start_and_wait(&first).kind == PARLEY_EVENT_CONNECTED);
  CHECK_OK(device_open_relay(&second, &w.dir, "second", w.relay.port, &invited, &err), &err);
  e = start_and_wait(&second);
  CHECK(e.kind == PARLEY_EVENT_PROTOCOL_ERROR && e.error_code == PARLEY_E_INVITE_INVALID);
  device_close(&first);
  device_close(&second);
  tls_world_stop(&w);
}

static void options_versions_and_checks(void) {
  temp_dir dir;
  CHECK(temp_dir_make(&dir));
  char path[512];
  temp_dir_file(&dir, "v.db", path);
  const char* passphrase = "passphrase";
  parley_client_options options;
  parley_client_options_init(&options);
  CHECK(options.struct_size == sizeof options);
  CHECK(!options.relay_tls && !options.relay_ca_file && !options.relay_cert_sha256 && !options.invite_token);
  options.address.user = "versioned";
  options.address.device = 1;
  options.store_path = path;
  options.store_key = (const uint8_t*)passphrase;
  options.store_key_len = strlen(passphrase);
  options.relay_port = 1;
  parley_error err;
  parley_client* client = NULL;

  /* A bad pin, and a CA without TLS, are refused at open. */
  options.relay_tls = true;
  options.relay_cert_sha256 = "not-a-pin";
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(&options, &client, &err), &err);
  CHECK_MESSAGE(err, "relay_cert_sha256");
  options.relay_tls = false;
  options.relay_cert_sha256 = NULL;
  options.relay_ca_file = "/nonexistent.pem";
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(&options, &client, &err), &err);
  CHECK_MESSAGE(err, "relay_tls");

  /* A version-1 caller's struct ends at deadline_tick_ms: what lies beyond is not read. */
  options.struct_size = offsetof(parley_client_options, deadline_tick_ms) + sizeof(uint32_t);
  options.relay_cert_sha256 = "not-a-pin";
  CHECK_OK(parley_client_open(&options, &client, &err), &err);
  parley_client_destroy(client);
  temp_dir_remove(&dir);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH/TO/parley-relay [test...]\n", argv[0]);
    return 2;
  }
  g_relay_binary = argv[1];
  static const check_test tests[] = {
      {"pinned_devices_with_an_invite_talk_over_tls", pinned_devices_with_an_invite_talk_over_tls},
      {"refusals_come_as_events", refusals_come_as_events},
      {"options_versions_and_checks", options_versions_and_checks},
  };
  return check_run(tests, (int)(sizeof tests / sizeof tests[0]), argc, argv, 2);
}
