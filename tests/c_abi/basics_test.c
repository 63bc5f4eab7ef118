/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The C ABI without a relay: status table, options, store keys, handles, lifecycle states and
 * every argument error an application can make. */
#include <stdlib.h>

#include "check.h"
#include "support.h"

static temp_dir g_dir;

/* Opens `user` in g_dir with the given key; the relay port is never connected to here. */
static parley_status open_with(const char* user, uint32_t number, parley_store_key_kind kind, const void* key,
                               size_t key_len, parley_client** out, parley_error* err) {
  char path[512], name[128];
  snprintf(name, sizeof name, "%s.db", user);
  temp_dir_file(&g_dir, name, path);
  parley_client_options o;
  parley_client_options_init(&o);
  o.address.user = user;
  o.address.device = number;
  o.store_path = path;
  o.store_key_kind = kind;
  o.store_key = key;
  o.store_key_len = key_len;
  o.relay_port = 9; /* discard: nothing in these tests starts the client against it for long */
  o.initial_prekeys = 5;
  return parley_client_open(&o, out, err);
}

/* A raw key: a passphrase costs a memory-hard KDF (scrypt, 128 MiB) per open, which this
 * suite pays once per test and again under valgrind; passphrases have their own test below. */
static parley_client* open_simple(const char* user) {
  static const uint8_t key[32] = {7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  parley_error err;
  parley_client* c = NULL;
  CHECK_OK(open_with(user, 1, PARLEY_STORE_KEY_RAW, key, sizeof key, &c, &err), &err);
  return c;
}

static void status_table(void) {
  CHECK(strcmp(parley_status_name(PARLEY_OK), "ok") == 0);
  CHECK(strcmp(parley_status_name(PARLEY_E_STORE_WRONG_KEY), "store_wrong_key") == 0);
  CHECK(strcmp(parley_status_name(PARLEY_E_CELL_EQUIVOCATION), "cell_equivocation") == 0);
  CHECK(strcmp(parley_status_name((parley_status)9999), "unknown") == 0);
  CHECK(strcmp(parley_status_name((parley_status)-1), "unknown") == 0);
  CHECK(strcmp(parley_status_description((parley_status)5), "unknown error code") == 0);
  CHECK(strstr(parley_status_description(PARLEY_E_CELL_UNKNOWN), "not a member") != NULL);
  /* Every number with a name has a description, and the other way round. */
  int known = 0;
  for (int code = 0; code < 256; ++code) {
    const int named = strcmp(parley_status_name((parley_status)code), "unknown") != 0;
    const int described = strcmp(parley_status_description((parley_status)code), "unknown error code") != 0;
    CHECK(named == described);
    known += named;
  }
  CHECK(known >= 45); /* PARLEY_ERROR_CODES only grows; the build checks the enum itself */
}

static void version(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", PARLEY_VERSION_MAJOR, PARLEY_VERSION_MINOR, PARLEY_VERSION_PATCH);
  CHECK(strcmp(parley_version(), expected) == 0);
}

static void option_defaults(void) {
  parley_client_options o;
  memset(&o, 0xab, sizeof o);
  parley_client_options_init(&o);
  CHECK(o.struct_size == sizeof o);
  CHECK(o.address.user == NULL && o.store_path == NULL && o.relay_host == NULL && o.relay_port == 0);
  CHECK(o.reconnect_initial_ms == 200 && o.reconnect_max_ms == 5000 && o.initial_prekeys == 100);
  CHECK(o.deadline_tick_ms == 60000);
  parley_client_options_init(NULL);

  parley_cell_template t;
  parley_cell_template_init(&t);
  CHECK(t.struct_size == sizeof t && strcmp(t.name, "IL-SY coordination") == 0);
  CHECK(strcmp(t.supervisor_party, "US") == 0 && strcmp(t.parties[0], "IL") == 0 && strcmp(t.parties[1], "SY") == 0);
  CHECK(t.members == NULL && t.member_count == 0);
  parley_cell_template_init(NULL);

  parley_channel_policy p;
  parley_channel_policy_init(&p);
  CHECK(p.struct_size == sizeof p && p.read_count == 0 && p.post_count == 0 && !p.ack_required);
  parley_channel_policy_init(NULL);

  parley_cell_proposal q;
  memset(&q, 0xab, sizeof q);
  parley_cell_proposal_init(&q);
  CHECK(q.struct_size == sizeof q && q.add == NULL && q.add_count == 0 && q.remove_count == 0 && q.role_count == 0);
  parley_cell_proposal_init(NULL);

  parley_new_incident n;
  memset(&n, 0xab, sizeof n);
  parley_new_incident_init(&n);
  CHECK(n.struct_size == sizeof n && n.title == NULL && n.title_len == 0 && n.details == NULL);
  CHECK(n.severity == PARLEY_SEVERITY_MEDIUM && n.respondent_party == NULL && !n.has_location);
  parley_new_incident_init(NULL);

  parley_notice notice;
  memset(&notice, 0xab, sizeof notice);
  parley_notice_init(&notice);
  CHECK(notice.struct_size == sizeof notice && notice.area.kind == PARLEY_AREA_CIRCLE && notice.area.radius_m == 0);
  CHECK(notice.area.vertices == NULL && notice.area.vertex_count == 0 && notice.start_ms == 0 && notice.end_ms == 0);
  CHECK(notice.description == NULL && notice.description_len == 0);
  parley_notice_init(NULL);
}

static void open_argument_errors(void) {
  parley_error err;
  parley_client* c = (parley_client*)&err; /* must be reset to NULL on failure */
  char path[512];
  temp_dir_file(&g_dir, "args.db", path);
  parley_client_options good;
  parley_client_options_init(&good);
  good.address.user = "args";
  good.address.device = 1;
  good.store_path = path;
  good.store_key = (const uint8_t*)"pw";
  good.store_key_len = 2;
  good.relay_port = 9;

  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(NULL, &c, &err), &err);
  CHECK(c == NULL);
  CHECK_MESSAGE(err, "options is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(&good, NULL, &err), &err);
  CHECK_MESSAGE(err, "out is NULL");

  struct {
    const char* why;
    parley_client_options o;
  } bad[13];
  int n = 0;
#define BAD(text, field, value) \
  bad[n].why = text;            \
  bad[n].o = good;              \
  bad[n].o.field = value;       \
  ++n
  BAD("struct_size", struct_size, 0);
  BAD("struct_size", struct_size, 8);
  BAD("options.address.user is NULL", address.user, NULL);
  BAD("user", address.user, "no spaces allowed");
  BAD("device", address.device, 0);
  BAD("options.store_path is NULL", store_path, NULL);
  BAD("options.store_key is required", store_key, NULL);
  BAD("options.store_key is required", store_key_len, 0);
  BAD("32 bytes, got 2", store_key_kind, PARLEY_STORE_KEY_RAW);
  BAD("not a parley_store_key_kind", store_key_kind, (parley_store_key_kind)7);
  BAD("relay_port", relay_port, 0);
  BAD("reconnect_initial_ms", reconnect_initial_ms, 0);
  BAD("deadline_tick_ms", deadline_tick_ms, 0);
#undef BAD
  for (int i = 0; i < n; ++i) {
    c = (parley_client*)&err;
    CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(&bad[i].o, &c, &err), &err);
    CHECK(c == NULL);
    if (!strstr(err.message, bad[i].why)) check_fail(__FILE__, __LINE__, bad[i].why, err.message);
  }
  parley_client_options empty_host = good;
  empty_host.relay_host = "";
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(&empty_host, &c, &err), &err);
  /* Without an error object the status still tells. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_open(NULL, &c, NULL), NULL);
  /* None of these created the store file. */
  CHECK(fopen(path, "rb") == NULL);
}

