/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* pipe2, mkdtemp, nftw, prctl */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int temp_dir_make(temp_dir* dir) {
  const char* base = getenv("TMPDIR");
  snprintf(dir->path, sizeof dir->path, "%s/parley-c-XXXXXX", base && *base ? base : "/tmp");
  return mkdtemp(dir->path) != NULL;
}

static int remove_entry(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

void temp_dir_remove(temp_dir* dir) {
  if (dir->path[0]) nftw(dir->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  dir->path[0] = '\0';
}

void temp_dir_file(const temp_dir* dir, const char* name, char* out) { snprintf(out, 512, "%s/%s", dir->path, name); }

/* ---------------------------------------------------------------- relay ---- */

int relay_start(relay_process* relay, const char* binary, const char* data_dir) {
  static const char* const open_registration[] = {"--registration", "open", NULL};
  return relay_start_args(relay, binary, data_dir, open_registration);
}

int relay_start_args(relay_process* relay, const char* binary, const char* data_dir, const char* const* args) {
  int fds[2];
  relay->pid = -1;
  relay->port = 0;
  if (pipe2(fds, O_CLOEXEC) != 0) return 0;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no relay outlives a crashed test */
    if (getppid() != parent) _exit(126);
    dup2(fds[1], STDOUT_FILENO);
    const char* argv[32] = {binary, "--listen", "127.0.0.1:0", "--data", data_dir};
    int argc = 5;
    for (const char* const* a = args; a && *a && argc < 31; ++a) argv[argc++] = *a;
    argv[argc] = NULL;
    execv(binary, (char* const*)argv);
    _exit(127);
  }
  close(fds[1]);
  relay->pid = pid;
  /* The relay prints "parley-relay listening on HOST:PORT" once it accepts connections. */
  char line[256] = {0};
  size_t len = 0;
  while (len < sizeof line - 1 && !strchr(line, '\n')) {
    struct pollfd p = {fds[0], POLLIN, 0};
    if (poll(&p, 1, 15000) <= 0) break;
    const ssize_t n = read(fds[0], line + len, sizeof line - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fds[0]);
  const char* prefix = "parley-relay listening on ";
  const char* colon = strrchr(line, ':');
  if (strncmp(line, prefix, strlen(prefix)) != 0 || !colon) {
    fprintf(stderr, "parley-relay did not start: '%s'\n", line);
    relay_stop(relay);
    return 0;
  }
  relay->port = (uint16_t)atoi(colon + 1);
  return relay->port != 0;
}

void relay_stop(relay_process* relay) {
  if (relay->pid <= 0) return;
  kill(relay->pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) { /* up to 10 s, then SIGKILL */
    if (waitpid(relay->pid, &status, WNOHANG) == relay->pid) {
      relay->pid = -1;
      return;
    }
    usleep(10000);
  }
  kill(relay->pid, SIGKILL);
  waitpid(relay->pid, &status, 0);
  relay->pid = -1;
}

/* ---------------------------------------------------------------- devices ---- */

static void copy_text(char* out, size_t cap, const uint8_t* data, size_t len) {
  if (len >= cap) len = cap - 1;
  if (len) memcpy(out, data, len);
  out[len] = '\0';
}

static void record(const parley_event* event, void* user) {
  device* d = user;
  recorded_event r;
  memset(&r, 0, sizeof r);
  r.struct_size = event->struct_size;
  r.kind = event->kind;
  snprintf(r.peer_user, sizeof r.peer_user, "%s", event->peer.user);
  r.peer_device = event->peer.device;
  r.id = event->id;
  r.cell = event->cell;
  snprintf(r.channel, sizeof r.channel, "%s", event->channel);
  r.epoch = event->epoch;
  r.sent_at_ms = event->sent_at_ms;
  copy_text(r.text, sizeof r.text, event->text, event->text_len);
  r.text_len = event->text_len;
  r.count = event->count;
  r.joined = event->joined;
  r.error_code = event->error_code;
  snprintf(r.error_message, sizeof r.error_message, "%s", event->error_message);
  r.proposal_id = event->proposal_id;
  r.precedence = event->precedence;
  snprintf(r.party, sizeof r.party, "%s", event->party);
  snprintf(r.by_user, sizeof r.by_user, "%s", event->by.user);
  r.deadline_ms = event->deadline_ms;
  r.incident = event->incident;
  snprintf(r.other_user, sizeof r.other_user, "%s", event->other.user);
  r.other_id = event->other_id;
  snprintf(r.other_party, sizeof r.other_party, "%s", event->other_party);
  if (event->notice) {
    const parley_notice* n = event->notice;
    r.has_notice = 1;
    r.area_kind = n->area.kind;
    r.center = n->area.center;
    r.radius_m = n->area.radius_m;
    r.vertex_count = n->area.vertex_count;
    if (n->area.vertex_count) r.first_vertex = n->area.vertices[0];
    r.start_ms = n->start_ms;
    r.end_ms = n->end_ms;
    copy_text(r.description, sizeof r.description, n->description, n->description_len);
  }
  if (event->proposal) {
    r.proposal_adds = event->proposal->add_count;
    r.proposal_removes = event->proposal->remove_count;
    r.proposal_roles = event->proposal->role_count;
    if (event->proposal->role_count) {
      snprintf(r.proposal_role_user, sizeof r.proposal_role_user, "%s", event->proposal->roles[0].user);
      r.proposal_role = event->proposal->roles[0].role;
    }
  }

  pthread_mutex_lock(&d->mutex);
  if (d->count == d->capacity) {
    size_t capacity = d->capacity ? d->capacity * 2 : 64;
    recorded_event* grown = realloc(d->events, capacity * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&d->mutex);
      return;
    }
    d->events = grown;
    d->capacity = capacity;
  }
  d->events[d->count++] = r;
  pthread_cond_broadcast(&d->changed);
  pthread_mutex_unlock(&d->mutex);
}

int device_anchor_supervisor(device* member, const device* supervisor) {
  char anchor[PARLEY_JOIN_ANCHOR_MAX];
  parley_error err;
  if (parley_client_supervisor_anchor(supervisor->client, anchor, sizeof anchor, &err) != PARLEY_OK) {
    fprintf(stderr, "supervisor_anchor: %s\n", err.message);
    return 0;
  }
  if (parley_client_add_join_anchor(member->client, anchor, &err) != PARLEY_OK) {
    fprintf(stderr, "add_join_anchor: %s\n", err.message);
    return 0;
  }
  return 1;
}

parley_status device_open(device* d, const temp_dir* dir, const char* user, uint16_t port, parley_error* err) {
  return device_open_relay(d, dir, user, port, NULL, err);
}

parley_status device_open_relay(device* d, const temp_dir* dir, const char* user, uint16_t port,
                                const device_relay_options* relay, parley_error* err) {
  memset(d, 0, sizeof *d);
  snprintf(d->user, sizeof d->user, "%s", user);
  d->number = 1;
  pthread_mutex_init(&d->mutex, NULL);
  pthread_cond_init(&d->changed, NULL);

  char path[512], name[128], passphrase[128];
  snprintf(name, sizeof name, "%s.db", user);
  temp_dir_file(dir, name, path);
  snprintf(passphrase, sizeof passphrase, "passphrase of %s", user);

  parley_client_options options;
  parley_client_options_init(&options);
  options.address = device_address(d);
  options.store_path = path;
  options.store_key_kind = PARLEY_STORE_KEY_PASSPHRASE;
  options.store_key = (const uint8_t*)passphrase;
  options.store_key_len = strlen(passphrase);
  options.relay_port = port;
  options.reconnect_initial_ms = 50;
  options.reconnect_max_ms = 500;
  options.initial_prekeys = 20;
  if (relay) {
    options.relay_tls = relay->tls;
    options.relay_ca_file = relay->ca_file;
    options.relay_cert_sha256 = relay->cert_sha256;
    options.invite_token = relay->invite_token;
  }
  parley_status s = parley_client_open(&options, &d->client, err);
  if (s == PARLEY_OK) s = parley_client_set_event_callback(d->client, record, d, err);
  return s;
}

void device_close(device* d) {
  parley_client_destroy(d->client); /* joins the network thread: no callback after this */
  d->client = NULL;
  free(d->events);
  d->events = NULL;
  d->count = d->capacity = 0;
  pthread_cond_destroy(&d->changed);
  pthread_mutex_destroy(&d->mutex);
}

parley_address device_address(const device* d) {
  parley_address a = {d->user, d->number};
  return a;
}

static int find(device* d, event_match match, const void* arg, recorded_event* out) {
  for (size_t i = 0; i < d->count; ++i)
    if (match(&d->events[i], arg)) {
      if (out) *out = d->events[i];
      return 1;
    }
  return 0;
}

int device_wait(device* d, event_match match, const void* arg, int timeout_ms, recorded_event* out) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&d->mutex);
  int found = find(d, match, arg, out);
  while (!found) {
    if (pthread_cond_timedwait(&d->changed, &d->mutex, &deadline) == ETIMEDOUT) {
      found = find(d, match, arg, out);
      break;
    }
    found = find(d, match, arg, out);
  }
  pthread_mutex_unlock(&d->mutex);
  return found;
}

size_t device_count(device* d, event_match match, const void* arg) {
  size_t n = 0;
  pthread_mutex_lock(&d->mutex);
  for (size_t i = 0; i < d->count; ++i) n += match(&d->events[i], arg) != 0;
  pthread_mutex_unlock(&d->mutex);
  return n;
}

int match_kind(const recorded_event* e, const void* kind) { return e->kind == *(const parley_event_kind*)kind; }

int match_text(const recorded_event* e, const void* text) {
  return (e->kind == PARLEY_EVENT_CHANNEL_MESSAGE_RECEIVED || e->kind == PARLEY_EVENT_MESSAGE_RECEIVED) &&
         strcmp(e->text, (const char*)text) == 0;
}

int match_epoch(const recorded_event* e, const void* epoch) {
  return e->kind == PARLEY_EVENT_CHARTER_CHANGED && e->epoch >= *(const uint64_t*)epoch;
}
