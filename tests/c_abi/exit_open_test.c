/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A C program that returns from main with connected clients still open (a message in flight,
 * never parley_client_destroy'd, their network threads reconnecting) must exit with its own
 * status, not abort, as the Python binding once did (bindings/python/tests/test_exit.py).
 * argv[1]: the parley-relay binary. ctest checks status 0. */
#include <stdio.h>

#include "support.h"

static int connected(const recorded_event* e, const void* arg) {
  (void)arg;
  return e->kind == PARLEY_EVENT_CONNECTED;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  temp_dir dir;
  relay_process relay;
  char data[512];
  if (!temp_dir_make(&dir)) return 3;
  temp_dir_file(&dir, "relay", data);
  if (!relay_start(&relay, argv[1], data)) return 4;
  static device devices[3];
  const char* users[3] = {"alice", "bob", "carol"};
  parley_error err;
  for (int i = 0; i < 3; ++i) {
    if (device_open(&devices[i], &dir, users[i], relay.port, &err) != PARLEY_OK) return 5;
    if (parley_client_start(devices[i].client, &err) != PARLEY_OK) return 6;
    recorded_event e;
    if (!device_wait(&devices[i], connected, NULL, 20000, &e)) return 7;
  }
  parley_address to = device_address(&devices[1]);
  parley_message_id id;
  const char text[] = "left in flight at exit";
  if (parley_client_send_text(devices[0].client, to, (const uint8_t*)text, sizeof text - 1, &id, &err) != PARLEY_OK)
    return 8;
  relay_stop(&relay);  /* the clients now reconnect in a loop: their threads are busy at exit */
  puts("exiting with three open clients");
  return 0;
}