static void store_keys(void) {
  parley_error err;
  parley_client* c = NULL;
  CHECK_OK(open_with("keyed", 1, PARLEY_STORE_KEY_PASSPHRASE, "right horse", 11, &c, &err), &err);
  CHECK(err.code == PARLEY_OK && err.message[0] == '\0');
  parley_buffer key1 = {0};
  CHECK_OK(parley_client_identity_key(c, &key1, &err), &err);
  parley_client_destroy(c);

  c = (parley_client*)&err;
  CHECK_STATUS(PARLEY_E_STORE_WRONG_KEY, open_with("keyed", 1, PARLEY_STORE_KEY_PASSPHRASE, "wrong horse", 11, &c, &err),
               &err);
  CHECK(c == NULL && err.code == PARLEY_E_STORE_WRONG_KEY && err.message[0] != '\0');
  CHECK(strstr(err.message, "wrong horse") == NULL); /* never key material in messages */
  uint8_t raw[32];
  memset(raw, 7, sizeof raw);
  CHECK_STATUS(PARLEY_E_STORE_WRONG_KEY, open_with("keyed", 1, PARLEY_STORE_KEY_RAW, raw, 32, &c, &err), &err);
  /* The store belongs to keyed.1, not keyed.2. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               open_with("keyed", 2, PARLEY_STORE_KEY_PASSPHRASE, "right horse", 11, &c, &err), &err);
  CHECK_MESSAGE(err, "belongs to device keyed.1");

  /* Reopened with the right key: the same identity. */
  CHECK_OK(open_with("keyed", 1, PARLEY_STORE_KEY_PASSPHRASE, "right horse", 11, &c, &err), &err);
  parley_buffer key2 = {0};
  CHECK_OK(parley_client_identity_key(c, &key2, &err), &err);
  CHECK(key1.len == 33 && key2.len == 33 && memcmp(key1.data, key2.data, 33) == 0);
  parley_buffer_free(&key1);
  parley_buffer_free(&key2);
  CHECK(key1.data == NULL && key1.len == 0);
  parley_buffer_free(&key1); /* twice is fine */
  parley_buffer_free(NULL);
  parley_client_destroy(c);

  /* A raw key opens its own store and only with the same bytes. */
  CHECK_OK(open_with("rawkeyed", 1, PARLEY_STORE_KEY_RAW, raw, 32, &c, &err), &err);
  parley_client_destroy(c);
  raw[31] ^= 1;
  CHECK_STATUS(PARLEY_E_STORE_WRONG_KEY, open_with("rawkeyed", 1, PARLEY_STORE_KEY_RAW, raw, 32, &c, &err), &err);
  raw[31] ^= 1;
  CHECK_OK(open_with("rawkeyed", 1, PARLEY_STORE_KEY_RAW, raw, 32, &c, &err), &err);
  parley_client_destroy(c);

  /* A path in a folder that does not exist. */
  parley_client_options o;
  parley_client_options_init(&o);
  o.address.user = "nowhere";
  o.address.device = 1;
  o.store_path = "/nonexistent-parley-dir/x/y.db";
  o.store_key = (const uint8_t*)"pw";
  o.store_key_len = 2;
  o.relay_port = 9;
  parley_status s = parley_client_open(&o, &c, &err);
  CHECK(s == PARLEY_E_STORE_IO || s == PARLEY_E_STORE_WRONG_KEY);
  CHECK(c == NULL);
}

static void address_and_identity(void) {
  parley_error err;
  parley_client* c = open_simple("alice");
  parley_address a = {NULL, 0};
  CHECK_OK(parley_client_address(c, &a, &err), &err);
  CHECK(strcmp(a.user, "alice") == 0 && a.device == 1);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_address(c, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_identity_key(c, NULL, &err), &err);
  parley_buffer key = {0};
  CHECK_OK(parley_client_identity_key(c, &key, NULL), NULL);
  CHECK(key.len == 33 && key.data[0] == 0x05); /* a libsignal DJB public key */
  parley_buffer_free(&key);
  parley_client_destroy(c);
}

/* Join anchors as text, both ways, and the errors of bad ones (docs/protocol.md "Joining"). */
static void join_anchors(void) {
  parley_error err;
  parley_client* c = open_simple("anchors");
  char anchor[PARLEY_JOIN_ANCHOR_MAX];
  CHECK_OK(parley_client_supervisor_anchor(c, anchor, sizeof anchor, &err), &err);
  CHECK(strncmp(anchor, "parley-supervisor:", 18) == 0 && strlen(anchor) == 18 + 64);
  char small[20];
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_supervisor_anchor(c, small, sizeof small, &err), &err);
  CHECK_OK(parley_client_add_join_anchor(c, anchor, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_add_join_anchor(c, "parley-cell:abc", &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_add_join_anchor(c, NULL, &err), &err);
  parley_cell_id unknown;
  memset(&unknown, 7, sizeof unknown);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_join_anchor(c, unknown, anchor, sizeof anchor, &err), &err);
  parley_digest none;
  memset(&none, 1, sizeof none);
  CHECK_STATUS(PARLEY_E_STORE_NOT_FOUND, parley_client_accept_invitation(c, none, &err), &err);
  CHECK_STATUS(PARLEY_E_STORE_NOT_FOUND, parley_client_decline_invitation(c, none, &err), &err);
  char digits[PARLEY_FINGERPRINT_DIGITS_MAX];
  CHECK_OK(parley_fingerprint_digits(none, digits, sizeof digits, &err), &err);
  CHECK(strlen(digits) == 35 && digits[5] == ' ');
  parley_client_destroy(c);
}

