/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A device that waits to be welcomed into a cell, posts one message on a channel, waits for
 * the first reply there and exits.
 *   parley-sample-c USER STORE PASSPHRASE RELAY_PORT CHANNEL TEXT
 * CHANNEL "-" picks the first channel this device may post on, from the cell's view.
 * It connects first, so that the relay knows the device before anyone sends it a Welcome, then
 * prints "identity HEX": give that key to the supervisor, who adds the device. It then
 * reads the supervisor's join anchor ("parley-supervisor:HEX", one line on stdin), which the
 * supervisor hands over the same way: only a cell that supervisor created can join it.
 * It stays online until a reply comes: readers may still need its channel key. */
#define _POSIX_C_SOURCE 200809L
#include <parley.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the network thread tells main(). */
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_changed = PTHREAD_COND_INITIALIZER;
static int g_connected, g_joined, g_sent, g_replied;
static const char* g_channel;
static char g_channel_chosen[128]; /* channel ids are at most 64 bytes */
static parley_cell_id g_cell;
static parley_message_id g_post_id;

static void on_event(const parley_event* event, void* user) {
  (void)user;
  pthread_mutex_lock(&g_mutex);
  if (event->kind == PARLEY_EVENT_CONNECTED) {
    g_connected = 1;
  } else if (event->kind == PARLEY_EVENT_CHARTER_CHANGED && event->joined) {
    g_cell = event->cell;
    g_joined = 1;
  } else if (event->kind == PARLEY_EVENT_MESSAGE_SENT && memcmp(&event->id, &g_post_id, sizeof g_post_id) == 0) {
    g_sent = 1; /* the relay holds the post durably */
  } else if (event->kind == PARLEY_EVENT_CHANNEL_MESSAGE_RECEIVED && strcmp(event->channel, g_channel) == 0) {
    printf("reply from %s.%u: %.*s\n", event->peer.user, (unsigned)event->peer.device, (int)event->text_len,
           (const char*)event->text);
    g_replied = 1;
  } else if (event->kind == PARLEY_EVENT_SEND_FAILED || event->kind == PARLEY_EVENT_SECURITY_ALERT) {
    fprintf(stderr, "event %d: %s\n", (int)event->kind, event->error_message);
  }
  pthread_cond_broadcast(&g_changed);
  pthread_mutex_unlock(&g_mutex);
}

/* Waits up to 30 s for *flag. */
static int wait_flag(const int* flag) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 30;
  pthread_mutex_lock(&g_mutex);
  while (!*flag && pthread_cond_timedwait(&g_changed, &g_mutex, &deadline) == 0) {
  }
  const int done = *flag;
  pthread_mutex_unlock(&g_mutex);
  return done;
}

static int failed(const char* what, const parley_error* err) {
  fprintf(stderr, "%s: %s: %s\n", what, parley_status_name(err->code), err->message);
  return 1;
}

/* Prints what the SDK says about the cell (the fingerprint is for people to compare with the
 * supervisor's) and, for CHANNEL "-", picks the first channel this device may post on. */
static int describe_cell(parley_client* client, int choose, parley_error* err) {
  parley_cell_view* view = NULL;
  if (parley_client_cell_view(client, g_cell, &view, err) != PARLEY_OK) return 0;
  const parley_cell_info* info = parley_cell_view_info(view);
  printf("joined %s (supervisor %s, fingerprint %s)\n", info->name, info->supervisor_party,
         info->supervisor_fingerprint_digits);
  for (size_t i = 0; i < info->channel_count; ++i) {
    const parley_cell_channel_info* channel = &info->channels[i];
    printf("channel %s (%s):%s%s\n", channel->name, channel->display_name, channel->can_read ? " read" : "",
           channel->can_post ? " post" : "");
    if (choose && channel->can_post && !g_channel_chosen[0] && strlen(channel->name) < sizeof g_channel_chosen) {
      strcpy(g_channel_chosen, channel->name);
    }
  }
  fflush(stdout);
  parley_cell_view_free(view);
  if (!choose) return 1;
  if (!g_channel_chosen[0]) {
    fprintf(stderr, "this device may post on no channel of the cell\n");
    return 0;
  }
  pthread_mutex_lock(&g_mutex); /* g_channel is read by the callback */
  g_channel = g_channel_chosen;
  pthread_mutex_unlock(&g_mutex);
  return 1;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("parley %s\n", parley_version());
    return 0;
  }
  if (argc != 7) {
    fprintf(stderr, "usage: %s USER STORE PASSPHRASE RELAY_PORT CHANNEL TEXT\n", argv[0]);
    return 2;
  }
  parley_client_options options;
  parley_client_options_init(&options);
  options.address.user = argv[1];
  options.address.device = 1;
  options.store_path = argv[2];
  options.store_key_kind = PARLEY_STORE_KEY_PASSPHRASE;
  options.store_key = (const uint8_t*)argv[3];
  options.store_key_len = strlen(argv[3]);
  options.relay_port = (uint16_t)atoi(argv[4]);
  const int choose = strcmp(argv[5], "-") == 0;
  g_channel = argv[5];

  parley_error err;
  parley_client* client = NULL;
  if (parley_client_open(&options, &client, &err) != PARLEY_OK) return failed("open", &err);

  if (parley_client_set_event_callback(client, on_event, NULL, &err) != PARLEY_OK ||
      parley_client_start(client, &err) != PARLEY_OK) {
    failed("start", &err);
    parley_client_destroy(client);
    return 1;
  }
  if (!wait_flag(&g_connected)) {
    fprintf(stderr, "not connected to the relay within 30 s\n");
    parley_client_destroy(client);
    return 1;
  }

  parley_buffer key = {NULL, 0};
  if (parley_client_identity_key(client, &key, &err) != PARLEY_OK) return failed("identity key", &err);
  printf("identity ");
  for (size_t i = 0; i < key.len; ++i) printf("%02x", key.data[i]);
  printf("\n");
  fflush(stdout);
  parley_buffer_free(&key);

  char anchor[PARLEY_JOIN_ANCHOR_MAX + 2];
  if (!fgets(anchor, sizeof anchor, stdin)) {
    fprintf(stderr, "expected the supervisor's join anchor on stdin\n");
    return 1;
  }
  anchor[strcspn(anchor, "\r\n")] = '\0';
  if (parley_client_add_join_anchor(client, anchor, &err) != PARLEY_OK) return failed("join anchor", &err);

  int rc = 1;
  if (!wait_flag(&g_joined)) {
    fprintf(stderr, "not welcomed into a cell within 30 s\n");
  } else if (!describe_cell(client, choose, &err)) {
    if (err.code != PARLEY_OK) failed("cell view", &err);
  } else {
    pthread_mutex_lock(&g_mutex); /* g_post_id is read by the callback */
    const parley_status s = parley_channel_post(client, g_cell, g_channel, (const uint8_t*)argv[6], strlen(argv[6]),
                                                &g_post_id, &err);
    pthread_mutex_unlock(&g_mutex);
    if (s != PARLEY_OK) {
      failed("post", &err);
    } else if (!wait_flag(&g_sent)) {
      fprintf(stderr, "the relay did not acknowledge the post within 30 s\n");
    } else {
      printf("posted on %s\n", g_channel);
      fflush(stdout);
      if (wait_flag(&g_replied)) rc = 0;
      else fprintf(stderr, "no reply within 30 s\n");
    }
  }
  parley_client_destroy(client);
  return rc;
}
