/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the C ABI suites share: temporary folders, a real parley-relay process, devices whose
 * events are recorded, and waiting for events with a deadline. */
#ifndef PARLEY_TEST_SUPPORT_H
#define PARLEY_TEST_SUPPORT_H

#include <pthread.h>
#include <sys/types.h>

#include "parley.h"

/* A fresh folder under $TMPDIR (or /tmp), removed with everything in it by temp_dir_remove. */
typedef struct temp_dir {
  char path[256];
} temp_dir;
int temp_dir_make(temp_dir* dir);
void temp_dir_remove(temp_dir* dir);
/* dir/name into out (size 512). */
void temp_dir_file(const temp_dir* dir, const char* name, char* out);

/* parley-relay --listen 127.0.0.1:0 --data DIR, started and stopped by the test. */
typedef struct relay_process {
  pid_t pid;
  uint16_t port;
} relay_process;
int relay_start(relay_process* relay, const char* binary, const char* data_dir);
/* The same with `args` (NULL-terminated) instead of "--registration open". */
int relay_start_args(relay_process* relay, const char* binary, const char* data_dir, const char* const* args);
void relay_stop(relay_process* relay);

/* One event as copied out of a callback. */
typedef struct recorded_event {
  parley_event_kind kind;
  char peer_user[80];
  uint32_t peer_device;
  parley_message_id id;
  parley_cell_id cell;
  char channel[80];
  uint64_t epoch;
  int64_t sent_at_ms;
  char text[512];
  size_t text_len;
  uint32_t count;
  int joined;
  parley_status error_code;
  char error_message[256];
  size_t struct_size;
  parley_proposal_id proposal_id; /* PROPOSAL_RECEIVED */
  size_t proposal_adds, proposal_removes, proposal_roles;
  char proposal_role_user[64]; /* the first role change */
  parley_role proposal_role;
  parley_precedence precedence;
  char party[32];
  char by_user[64];
  int64_t deadline_ms;
  parley_incident_id incident; /* INCIDENT_UPDATED */
  char other_user[64];         /* NOTICES_CONFLICT: the second notice */
  parley_message_id other_id;
  char other_party[32];
  int has_notice; /* NOTICE_RECEIVED: a copy of its notice */
  parley_area_kind area_kind;
  parley_geo_point center;
  uint32_t radius_m;
  size_t vertex_count;
  parley_geo_point first_vertex;
  int64_t start_ms, end_ms;
  char description[256];
} recorded_event;

/* A client plus every event it reported, guarded for the network thread. */
typedef struct device {
  parley_client* client;
  char user[64];
  uint32_t number;
  pthread_mutex_t mutex;
  pthread_cond_t changed;
  recorded_event* events;
  size_t count, capacity;
} device;

/* Opens user.1 with a passphrase store in `dir` against `port` and records its events.
 * Returns the status of parley_client_open. */
parley_status device_open(device* d, const temp_dir* dir, const char* user, uint16_t port, parley_error* err);
/* The version-2 fields of parley_client_options (TLS and the invite); NULL strings are unset. */
typedef struct device_relay_options {
  bool tls;
  const char* ca_file;
  const char* cert_sha256;
  const char* invite_token;
} device_relay_options;
/* device_open with those fields set (`relay` may be NULL: none). */
parley_status device_open_relay(device* d, const temp_dir* dir, const char* user, uint16_t port,
                                const device_relay_options* relay, parley_error* err);
void device_close(device* d);
parley_address device_address(const device* d);
/* Hands `member` the supervisor's join anchor (out of band in real life), so that Welcomes of
 * the cells `supervisor` creates join it. 1 on success. */
int device_anchor_supervisor(device* member, const device* supervisor);

typedef int (*event_match)(const recorded_event* event, const void* arg);
/* Waits up to timeout_ms for an event matching `match`; returns 1 and copies it to *out. */
int device_wait(device* d, event_match match, const void* arg, int timeout_ms, recorded_event* out);
/* Number of recorded events matching `match`. */
size_t device_count(device* d, event_match match, const void* arg);

int match_kind(const recorded_event* e, const void* kind /* parley_event_kind* */);
/* A CHANNEL_MESSAGE_RECEIVED or MESSAGE_RECEIVED whose text is the NUL-terminated arg. */
int match_text(const recorded_event* e, const void* text);
/* A CHARTER_CHANGED with epoch >= *(uint64_t*)arg. */
int match_epoch(const recorded_event* e, const void* epoch);

#endif