static void null_handles(void) {
  parley_error err;
  parley_cell_id cell = {{0}};
  parley_address to = {"bob", 1};
  parley_buffer buffer = {0};
  parley_cell_list* list = NULL;
  parley_history* history = NULL;
  parley_cell_template t;
  parley_cell_template_init(&t);
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  parley_cell_member m = {{"bob", 1}, "IL", PARLEY_ROLE_MEMBER, NULL, 0};
  parley_cell_proposal proposal;
  parley_cell_proposal_init(&proposal);
  parley_proposal_id proposal_id = {{0}};
  parley_message_id message_id = {{0}};
  parley_ack_status* acks = NULL;
  parley_incident_id incident = {{0}};
  parley_new_incident opening;
  parley_new_incident_init(&opening);
  parley_incident_list* incidents = NULL;
  parley_notice notice;
  parley_notice_init(&notice);
  parley_notice_list* notices = NULL;
  parley_cell_view* view = NULL;

  parley_status results[] = {
      parley_client_address(NULL, &to, &err),
      parley_client_identity_key(NULL, &buffer, &err),
      parley_client_set_event_callback(NULL, NULL, NULL, &err),
      parley_client_start(NULL, &err),
      parley_client_stop(NULL, &err),
      parley_client_send_text(NULL, to, (const uint8_t*)"x", 1, NULL, &err),
      parley_cell_create(NULL, &t, &cell, &err),
      parley_cell_add_member(NULL, cell, &m, &err),
      parley_cell_remove_member(NULL, cell, to, &err),
      parley_cell_set_role(NULL, cell, "bob", PARLEY_ROLE_MEMBER, &err),
      parley_client_list_cells(NULL, &list, &err),
      parley_channel_create(NULL, cell, "ops", "Ops", &err),
      parley_channel_archive(NULL, cell, "ops", &err),
      parley_channel_rename(NULL, cell, "ops", "Ops", &err),
      parley_channel_set_policy(NULL, cell, "ops", &p, &err),
      parley_channel_post(NULL, cell, "ops", (const uint8_t*)"x", 1, NULL, &err),
      parley_channel_history(NULL, cell, "ops", &history, &err),
      parley_cell_propose(NULL, cell, &proposal, NULL, &err),
      parley_cell_accept_proposal(NULL, cell, proposal_id, &err),
      parley_cell_reject_proposal(NULL, cell, proposal_id, &err),
      parley_channel_post_with_precedence(NULL, cell, "ops", (const uint8_t*)"x", 1, PARLEY_PRECEDENCE_FLASH, NULL, &err),
      parley_channel_acknowledge(NULL, cell, "ops", to, message_id, NULL, &err),
      parley_channel_ack_status(NULL, cell, "ops", to, message_id, &acks, &err),
      parley_channel_export_transcript(NULL, cell, "ops", 0, 0, &buffer, &err),
      parley_incident_open(NULL, cell, "ops", &opening, PARLEY_PRECEDENCE_ROUTINE, &incident, &err),
      parley_incident_acknowledge(NULL, cell, "ops", incident, NULL, &err),
      parley_incident_comment(NULL, cell, "ops", incident, (const uint8_t*)"x", 1, NULL, &err),
      parley_incident_propose(NULL, cell, "ops", incident, (const uint8_t*)"x", 1, NULL, &err),
      parley_incident_resolve(NULL, cell, "ops", incident, NULL, NULL, 0, NULL, &err),
      parley_channel_incidents(NULL, cell, "ops", &incidents, &err),
      parley_channel_post_notice(NULL, cell, "ops", &notice, PARLEY_PRECEDENCE_ROUTINE, NULL, &err),
      parley_channel_notices(NULL, cell, "ops", &notices, &err),
      parley_client_cell_view(NULL, cell, &view, &err),
  };
  for (size_t i = 0; i < sizeof results / sizeof results[0]; ++i) {
    if (results[i] != PARLEY_E_INVALID_ARGUMENT) check_fail(__FILE__, __LINE__, "NULL client refused", "");
  }
  CHECK_MESSAGE(err, "client is NULL");
  /* Releasing and reading NULL handles is harmless. */
  parley_client_destroy(NULL);
  parley_cell_list_free(NULL);
  parley_history_free(NULL);
  CHECK(parley_cell_list_count(NULL) == 0 && parley_cell_list_at(NULL, 0) == NULL);
  CHECK(parley_history_count(NULL) == 0 && parley_history_at(NULL, 0) == NULL);
  parley_ack_status_free(NULL);
  CHECK(parley_ack_status_count(NULL) == 0 && parley_ack_status_at(NULL, 0) == NULL);
  parley_incident_list_free(NULL);
  CHECK(parley_incident_list_count(NULL) == 0 && parley_incident_list_at(NULL, 0) == NULL);
  parley_notice_list_free(NULL);
  CHECK(parley_notice_list_count(NULL) == 0 && parley_notice_list_at(NULL, 0) == NULL);
  parley_cell_view_free(NULL);
  CHECK(parley_cell_view_info(NULL) == NULL);
  parley_transcript_report_free(NULL);
  CHECK(parley_transcript_report_summary(NULL) == NULL && parley_transcript_report_message(NULL, 0) == NULL &&
        parley_transcript_report_missing(NULL, 0) == NULL);
}

/* Transcript verification needs no client: bad arguments and bytes that are no transcript are
 * refused with their codes, and nothing is handed out. */
static void transcript_verify_refuses_garbage(void) {
  parley_error err;
  parley_transcript_report* report = NULL;
  const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_transcript_verify(junk, sizeof junk, NULL, NULL, &err), &err);
  CHECK_MESSAGE(err, "out is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_transcript_verify(NULL, 5, NULL, &report, &err), &err);
  CHECK_MESSAGE(err, "transcript is NULL");
  CHECK(report == NULL);
  const parley_status empty = parley_transcript_verify(NULL, 0, NULL, &report, &err);
  CHECK(empty == PARLEY_E_TRUNCATED || empty == PARLEY_E_MALFORMED_FRAME);
  CHECK(report == NULL);
  const parley_status garbage = parley_transcript_verify(junk, sizeof junk, NULL, &report, &err);
  CHECK(garbage == PARLEY_E_TRUNCATED || garbage == PARLEY_E_MALFORMED_FRAME);
  CHECK(report == NULL && err.message[0] != '\0');
}

static void noop_callback(const parley_event* event, void* user) { (void)event, (void)user; }

static void lifecycle_states(void) {
  parley_error err;
  parley_client* c = open_simple("cycler");
  CHECK_OK(parley_client_stop(c, &err), &err); /* stopping a stopped client: no-op */
  CHECK_OK(parley_client_set_event_callback(c, noop_callback, NULL, &err), &err);
  CHECK_OK(parley_client_start(c, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_start(c, &err), &err);
  CHECK_MESSAGE(err, "already started");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_set_event_callback(c, NULL, NULL, &err), &err);
  CHECK_MESSAGE(err, "while the client is stopped");
  CHECK_OK(parley_client_stop(c, &err), &err);
  CHECK_OK(parley_client_stop(c, &err), &err);
  CHECK_OK(parley_client_set_event_callback(c, NULL, NULL, &err), &err);
  CHECK_OK(parley_client_start(c, &err), &err); /* restartable */
  parley_client_destroy(c);                     /* destroy stops a running client */
}

static void direct_message_errors(void) {
  parley_error err;
  parley_client* c = open_simple("sender");
  parley_address bad = {"bad name", 1};
  parley_address nouser = {NULL, 1};
  parley_address good = {"receiver", 1};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_send_text(c, bad, (const uint8_t*)"x", 1, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_send_text(c, nouser, (const uint8_t*)"x", 1, NULL, &err),
               &err);
  CHECK_MESSAGE(err, "to.user is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_send_text(c, good, NULL, 3, NULL, &err), &err);
  CHECK_MESSAGE(err, "text is NULL");
  /* Queued while offline: it waits in the store for the recipient's prekey bundle. */
  parley_message_id id1, id2;
  memset(&id1, 0, sizeof id1);
  CHECK_OK(parley_client_send_text(c, good, (const uint8_t*)"hello", 5, &id1, &err), &err);
  CHECK_OK(parley_client_send_text(c, good, NULL, 0, &id2, &err), &err); /* empty text is a message too */
  CHECK(memcmp(&id1, &id2, sizeof id1) != 0);
  parley_message_id zero;
  memset(&zero, 0, sizeof zero);
  CHECK(memcmp(&id1, &zero, sizeof id1) != 0);
  parley_client_destroy(c);
}

static void unknown_cell(void) {
  parley_error err;
  parley_client* c = open_simple("outsider");
  parley_cell_id cell;
  memset(&cell, 0x42, sizeof cell);
  parley_address someone = {"bob", 1};
  parley_cell_member m = {{"bob", 1}, "IL", PARLEY_ROLE_MEMBER, (const uint8_t*)"k", 1};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  parley_history* h = (parley_history*)&err;
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_add_member(c, cell, &m, &err), &err);
  parley_cell_view* view = (parley_cell_view*)&err;
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_client_cell_view(c, cell, &view, &err), &err);
  CHECK(view == NULL);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_cell_view(c, cell, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_remove_member(c, cell, someone, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_set_role(c, cell, "bob", PARLEY_ROLE_OBSERVER, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_create(c, cell, "ops", "Ops", &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_archive(c, cell, "ops", &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_post(c, cell, "intel", (const uint8_t*)"x", 1, NULL, &err), &err);
  CHECK_MESSAGE(err, "no cell with that id");
  parley_cell_proposal proposal;
  parley_cell_proposal_init(&proposal);
  parley_role_change change = {"bob", PARLEY_ROLE_OBSERVER};
  proposal.roles = &change;
  proposal.role_count = 1;
  parley_proposal_id pid;
  memset(&pid, 1, sizeof pid);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_propose(c, cell, &proposal, &pid, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_accept_proposal(c, cell, pid, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_cell_reject_proposal(c, cell, pid, &err), &err);
  parley_message_id mid;
  memset(&mid, 3, sizeof mid);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_acknowledge(c, cell, "intel", someone, mid, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN,
               parley_channel_post_with_precedence(c, cell, "intel", (const uint8_t*)"x", 1, PARLEY_PRECEDENCE_FLASH, NULL,
                                                   &err),
               &err);
  parley_ack_status* acks = NULL;
  CHECK_OK(parley_channel_ack_status(c, cell, "intel", someone, mid, &acks, &err), &err); /* not tracked: empty */
  CHECK(acks != NULL && parley_ack_status_count(acks) == 0 && parley_ack_status_at(acks, 0) == NULL);
  parley_ack_status_free(acks);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_ack_status(c, cell, "intel", someone, mid, NULL, &err), &err);
  parley_buffer file = {0};
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_export_transcript(c, cell, "intel", 0, 0, &file, &err), &err);
  CHECK(file.data == NULL && file.len == 0);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_export_transcript(c, cell, "intel", 0, 0, NULL, &err), &err);
  parley_address no_user = {NULL, 1};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_acknowledge(c, cell, "intel", no_user, mid, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_acknowledge(c, cell, NULL, someone, mid, NULL, &err), &err);
  /* History is a query of what this device stored: an unknown cell has none (not an error). */
  CHECK_OK(parley_channel_history(c, cell, "intel", &h, &err), &err);
  CHECK(h != NULL && parley_history_count(h) == 0 && parley_history_at(h, 0) == NULL);
  parley_history_free(h);
  parley_cell_list* list = NULL;
  CHECK_OK(parley_client_list_cells(c, &list, &err), &err);
  CHECK(parley_cell_list_count(list) == 0 && parley_cell_list_at(list, 0) == NULL);
  parley_cell_list_free(list);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_client_list_cells(c, NULL, &err), &err);

  /* Incidents and notices: the state queries name the unknown cell too (unlike history). */
  parley_incident_id incident;
  memset(&incident, 5, sizeof incident);
  parley_new_incident opening;
  parley_new_incident_init(&opening);
  opening.title = (const uint8_t*)"t";
  opening.title_len = 1;
  opening.respondent_party = "SY";
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN,
               parley_incident_open(c, cell, "hotline", &opening, PARLEY_PRECEDENCE_ROUTINE, &incident, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_incident_acknowledge(c, cell, "hotline", incident, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN,
               parley_incident_comment(c, cell, "hotline", incident, (const uint8_t*)"x", 1, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN,
               parley_incident_propose(c, cell, "hotline", incident, (const uint8_t*)"x", 1, NULL, &err), &err);
  parley_message_ref ref = {someone, mid};
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_incident_resolve(c, cell, "hotline", incident, &ref, NULL, 0, NULL, &err),
               &err);
  parley_incident_list* incidents = (parley_incident_list*)&err;
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_incidents(c, cell, "hotline", &incidents, &err), &err);
  CHECK(incidents == NULL);
  parley_notice notice;
  parley_notice_init(&notice);
  notice.area.radius_m = 1000;
  notice.end_ms = 1;
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN,
               parley_channel_post_notice(c, cell, "hotline", &notice, PARLEY_PRECEDENCE_ROUTINE, NULL, &err), &err);
  parley_notice_list* notices = (parley_notice_list*)&err;
  CHECK_STATUS(PARLEY_E_CELL_UNKNOWN, parley_channel_notices(c, cell, "hotline", &notices, &err), &err);
  CHECK(notices == NULL);
  parley_client_destroy(c);
}

static void bad_cell_arguments(void) {
  parley_error err;
  parley_client* c = open_simple("boss");
  parley_cell_id cell;
  parley_cell_template t;
  parley_cell_template_init(&t);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, NULL, &cell, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, NULL, &err), &err);
  t.struct_size = 4;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, &cell, &err), &err);
  CHECK_MESSAGE(err, "cell_template.struct_size is 4");
  parley_cell_template_init(&t);
  t.parties[1] = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, &cell, &err), &err);
  CHECK_MESSAGE(err, "parties[1] is NULL");
  parley_cell_template_init(&t);
  t.member_count = 2; /* members NULL */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, &cell, &err), &err);
  parley_cell_member members[2] = {{{"il_officer", 1}, "IL", PARLEY_ROLE_MEMBER, NULL, 5},
                                   {{"sy_officer", 1}, "SY", (parley_role)9, (const uint8_t*)"k", 1}};
  t.members = members;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, &cell, &err), &err);
  CHECK_MESSAGE(err, "members[0].identity_key is NULL");
  members[0].identity_key = (const uint8_t*)"short";
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_create(c, &t, &cell, &err), &err);
  CHECK_MESSAGE(err, "not a parley_role");
  /* A cell name the charter refuses (too long). */
  char long_name[300];
  memset(long_name, 'n', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  parley_cell_template_init(&t);
  t.name = long_name;
  parley_status s = parley_cell_create(c, &t, &cell, &err);
  CHECK(s == PARLEY_E_INVALID_ARGUMENT || s == PARLEY_E_CHARTER_INVALID_OPERATION);
  parley_client_destroy(c);
}

/* The supervisor's own view of a cell it created, before any member is online. */
static void local_cell(void) {
  parley_error err;
  parley_client* c = open_simple("sup");
  /* One member, so channels have a reader besides the supervisor (its key waits offline). */
  parley_client* member = open_simple("il_local");
  parley_buffer member_key = {0};
  CHECK_OK(parley_client_identity_key(member, &member_key, &err), &err);
  parley_client_destroy(member);
  parley_cell_member il = {{"il_local", 1}, "IL", PARLEY_ROLE_MEMBER, member_key.data, member_key.len};
  parley_cell_template t;
  parley_cell_template_init(&t);
  t.members = &il;
  t.member_count = 1;
  parley_cell_id cell;
  CHECK_OK(parley_cell_create(c, &t, &cell, &err), &err);
  parley_buffer_free(&member_key);

  parley_cell_list* list = NULL;
  CHECK_OK(parley_client_list_cells(c, &list, &err), &err);
  CHECK(parley_cell_list_count(list) == 1);
  CHECK(parley_cell_list_at(list, 0) && memcmp(parley_cell_list_at(list, 0), &cell, sizeof cell) == 0);
  CHECK(parley_cell_list_at(list, 1) == NULL);
  parley_cell_list_free(list);

  /* The view: the template's cell as its supervisor sees it. */
  parley_cell_view* view = NULL;
  CHECK_OK(parley_client_cell_view(c, cell, &view, &err), &err);
  const parley_cell_info* info = parley_cell_view_info(view);
  CHECK(info && info->struct_size == sizeof *info);
  if (info) {
    CHECK(memcmp(&info->id, &cell, sizeof cell) == 0 && strcmp(info->name, "IL-SY coordination") == 0);
    CHECK(info->epoch == 1 && strcmp(info->party, "US") == 0 && info->role == PARLEY_ROLE_SUPERVISOR);
    CHECK(strcmp(info->supervisor_party, "US") == 0);
    CHECK(info->party_count == 2 && strcmp(info->parties[0], "IL") == 0 && strcmp(info->parties[1], "US") == 0);
    CHECK(info->member_count == 2 && strcmp(info->members[0].user, "il_local") == 0 &&
          info->members[0].device_count == 1 && info->members[0].devices[0].identity_key_len == 33 &&
          info->members[0].role == PARLEY_ROLE_MEMBER);
    CHECK(info->channel_count == 4 && info->pending_proposal_count == 0);
    for (size_t i = 0; i < info->channel_count; ++i) {
      CHECK(info->channels[i].can_read && !info->channels[i].can_post && !info->channels[i].archived);
      CHECK(info->channels[i].read_count == 3 && info->channels[i].post_count == 2);
    }
    char anchor[PARLEY_JOIN_ANCHOR_MAX], digits[PARLEY_FINGERPRINT_DIGITS_MAX], hex[65];
    CHECK_OK(parley_cell_join_anchor(c, cell, anchor, sizeof anchor, &err), &err);
    for (int i = 0; i < 32; ++i) snprintf(hex + 2 * i, 3, "%02x", info->genesis.bytes[i]);
    CHECK(strcmp(anchor + strlen("parley-cell:"), hex) == 0);
    CHECK_OK(parley_client_supervisor_anchor(c, anchor, sizeof anchor, &err), &err);
    for (int i = 0; i < 32; ++i) snprintf(hex + 2 * i, 3, "%02x", info->supervisor_fingerprint.bytes[i]);
    CHECK(strcmp(anchor + strlen("parley-supervisor:"), hex) == 0);
    CHECK_OK(parley_fingerprint_digits(info->supervisor_fingerprint, digits, sizeof digits, &err), &err);
    CHECK(strcmp(digits, info->supervisor_fingerprint_digits) == 0);
  }
  parley_cell_view_free(view);

  /* The supervisor reads every channel but posts on none by default. */
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED, parley_channel_post(c, cell, "intel", (const uint8_t*)"x", 1, NULL, &err),
               &err);
  CHECK_MESSAGE(err, "may not post on channel 'intel'");
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED,
               parley_channel_post(c, cell, "no-such-channel", (const uint8_t*)"x", 1, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post(c, cell, NULL, (const uint8_t*)"x", 1, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post(c, cell, "intel", NULL, 1, NULL, &err), &err);

  /* Grant the supervisor's party POST on a new channel, then post and read it back. */
  CHECK_OK(parley_channel_create(c, cell, "ops", "Operations", &err), &err);
  CHECK_STATUS(PARLEY_E_CHARTER_INVALID_OPERATION, parley_channel_create(c, cell, "ops", "Again", &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_create(c, cell, "ops2", NULL, &err), &err);
  parley_grant readers[2] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "IL", 0}};
  parley_grant me = {PARLEY_GRANT_DEVICE, "sup", 1};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  p.read = readers;
  p.read_count = 2;
  p.post = &me;
  p.post_count = 1;
  CHECK_OK(parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  parley_message_id id;
  CHECK_OK(parley_channel_post(c, cell, "ops", (const uint8_t*)"status green", 12, &id, &err), &err);

  parley_history* h = NULL;
  CHECK_OK(parley_channel_history(c, cell, "ops", &h, &err), &err);
  CHECK(parley_history_count(h) == 1);
  const parley_history_entry* e = parley_history_at(h, 0);
  CHECK(e && e->struct_size == sizeof *e);
  if (e) {
    CHECK(e->text_len == 12 && memcmp(e->text, "status green", 12) == 0);
    CHECK(strcmp(e->channel, "ops") == 0 && strcmp(e->sender.user, "sup") == 0 && e->sender.device == 1);
    CHECK(memcmp(&e->id, &id, sizeof id) == 0);
    CHECK(e->epoch >= 3 && e->sent_at_ms > 0 && e->received_at_ms >= e->sent_at_ms);
    CHECK(e->precedence == PARLEY_PRECEDENCE_ROUTINE);
  }
  CHECK(parley_history_at(h, 1) == NULL);
  parley_history_free(h);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_history(c, cell, "ops", NULL, &err), &err);

  /* Policy argument errors. */
  parley_grant bad_kind = {(parley_grant_kind)0, "US", 0};
  p.read = &bad_kind;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  CHECK_MESSAGE(err, "policy.read[0].kind 0");
  parley_grant no_name = {PARLEY_GRANT_USER, NULL, 0};
  p.read = &no_name;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  p.read = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  p.read_count = 0;
  p.struct_size = 1;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_set_policy(c, cell, "ops", &p, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_set_policy(c, cell, "ops", NULL, &err), &err);

  /* Rename: the display name changes, the id stays; an unknown channel is refused. */
  CHECK_OK(parley_channel_rename(c, cell, "ops", "Operations room", &err), &err);
  parley_cell_view* renamed = NULL;
  CHECK_OK(parley_client_cell_view(c, cell, &renamed, &err), &err);
  const parley_cell_info* renamed_info = parley_cell_view_info(renamed);
  bool found_ops = false;
  for (size_t i = 0; renamed_info && i < renamed_info->channel_count; ++i)
    if (strcmp(renamed_info->channels[i].name, "ops") == 0)
      found_ops = strcmp(renamed_info->channels[i].display_name, "Operations room") == 0;
  CHECK(found_ops);
  parley_cell_view_free(renamed);
  CHECK_STATUS(PARLEY_E_CHARTER_INVALID_OPERATION, parley_channel_rename(c, cell, "nope", "Nope", &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_rename(c, cell, "ops", NULL, &err), &err);

  /* Archive: no more posts there. */
  CHECK_OK(parley_channel_archive(c, cell, "ops", &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED, parley_channel_post(c, cell, "ops", (const uint8_t*)"x", 1, NULL, &err),
               &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_archive(c, cell, NULL, &err), &err);

  /* Membership argument errors and charter refusals. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_add_member(c, cell, NULL, &err), &err);
  parley_cell_member m = {{"il_officer", 1}, "IL", PARLEY_ROLE_MEMBER, (const uint8_t*)"not a key", 9};
  CHECK(parley_cell_add_member(c, cell, &m, &err) != PARLEY_OK); /* a 9-byte identity key */
  parley_address nobody = {"nobody", 1};
  CHECK_STATUS(PARLEY_E_CHARTER_INVALID_OPERATION, parley_cell_remove_member(c, cell, nobody, &err), &err);
  parley_address bad_address = {"nobody", 0};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_remove_member(c, cell, bad_address, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_set_role(c, cell, NULL, PARLEY_ROLE_MEMBER, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_set_role(c, cell, "sup", (parley_role)0, &err), &err);
  CHECK(parley_cell_set_role(c, cell, "nobody", PARLEY_ROLE_OBSERVER, &err) != PARLEY_OK);

  /* Proposals: the supervisor is no party admin; bad proposals are refused before signing. */
  parley_cell_proposal proposal;
  parley_cell_proposal_init(&proposal);
  parley_role_change change = {"il_local", PARLEY_ROLE_OBSERVER};
  proposal.roles = &change;
  proposal.role_count = 1;
  CHECK_STATUS(PARLEY_E_CHARTER_NOT_AUTHORIZED, parley_cell_propose(c, cell, &proposal, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_propose(c, cell, NULL, NULL, &err), &err);
  change.role = (parley_role)77;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_propose(c, cell, &proposal, NULL, &err), &err);
  CHECK_MESSAGE(err, "not a parley_role");
  change.user = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_propose(c, cell, &proposal, NULL, &err), &err);
  CHECK_MESSAGE(err, "proposal.roles[0].user is NULL");
  proposal.roles = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_propose(c, cell, &proposal, NULL, &err), &err);
  proposal.role_count = 0;
  proposal.struct_size = 3;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_cell_propose(c, cell, &proposal, NULL, &err), &err);
  parley_proposal_id unknown;
  memset(&unknown, 9, sizeof unknown);
  parley_message_id unknown_msg;
  memset(&unknown_msg, 9, sizeof unknown_msg);
  CHECK_STATUS(PARLEY_E_STORE_NOT_FOUND, parley_cell_accept_proposal(c, cell, unknown, &err), &err);
  CHECK_STATUS(PARLEY_E_STORE_NOT_FOUND, parley_cell_reject_proposal(c, cell, unknown, &err), &err);

  /* Precedence must be one of the four; acknowledging a message nobody awaits is refused. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_channel_post_with_precedence(c, cell, "intel", (const uint8_t*)"x", 1, (parley_precedence)5, NULL,
                                                   &err),
               &err);
  CHECK_MESSAGE(err, "precedence 5");
  parley_address il_address = {"il_local", 1};
  CHECK(parley_channel_acknowledge(c, cell, "intel", il_address, unknown_msg, NULL, &err) != PARLEY_OK);

  /* Oversized post: refused before anything is stored. */
  size_t big = 300 * 1024;
  uint8_t* text = calloc(big, 1);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post(c, cell, "intel", text, big, NULL, &err), &err);
  CHECK_MESSAGE(err, "limit");
  free(text);
  parley_client_destroy(c);

  /* Reopened, the cell and its history are still there. */
  c = open_simple("sup");
  CHECK_OK(parley_channel_history(c, cell, "ops", &h, &err), &err);
  CHECK(parley_history_count(h) == 1);
  parley_history_free(h);
  parley_client_destroy(c);
}

/* The supervisor's device alone: every argument and rule error of the incident and notice
 * calls that needs no second device, and a notice it posts itself, listed back. */
static void local_hotline(void) {
  parley_error err;
  parley_client* c = open_simple("mediator");
  parley_client* member = open_simple("il_side");
  parley_buffer member_key = {0};
  CHECK_OK(parley_client_identity_key(member, &member_key, &err), &err);
  parley_client_destroy(member);
  parley_cell_member il = {{"il_side", 1}, "IL", PARLEY_ROLE_MEMBER, member_key.data, member_key.len};
  parley_cell_template t;
  parley_cell_template_init(&t);
  t.members = &il;
  t.member_count = 1;
  parley_cell_id cell;
  CHECK_OK(parley_cell_create(c, &t, &cell, &err), &err);
  parley_buffer_free(&member_key);
  /* "alerts" needs acknowledgements; "chat" does not. The supervisor posts on both. */
  parley_grant readers[2] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "IL", 0}};
  parley_grant me = {PARLEY_GRANT_DEVICE, "mediator", 1};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  p.read = readers;
  p.read_count = 2;
  p.post = &me;
  p.post_count = 1;
  CHECK_OK(parley_channel_create(c, cell, "alerts", "Alerts", &err), &err);
  CHECK_OK(parley_channel_create(c, cell, "chat", "Chat", &err), &err);
  CHECK_OK(parley_channel_set_policy(c, cell, "chat", &p, &err), &err);
  p.ack_required = true;
  p.ack_deadline_seconds = 3600;
  CHECK_OK(parley_channel_set_policy(c, cell, "alerts", &p, &err), &err);

  /* --- notices --- */
  const int64_t start = 1893456000000; /* 2030-01-01 */
  const int64_t hour = 3600 * 1000;
  parley_notice n;
  parley_notice_init(&n);
  n.area.center.lat_e7 = 330000000;
  n.area.center.lon_e7 = 355000000;
  n.area.radius_m = 5000;
  n.start_ms = start;
  n.end_ms = start + 2 * hour;
  n.description = (const uint8_t*)"exercise";
  n.description_len = 8;
  const parley_precedence routine = PARLEY_PRECEDENCE_ROUTINE;

  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "alerts", NULL, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "notice is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, NULL, &n, routine, NULL, &err), &err);
  parley_notice bad = n;
  bad.struct_size = 8;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "notice.struct_size is 8");
  bad = n;
  bad.area.kind = (parley_area_kind)9;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "notice.area.kind 9");
  bad = n;
  bad.description = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "notice.description is NULL");
  bad = n;
  bad.area.kind = PARLEY_AREA_POLYGON;
  bad.area.vertex_count = 3; /* vertices NULL */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "notice.area.vertices is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_channel_post_notice(c, cell, "alerts", &n, (parley_precedence)0, NULL, &err), &err);
  CHECK_MESSAGE(err, "precedence 0");
  /* Areas and windows the rules refuse. */
  bad = n;
  bad.area.radius_m = 0;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad.area.radius_m = 600 * 1000;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad = n;
  bad.area.center.lat_e7 = 850000000;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad = n;
  bad.end_ms = bad.start_ms;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad.end_ms = bad.start_ms + 400LL * 24 * hour;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  parley_geo_point line[3] = {{330000000, 355000000}, {331000000, 355000000}, {332000000, 355000000}};
  parley_geo_point bowtie[4] = {{330000000, 355000000}, {331000000, 356000000}, {331000000, 355000000},
                                {330000000, 356000000}};
  bad = n;
  bad.area.kind = PARLEY_AREA_POLYGON;
  bad.area.vertices = line; /* collinear: no area */
  bad.area.vertex_count = 3;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad.area.vertex_count = 2;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad.area.vertices = bowtie; /* self-intersecting */
  bad.area.vertex_count = 4;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  bad.area.vertex_count = 5000;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(c, cell, "alerts", &bad, routine, NULL, &err), &err);
  /* A notice needs a channel where the other parties must acknowledge. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_post_notice(c, cell, "chat", &n, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "does not require acknowledgements");
  /* Nothing above was posted. */
  parley_notice_list* notices = NULL;
  CHECK_OK(parley_channel_notices(c, cell, "alerts", &notices, &err), &err);
  CHECK(notices != NULL && parley_notice_list_count(notices) == 0 && parley_notice_list_at(notices, 0) == NULL);
  parley_notice_list_free(notices);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_notices(c, cell, "alerts", NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_notices(c, cell, NULL, &notices, &err), &err);

  /* A valid polygon notice, listed back with its area and window. */
  parley_geo_point square[4] = {{330000000, 355000000}, {330000000, 356000000}, {331000000, 356000000},
                                {331000000, 355000000}};
  parley_notice poly = n;
  poly.area.kind = PARLEY_AREA_POLYGON;
  poly.area.vertices = square;
  poly.area.vertex_count = 4;
  parley_message_id id;
  CHECK_OK(parley_channel_post_notice(c, cell, "alerts", &poly, PARLEY_PRECEDENCE_IMMEDIATE, &id, &err), &err);
  CHECK_OK(parley_channel_notices(c, cell, "alerts", &notices, &err), &err);
  CHECK(parley_notice_list_count(notices) == 1);
  const parley_notice_entry* entry = parley_notice_list_at(notices, 0);
  CHECK(entry && entry->struct_size == sizeof *entry);
  if (entry) {
    CHECK(memcmp(&entry->ref.id, &id, sizeof id) == 0 && strcmp(entry->ref.sender.user, "mediator") == 0);
    CHECK(strcmp(entry->party, "US") == 0 && entry->sent_at_ms > 0 && entry->conflict_count == 0);
    const parley_notice* got = entry->notice;
    CHECK(got && got->struct_size == sizeof *got && got->area.kind == PARLEY_AREA_POLYGON);
    CHECK(got && got->area.vertex_count == 4 && memcmp(got->area.vertices, square, sizeof square) == 0);
    CHECK(got && got->start_ms == start && got->end_ms == start + 2 * hour);
    CHECK(got && got->description_len == 8 && memcmp(got->description, "exercise", 8) == 0);
  }
  parley_notice_list_free(notices);
  /* It awaits IL's acknowledgement like any message of the channel. */
  parley_ack_status* acks = NULL;
  parley_address self = {"mediator", 1};
  CHECK_OK(parley_channel_ack_status(c, cell, "alerts", self, id, &acks, &err), &err);
  CHECK(parley_ack_status_count(acks) == 1 && parley_ack_status_at(acks, 0)->state == PARLEY_ACK_PENDING);
  parley_ack_status_free(acks);

  /* --- incidents: the supervisor mediates, it is no side, so it cannot open one --- */
  parley_new_incident o;
  parley_new_incident_init(&o);
  o.title = (const uint8_t*)"Radar lock";
  o.title_len = 10;
  o.respondent_party = "IL";
  parley_incident_id incident;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_open(c, cell, "alerts", &o, routine, &incident, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", NULL, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &o, routine, NULL, &err), &err);
  CHECK_MESSAGE(err, "out is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, NULL, &o, routine, &incident, &err), &err);
  parley_new_incident b = o;
  b.struct_size = 4;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident.struct_size is 4");
  b = o;
  b.title = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident.title is NULL");
  b = o;
  b.details_len = 4;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident.details is NULL");
  b = o;
  b.respondent_party = NULL;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident.respondent_party is NULL");
  b = o;
  b.severity = (parley_severity)5;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "incident.severity 5");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_open(c, cell, "alerts", &o, (parley_precedence)7, &incident, &err), &err);
  CHECK_MESSAGE(err, "precedence 7");
  b = o;
  b.respondent_party = "XX";
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_open(c, cell, "alerts", &b, routine, &incident, &err), &err);
  CHECK_MESSAGE(err, "no party 'XX'");
  /* Operations on an incident nobody opened. */
  memset(&incident, 7, sizeof incident);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_acknowledge(c, cell, "alerts", incident, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_comment(c, cell, "alerts", incident, (const uint8_t*)"?", 1, NULL, &err), &err);
  CHECK_MESSAGE(err, "no incident with that id");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_propose(c, cell, "alerts", incident, (const uint8_t*)"?", 1, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_resolve(c, cell, "alerts", incident, NULL, NULL, 0, NULL, &err),
               &err);
  /* Argument shapes are refused before anything else. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_comment(c, cell, "alerts", incident, NULL, 2, NULL, &err), &err);
  CHECK_MESSAGE(err, "text is NULL");
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_propose(c, cell, "alerts", incident, NULL, 2, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_resolve(c, cell, "alerts", incident, NULL, NULL, 2, NULL, &err),
               &err);
  parley_message_ref no_sender = {{NULL, 1}, id};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_resolve(c, cell, "alerts", incident, &no_sender, NULL, 0, NULL, &err), &err);
  CHECK_MESSAGE(err, "proposal.sender.user is NULL");
  parley_message_ref bad_sender = {{"bad name", 1}, id};
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_resolve(c, cell, "alerts", incident, &bad_sender, NULL, 0, NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_incident_acknowledge(c, cell, NULL, incident, NULL, &err), &err);
  parley_incident_list* incidents = NULL;
  CHECK_OK(parley_channel_incidents(c, cell, "alerts", &incidents, &err), &err);
  CHECK(incidents != NULL && parley_incident_list_count(incidents) == 0 && parley_incident_list_at(incidents, 0) == NULL);
  parley_incident_list_free(incidents);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_incidents(c, cell, "alerts", NULL, &err), &err);
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT, parley_channel_incidents(c, cell, NULL, &incidents, &err), &err);
  parley_client_destroy(c);

  /* Reopened, the notice is rebuilt from the store. */
  c = open_simple("mediator");
  CHECK_OK(parley_channel_notices(c, cell, "alerts", &notices, &err), &err);
  CHECK(parley_notice_list_count(notices) == 1);
  parley_notice_list_free(notices);
  parley_client_destroy(c);
}

int main(int argc, char** argv) {
  if (!temp_dir_make(&g_dir)) {
    perror("mkdtemp");
    return 1;
  }
  static const check_test tests[] = {
      {"status_table", status_table},
      {"version", version},
      {"option_defaults", option_defaults},
      {"open_argument_errors", open_argument_errors},
      {"store_keys", store_keys},
      {"address_and_identity", address_and_identity},
      {"join_anchors", join_anchors},
      {"null_handles", null_handles},
      {"lifecycle_states", lifecycle_states},
      {"direct_message_errors", direct_message_errors},
      {"unknown_cell", unknown_cell},
      {"bad_cell_arguments", bad_cell_arguments},
      {"local_cell", local_cell},
      {"local_hotline", local_hotline},
      {"transcript_verify_refuses_garbage", transcript_verify_refuses_garbage},
  };
  const int rc = check_run(tests, (int)(sizeof tests / sizeof tests[0]), argc, argv, 1);
  temp_dir_remove(&g_dir);
  return rc;
}
