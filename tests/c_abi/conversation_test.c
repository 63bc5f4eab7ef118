/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The C ABI against the real parley-relay process (argv[1]): direct messages, a full cell
 * conversation with governance, permissions and removal, and the callback threading rule. */
#define _DEFAULT_SOURCE /* usleep */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "support.h"

static const char* g_relay_binary;
static const int kWait = 20000; /* ms */

typedef struct world {
  temp_dir dir;
  relay_process relay;
} world;

static int world_start(world* w) {
  if (!temp_dir_make(&w->dir)) return 0;
  char data[512];
  temp_dir_file(&w->dir, "relay", data);
  return relay_start(&w->relay, g_relay_binary, data);
}

static void world_stop(world* w) {
  relay_stop(&w->relay);
  temp_dir_remove(&w->dir);
}

static int start_connected(device* d) {
  parley_error err;
  CHECK_OK(parley_client_start(d->client, &err), &err);
  const parley_event_kind connected = PARLEY_EVENT_CONNECTED;
  recorded_event e;
  const int ok = device_wait(d, match_kind, &connected, kWait, &e);
  CHECK(ok);
  if (ok) CHECK(e.struct_size == sizeof(parley_event) && e.count > 0);
  return ok;
}

static parley_buffer identity_of(device* d) {
  parley_buffer key = {0};
  parley_error err;
  CHECK_OK(parley_client_identity_key(d->client, &key, &err), &err);
  return key;
}

static void direct_messages(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  parley_error err;
  device a, b;
  CHECK_OK(device_open(&a, &w.dir, "alice", w.relay.port, &err), &err);
  CHECK_OK(device_open(&b, &w.dir, "bob", w.relay.port, &err), &err);
  start_connected(&a);
  start_connected(&b);

  parley_message_id id;
  const char* text = "hello over the C ABI";
  CHECK_OK(parley_client_send_text(a.client, device_address(&b), (const uint8_t*)text, strlen(text), &id, &err), &err);
  recorded_event got;
  CHECK(device_wait(&b, match_text, text, kWait, &got));
  CHECK(strcmp(got.peer_user, "alice") == 0 && got.peer_device == 1);
  CHECK(memcmp(&got.id, &id, sizeof id) == 0 && got.text_len == strlen(text));
  const parley_event_kind sent = PARLEY_EVENT_MESSAGE_SENT;
  CHECK(device_wait(&a, match_kind, &sent, kWait, &got));
  CHECK(memcmp(&got.id, &id, sizeof id) == 0 && strcmp(got.peer_user, "bob") == 0);

  /* A device the relay never saw: the send fails with an event, not a call error. */
  parley_address ghost = {"ghost", 1};
  CHECK_OK(parley_client_send_text(a.client, ghost, (const uint8_t*)"boo", 3, &id, &err), &err);
  const parley_event_kind failed = PARLEY_EVENT_SEND_FAILED;
  CHECK(device_wait(&a, match_kind, &failed, kWait, &got));
  CHECK(got.error_code != PARLEY_OK && got.error_message[0] != '\0' && strcmp(got.peer_user, "ghost") == 0);

  /* The relay going away is reported, and the client reconnects when it is back. */
  relay_stop(&w.relay);
  const parley_event_kind disconnected = PARLEY_EVENT_DISCONNECTED;
  CHECK(device_wait(&b, match_kind, &disconnected, kWait, &got));
  CHECK(got.error_code != PARLEY_OK);

  device_close(&a);
  device_close(&b);
  world_stop(&w);
}

static int same_cell(const recorded_event* e, const parley_cell_id* cell) {
  return memcmp(&e->cell, cell, sizeof *cell) == 0;
}

static void cell_conversation(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  parley_error err;
  device us, il, sy, trade;
  CHECK_OK(device_open(&us, &w.dir, "us_sup", w.relay.port, &err), &err);
  CHECK_OK(device_open(&il, &w.dir, "il_officer", w.relay.port, &err), &err);
  CHECK_OK(device_open(&sy, &w.dir, "sy_officer", w.relay.port, &err), &err);
  CHECK_OK(device_open(&trade, &w.dir, "il_trade", w.relay.port, &err), &err);
  device* all[] = {&us, &il, &sy, &trade};
  for (int i = 0; i < 4; ++i) start_connected(all[i]);
  for (int i = 1; i < 4; ++i) CHECK(device_anchor_supervisor(all[i], &us));

  /* The supervisor creates the seeds' cell with the three others. */
  parley_buffer keys[3] = {identity_of(&il), identity_of(&sy), identity_of(&trade)};
  parley_cell_member members[3] = {
      {device_address(&il), "IL", PARLEY_ROLE_MEMBER, keys[0].data, keys[0].len},
      {device_address(&sy), "SY", PARLEY_ROLE_MEMBER, keys[1].data, keys[1].len},
      {device_address(&trade), "IL", PARLEY_ROLE_MEMBER, keys[2].data, keys[2].len},
  };
  parley_cell_template t;
  parley_cell_template_init(&t);
  t.members = members;
  t.member_count = 3;
  parley_cell_id cell;
  CHECK_OK(parley_cell_create(us.client, &t, &cell, &err), &err);
  for (int i = 0; i < 3; ++i) parley_buffer_free(&keys[i]);

  /* intel: read by US, SY and one IL user; posted on by IL and SY. */
  parley_grant read[3] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "SY", 0}, {PARLEY_GRANT_USER, "il_officer", 0}};
  parley_grant post[2] = {{PARLEY_GRANT_PARTY, "IL", 0}, {PARLEY_GRANT_PARTY, "SY", 0}};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  p.read = read;
  p.read_count = 3;
  p.post = post;
  p.post_count = 2;
  CHECK_OK(parley_channel_set_policy(us.client, cell, "intel", &p, &err), &err);
  const uint64_t epoch2 = 2;
  recorded_event e;
  for (int i = 1; i < 4; ++i) {
    CHECK(device_wait(all[i], match_epoch, &epoch2, kWait, &e));
    CHECK(same_cell(&e, &cell));
  }
  /* Each member was told it joined. */
  const parley_event_kind charter = PARLEY_EVENT_CHARTER_CHANGED;
  CHECK(device_wait(&il, match_kind, &charter, kWait, &e) && e.joined && e.epoch == 1);

  parley_cell_list* list = NULL;
  CHECK_OK(parley_client_list_cells(sy.client, &list, &err), &err);
  CHECK(parley_cell_list_count(list) == 1 && memcmp(parley_cell_list_at(list, 0), &cell, sizeof cell) == 0);
  parley_cell_list_free(list);

  /* The trade delegate's view: a member of IL that neither reads nor posts on intel, with
   * the same genesis and supervisor fingerprint as the supervisor's own view. */
  parley_cell_view *trade_view = NULL, *us_view = NULL;
  CHECK_OK(parley_client_cell_view(trade.client, cell, &trade_view, &err), &err);
  CHECK_OK(parley_client_cell_view(us.client, cell, &us_view, &err), &err);
  const parley_cell_info* ti = parley_cell_view_info(trade_view);
  const parley_cell_info* ui = parley_cell_view_info(us_view);
  CHECK(ti && ui && ti->epoch == 2 && strcmp(ti->party, "IL") == 0 && ti->role == PARLEY_ROLE_MEMBER);
  if (ti && ui) {
    CHECK(memcmp(&ti->genesis, &ui->genesis, sizeof ti->genesis) == 0);
    CHECK(memcmp(&ti->supervisor_fingerprint, &ui->supervisor_fingerprint, sizeof ti->supervisor_fingerprint) == 0);
    CHECK(ti->member_count == 4 && ti->channel_count == 4);
    for (size_t i = 0; i < ti->channel_count; ++i) {
      const parley_cell_channel_info* ch = &ti->channels[i];
      if (strcmp(ch->name, "intel") == 0) {
        CHECK(!ch->can_read && !ch->can_post && ch->read_count == 3 && ch->post_count == 2);
      } else {
        CHECK(ch->can_read && ch->can_post);
      }
    }
  }
  parley_cell_view_free(trade_view);
  parley_cell_view_free(us_view);

  const char* convoy = "convoy moves at 0400";
  const char* tender = "tender opens monday";
  parley_message_id convoy_id;
  CHECK_OK(parley_channel_post(il.client, cell, "intel", (const uint8_t*)convoy, strlen(convoy), &convoy_id, &err), &err);
  CHECK_OK(parley_channel_post(trade.client, cell, "commercial", (const uint8_t*)tender, strlen(tender), NULL, &err),
           &err);
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED,
               parley_channel_post(trade.client, cell, "intel", (const uint8_t*)"let me in", 9, NULL, &err), &err);
  CHECK(device_wait(&sy, match_text, convoy, kWait, &e));
  CHECK(e.kind == PARLEY_EVENT_CHANNEL_MESSAGE_RECEIVED && same_cell(&e, &cell) && strcmp(e.channel, "intel") == 0);
  CHECK(strcmp(e.peer_user, "il_officer") == 0 && e.epoch == 2 && memcmp(&e.id, &convoy_id, sizeof e.id) == 0);
  CHECK(device_wait(&us, match_text, convoy, kWait, &e));
  CHECK(device_wait(&il, match_text, tender, kWait, &e));

  /* The supervisor adds a deputy, gives the SY user the party-admin role, opens a channel. */
  device deputy;
  CHECK_OK(device_open(&deputy, &w.dir, "sy_deputy", w.relay.port, &err), &err);
  start_connected(&deputy);
  CHECK(device_anchor_supervisor(&deputy, &us));
  parley_buffer deputy_key = identity_of(&deputy);
  parley_cell_member dm = {device_address(&deputy), "SY", PARLEY_ROLE_OBSERVER, deputy_key.data, deputy_key.len};
  CHECK_OK(parley_cell_add_member(us.client, cell, &dm, &err), &err);
  parley_buffer_free(&deputy_key);
  CHECK_OK(parley_cell_set_role(us.client, cell, "sy_officer", PARLEY_ROLE_PARTY_ADMIN, &err), &err);
  CHECK_OK(parley_channel_create(us.client, cell, "liaison", "Liaison", &err), &err);
  parley_grant everyone[3] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "IL", 0}, {PARLEY_GRANT_PARTY, "SY", 0}};
  parley_grant poster = {PARLEY_GRANT_DEVICE, "sy_officer", 1};
  p.read = everyone;
  p.read_count = 3;
  p.post = &poster;
  p.post_count = 1;
  CHECK_OK(parley_channel_set_policy(us.client, cell, "liaison", &p, &err), &err);
  const uint64_t epoch6 = 6;
  CHECK(device_wait(&deputy, match_epoch, &epoch6, kWait, &e));
  CHECK(device_wait(&sy, match_epoch, &epoch6, kWait, &e));
  /* Only the supervisor commits. */
  CHECK_STATUS(PARLEY_E_CHARTER_NOT_AUTHORIZED, parley_channel_create(sy.client, cell, "mine", "Mine", &err), &err);
  const char* liaison = "liaison desk open";
  CHECK_OK(parley_channel_post(sy.client, cell, "liaison", (const uint8_t*)liaison, strlen(liaison), NULL, &err), &err);
  CHECK(device_wait(&deputy, match_text, liaison, kWait, &e));
  CHECK(device_wait(&il, match_text, liaison, kWait, &e));
  /* The observer reads but may not post, and its view says so. */
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED,
               parley_channel_post(deputy.client, cell, "liaison", (const uint8_t*)"me too", 6, NULL, &err), &err);
  parley_cell_view* deputy_view = NULL;
  CHECK_OK(parley_client_cell_view(deputy.client, cell, &deputy_view, &err), &err);
  const parley_cell_info* di = parley_cell_view_info(deputy_view);
  CHECK(di && di->role == PARLEY_ROLE_OBSERVER && strcmp(di->party, "SY") == 0);
  int saw_liaison = 0;
  for (size_t i = 0; di && i < di->channel_count; ++i) {
    if (strcmp(di->channels[i].name, "liaison") != 0) continue;
    saw_liaison = 1;
    CHECK(di->channels[i].can_read && !di->channels[i].can_post && strcmp(di->channels[i].display_name, "Liaison") == 0);
    CHECK(di->channels[i].post_count == 1 && di->channels[i].post[0].kind == PARLEY_GRANT_DEVICE &&
          strcmp(di->channels[i].post[0].name, "sy_officer") == 0 && di->channels[i].post[0].device == 1);
  }
  CHECK(saw_liaison);
  parley_cell_view_free(deputy_view);

  /* Removing the trade delegate: it reads nothing posted after. */
  CHECK_OK(parley_cell_remove_member(us.client, cell, device_address(&trade), &err), &err);
  const uint64_t epoch7 = 7;
  CHECK(device_wait(&il, match_epoch, &epoch7, kWait, &e));
  const char* after = "after the delegate left";
  CHECK_OK(parley_channel_post(il.client, cell, "commercial", (const uint8_t*)after, strlen(after), NULL, &err), &err);
  CHECK(device_wait(&sy, match_text, after, kWait, &e));
  usleep(300 * 1000);
  CHECK(device_count(&trade, match_text, after) == 0);
  CHECK(device_count(&trade, match_text, convoy) == 0); /* never had READ on intel */
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED,
               parley_channel_post(trade.client, cell, "commercial", (const uint8_t*)"still here?", 11, NULL, &err),
               &err);
  /* The removed delegate still has a view (its history stays), with no party or role. */
  CHECK(device_wait(&trade, match_epoch, &epoch7, kWait, &e));
  CHECK_OK(parley_client_cell_view(trade.client, cell, &trade_view, &err), &err);
  ti = parley_cell_view_info(trade_view);
  CHECK(ti && ti->epoch == 7 && ti->party == NULL && (int)ti->role == 0);
  for (size_t i = 0; ti && i < ti->channel_count; ++i) CHECK(!ti->channels[i].can_read && !ti->channels[i].can_post);
  parley_cell_view_free(trade_view);

  /* Archived channels take no more posts. */
  CHECK_OK(parley_channel_archive(us.client, cell, "liaison", &err), &err);
  const uint64_t epoch8 = 8;
  CHECK(device_wait(&sy, match_epoch, &epoch8, kWait, &e));
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED,
               parley_channel_post(sy.client, cell, "liaison", (const uint8_t*)"x", 1, NULL, &err), &err);

  /* History, in the order the device saw it. */
  parley_history* h = NULL;
  CHECK_OK(parley_channel_history(sy.client, cell, "intel", &h, &err), &err);
  CHECK(parley_history_count(h) == 1);
  const parley_history_entry* entry = parley_history_at(h, 0);
  CHECK(entry && strcmp(entry->sender.user, "il_officer") == 0 && entry->text_len == strlen(convoy) &&
        memcmp(entry->text, convoy, entry->text_len) == 0);
  parley_history_free(h);
  CHECK_OK(parley_channel_history(il.client, cell, "commercial", &h, &err), &err);
  CHECK(parley_history_count(h) == 2);
  parley_history_free(h);

  /* The SY party admin proposes a role change in its party; the supervisor sees and accepts it. */
  parley_cell_proposal proposal;
  parley_cell_proposal_init(&proposal);
  parley_role_change promote = {"sy_deputy", PARLEY_ROLE_MEMBER};
  proposal.roles = &promote;
  proposal.role_count = 1;
  CHECK_STATUS(PARLEY_E_CHARTER_NOT_AUTHORIZED, parley_cell_propose(il.client, cell, &proposal, NULL, &err), &err);
  parley_proposal_id pid;
  CHECK_OK(parley_cell_propose(sy.client, cell, &proposal, &pid, &err), &err);
  const parley_event_kind proposed = PARLEY_EVENT_PROPOSAL_RECEIVED;
  CHECK(device_wait(&us, match_kind, &proposed, kWait, &e));
  CHECK(memcmp(&e.proposal_id, &pid, sizeof pid) == 0 && strcmp(e.peer_user, "sy_officer") == 0 && same_cell(&e, &cell));
  CHECK(e.proposal_roles == 1 && e.proposal_adds == 0 && e.proposal_removes == 0);
  CHECK(strcmp(e.proposal_role_user, "sy_deputy") == 0 && e.proposal_role == PARLEY_ROLE_MEMBER);
  /* The supervisor's view lists it until it decides; the proposer's does not. */
  CHECK_OK(parley_client_cell_view(us.client, cell, &us_view, &err), &err);
  ui = parley_cell_view_info(us_view);
  CHECK(ui && ui->pending_proposal_count == 1);
  if (ui && ui->pending_proposal_count == 1) {
    const parley_pending_proposal_info* pp = &ui->pending_proposals[0];
    CHECK(memcmp(&pp->id, &pid, sizeof pid) == 0 && strcmp(pp->proposer.user, "sy_officer") == 0);
    CHECK(strcmp(pp->summary, "role of sy_deputy: member") == 0);
    CHECK(pp->changes && pp->changes->role_count == 1 && strcmp(pp->changes->roles[0].user, "sy_deputy") == 0);
  }
  parley_cell_view_free(us_view);
  CHECK_OK(parley_client_cell_view(sy.client, cell, &us_view, &err), &err);
  CHECK(parley_cell_view_info(us_view)->pending_proposal_count == 0);
  parley_cell_view_free(us_view);
  CHECK_OK(parley_cell_accept_proposal(us.client, cell, pid, &err), &err);
  CHECK_STATUS(PARLEY_E_STORE_NOT_FOUND, parley_cell_accept_proposal(us.client, cell, pid, &err), &err);
  const uint64_t epoch9 = 9;
  CHECK(device_wait(&deputy, match_epoch, &epoch9, kWait, &e));
  CHECK_OK(parley_client_cell_view(us.client, cell, &us_view, &err), &err);
  CHECK(parley_cell_view_info(us_view)->pending_proposal_count == 0);
  parley_cell_view_free(us_view);

  /* No event reported a refused or undecryptable message along the way. */
  const parley_event_kind denied = PARLEY_EVENT_PERMISSION_DENIED, alert = PARLEY_EVENT_SECURITY_ALERT,
                          undecryptable = PARLEY_EVENT_DECRYPT_FAILED;
  for (int i = 0; i < 4; ++i) {
    CHECK(device_count(all[i], match_kind, &denied) == 0);
    CHECK(device_count(all[i], match_kind, &alert) == 0);
    CHECK(device_count(all[i], match_kind, &undecryptable) == 0);
  }

  device_close(&deputy);
  for (int i = 0; i < 4; ++i) device_close(all[i]);
  world_stop(&w);
}

static void acknowledgements(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  parley_error err;
  device us, il, sy;
  CHECK_OK(device_open(&us, &w.dir, "us_sup", w.relay.port, &err), &err);
  CHECK_OK(device_open(&il, &w.dir, "il_officer", w.relay.port, &err), &err);
  CHECK_OK(device_open(&sy, &w.dir, "sy_officer", w.relay.port, &err), &err);
  device* all[] = {&us, &il, &sy};
  for (int i = 0; i < 3; ++i) start_connected(all[i]);
  for (int i = 1; i < 3; ++i) CHECK(device_anchor_supervisor(all[i], &us));
  parley_buffer keys[2] = {identity_of(&il), identity_of(&sy)};
  parley_cell_member members[2] = {{device_address(&il), "IL", PARLEY_ROLE_MEMBER, keys[0].data, keys[0].len},
                                   {device_address(&sy), "SY", PARLEY_ROLE_MEMBER, keys[1].data, keys[1].len}};
  parley_cell_template t;
  parley_cell_template_init(&t);
  t.members = members;
  t.member_count = 2;
  parley_cell_id cell;
  CHECK_OK(parley_cell_create(us.client, &t, &cell, &err), &err);
  for (int i = 0; i < 2; ++i) parley_buffer_free(&keys[i]);

  /* deescalation: acknowledgements within 30 min; diplomatic: within 1 s (to see overdue). */
  parley_grant read[3] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "IL", 0}, {PARLEY_GRANT_PARTY, "SY", 0}};
  parley_grant post[2] = {{PARLEY_GRANT_PARTY, "IL", 0}, {PARLEY_GRANT_PARTY, "SY", 0}};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  p.read = read;
  p.read_count = 3;
  p.post = post;
  p.post_count = 2;
  p.ack_required = true;
  p.ack_deadline_seconds = 1800;
  p.attested = true;
  CHECK_OK(parley_channel_set_policy(us.client, cell, "deescalation", &p, &err), &err);
  p.attested = false;
  p.ack_deadline_seconds = 1;
  CHECK_OK(parley_channel_set_policy(us.client, cell, "diplomatic", &p, &err), &err);
  const uint64_t epoch3 = 3;
  recorded_event e;
  CHECK(device_wait(&il, match_epoch, &epoch3, kWait, &e));
  CHECK(device_wait(&sy, match_epoch, &epoch3, kWait, &e));

  const char* flash = "FLASH: unplanned launch detected, not ours";
  parley_message_id id;
  CHECK_OK(parley_channel_post_with_precedence(il.client, cell, "deescalation", (const uint8_t*)flash, strlen(flash),
                                               PARLEY_PRECEDENCE_FLASH, &id, &err),
           &err);
  CHECK(device_wait(&sy, match_text, flash, kWait, &e));
  CHECK(e.precedence == PARLEY_PRECEDENCE_FLASH);
  parley_ack_status* acks = NULL;
  CHECK_OK(parley_channel_ack_status(il.client, cell, "deescalation", device_address(&il), id, &acks, &err), &err);
  CHECK(parley_ack_status_count(acks) == 1);
  const parley_party_ack* a = parley_ack_status_at(acks, 0);
  CHECK(a && strcmp(a->party, "SY") == 0 && a->state == PARLEY_ACK_PENDING);
  parley_ack_status_free(acks);

  parley_message_id ack_id;
  CHECK_OK(parley_channel_acknowledge(sy.client, cell, "deescalation", device_address(&il), id, &ack_id, &err), &err);
  const parley_event_kind acked = PARLEY_EVENT_ACKNOWLEDGEMENT_RECEIVED;
  CHECK(device_wait(&il, match_kind, &acked, kWait, &e));
  CHECK(memcmp(&e.id, &id, sizeof id) == 0 && strcmp(e.party, "SY") == 0 && strcmp(e.by_user, "sy_officer") == 0);
  CHECK(strcmp(e.channel, "deescalation") == 0 && strcmp(e.peer_user, "il_officer") == 0);
  CHECK_OK(parley_channel_ack_status(il.client, cell, "deescalation", device_address(&il), id, &acks, &err), &err);
  a = parley_ack_status_at(acks, 0);
  CHECK(a && strcmp(a->party, "SY") == 0 && a->state == PARLEY_ACK_ACKNOWLEDGED);
  parley_ack_status_free(acks);
  /* The party that received it is not asked twice; IL is not a required party of its own post. */
  CHECK(parley_channel_acknowledge(il.client, cell, "deescalation", device_address(&il), id, NULL, &err) != PARLEY_OK);

  /* The supervisor exports the attested channel; parley-verify (when built) accepts the file. */
  CHECK(device_wait(&us, match_text, flash, kWait, &e));
  CHECK(device_wait(&us, match_kind, &acked, kWait, &e));
  parley_buffer transcript = {0};
  CHECK_OK(parley_channel_export_transcript(us.client, cell, "deescalation", 0, 0, &transcript, &err), &err);
  CHECK(transcript.len > 0);
  const char* verify = getenv("PARLEY_VERIFY");
  if (verify && *verify && transcript.len) {
    char path[512], command[1200];
    temp_dir_file(&w.dir, "deescalation.plt", path);
    FILE* f = fopen(path, "wb");
    CHECK(f && fwrite(transcript.data, 1, transcript.len, f) == transcript.len);
    if (f) fclose(f);
    snprintf(command, sizeof command, "'%s' '%s' > /dev/null 2>&1", verify, path);
    CHECK(system(command) == 0);
  }
  /* The same check in-process: the FLASH post is valid, signed by IL and acknowledged by SY. */
  parley_transcript_report* report = NULL;
  CHECK_OK(parley_transcript_verify(transcript.data, transcript.len, NULL, &report, &err), &err);
  const parley_transcript_summary* summary = parley_transcript_report_summary(report);
  CHECK(summary && summary->all_valid && summary->missing_count == 0 && summary->message_count >= 1);
  CHECK(summary && memcmp(&summary->cell, &cell, sizeof cell) == 0 && strcmp(summary->channel, "deescalation") == 0);
  const parley_transcript_message* flash_verdict = NULL;
  for (size_t i = 0; summary && i < summary->message_count; ++i) {
    const parley_transcript_message* m = parley_transcript_report_message(report, i);
    CHECK(m && m->verdict == PARLEY_TRANSCRIPT_VALID && strcmp(m->reason, "none") == 0 && m->conflicts_with == -1);
    if (m && memcmp(&m->ref.id, &id, sizeof id) == 0) flash_verdict = m;
  }
  CHECK(flash_verdict && strcmp(flash_verdict->ref.sender.user, "il_officer") == 0);
  CHECK(flash_verdict && flash_verdict->precedence == PARLEY_PRECEDENCE_FLASH && flash_verdict->ack_count == 1);
  CHECK(flash_verdict && flash_verdict->ack_count == 1 && strcmp(flash_verdict->acks[0].party, "SY") == 0);
  CHECK(summary && parley_transcript_report_message(report, summary->message_count) == NULL);
  CHECK(parley_transcript_report_missing(report, 0) == NULL);
  /* Pinned to its own genesis it passes; to another, the whole transcript is refused. */
  parley_digest genesis = summary->genesis;
  parley_transcript_report* again = NULL;
  CHECK_OK(parley_transcript_verify(transcript.data, transcript.len, &genesis, &again, &err), &err);
  parley_transcript_report_free(again);
  genesis.bytes[0] ^= 1;
  again = (parley_transcript_report*)&genesis; /* must be reset to NULL on failure */
  CHECK_STATUS(PARLEY_E_HOTLINE_TRANSCRIPT_INVALID,
               parley_transcript_verify(transcript.data, transcript.len, &genesis, &again, &err), &err);
  CHECK(again == NULL);
  parley_transcript_report_free(report);
  /* Any flipped byte is refused or reported: never an all-valid report. */
  for (size_t at = 0; at < transcript.len; at += 1 + transcript.len / 97) {
    transcript.data[at] ^= 0x20;
    parley_transcript_report* tampered = NULL;
    if (parley_transcript_verify(transcript.data, transcript.len, NULL, &tampered, &err) == PARLEY_OK) {
      const parley_transcript_summary* t = parley_transcript_report_summary(tampered);
      if (t->all_valid) fprintf(stderr, "byte %zu flipped still verifies\n", at);
      CHECK(!t->all_valid || t->message_count == 0);
      parley_transcript_report_free(tampered);
    }
    transcript.data[at] ^= 0x20;
  }
  parley_buffer_free(&transcript);
  CHECK_STATUS(PARLEY_E_HOTLINE_NOT_ATTESTED,
               parley_channel_export_transcript(us.client, cell, "diplomatic", 0, 0, &transcript, &err), &err);
  CHECK(transcript.data == NULL);

  /* Nobody acknowledges in time: the readers see it overdue, the supervisor gets the escalation. */
  const char* notice = "notice: exercise at 0600";
  CHECK_OK(parley_channel_post_with_precedence(il.client, cell, "diplomatic", (const uint8_t*)notice, strlen(notice),
                                               PARLEY_PRECEDENCE_PRIORITY, &id, &err),
           &err);
  const parley_event_kind overdue = PARLEY_EVENT_MESSAGE_OVERDUE, escalated = PARLEY_EVENT_ESCALATION_RECEIVED;
  CHECK(device_wait(&il, match_kind, &overdue, kWait, &e));
  CHECK(memcmp(&e.id, &id, sizeof id) == 0 && strcmp(e.party, "SY") == 0 && e.deadline_ms > 0);
  CHECK(device_wait(&us, match_kind, &escalated, kWait, &e));
  CHECK(memcmp(&e.id, &id, sizeof id) == 0 && strcmp(e.party, "SY") == 0 && strcmp(e.peer_user, "il_officer") == 0);

  for (int i = 0; i < 3; ++i) device_close(all[i]);
  world_stop(&w);
}

/* US supervises, IL and SY are the sides; `channel` is read by all three and posted on by all
 * three (the supervisor comments and resolves), with acknowledgements required. */
typedef struct hotline_cell {
  device us, il, sy;
  device* all[3];
  parley_cell_id cell;
} hotline_cell;

static int hotline_cell_start(hotline_cell* h, world* w, const char* channel) {
  parley_error err;
  CHECK_OK(device_open(&h->us, &w->dir, "us_sup", w->relay.port, &err), &err);
  CHECK_OK(device_open(&h->il, &w->dir, "il_officer", w->relay.port, &err), &err);
  CHECK_OK(device_open(&h->sy, &w->dir, "sy_officer", w->relay.port, &err), &err);
  h->all[0] = &h->us;
  h->all[1] = &h->il;
  h->all[2] = &h->sy;
  for (int i = 0; i < 3; ++i)
    if (!start_connected(h->all[i])) return 0;
  for (int i = 1; i < 3; ++i)
    if (!device_anchor_supervisor(h->all[i], &h->us)) return 0;
  parley_buffer keys[2] = {identity_of(&h->il), identity_of(&h->sy)};
  parley_cell_member members[2] = {{device_address(&h->il), "IL", PARLEY_ROLE_MEMBER, keys[0].data, keys[0].len},
                                   {device_address(&h->sy), "SY", PARLEY_ROLE_MEMBER, keys[1].data, keys[1].len}};
  parley_cell_template t;
  parley_cell_template_init(&t);
  t.members = members;
  t.member_count = 2;
  parley_status s = parley_cell_create(h->us.client, &t, &h->cell, &err);
  CHECK_OK(s, &err);
  for (int i = 0; i < 2; ++i) parley_buffer_free(&keys[i]);
  if (s != PARLEY_OK) return 0;
  parley_grant everyone[3] = {{PARLEY_GRANT_PARTY, "US", 0}, {PARLEY_GRANT_PARTY, "IL", 0}, {PARLEY_GRANT_PARTY, "SY", 0}};
  parley_channel_policy p;
  parley_channel_policy_init(&p);
  p.read = everyone;
  p.read_count = 3;
  p.post = everyone;
  p.post_count = 3;
  p.ack_required = true;
  p.ack_deadline_seconds = 1800;
  CHECK_OK(parley_channel_set_policy(h->us.client, h->cell, channel, &p, &err), &err);
  const uint64_t epoch2 = 2;
  recorded_event e;
  int ok = 1;
  for (int i = 1; i < 3; ++i) ok &= device_wait(h->all[i], match_epoch, &epoch2, kWait, &e);
  CHECK(ok);
  return ok;
}

static void hotline_cell_stop(hotline_cell* h) {
  for (int i = 0; i < 3; ++i) device_close(h->all[i]);
}

/* An INCIDENT_UPDATED for the operation with message id `arg`. */
static int match_incident_op(const recorded_event* e, const void* id) {
  return e->kind == PARLEY_EVENT_INCIDENT_UPDATED && memcmp(&e->id, id, sizeof e->id) == 0;
}

static const parley_incident* only_incident(device* d, const parley_cell_id* cell, parley_incident_list** list) {
  parley_error err;
  *list = NULL;
  CHECK_OK(parley_channel_incidents(d->client, *cell, "deescalation", list, &err), &err);
  CHECK(parley_incident_list_count(*list) == 1);
  return parley_incident_list_at(*list, 0);
}

static void incidents(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  hotline_cell h;
  if (!hotline_cell_start(&h, &w, "deescalation")) {
    world_stop(&w);
    return;
  }
  parley_error err;
  recorded_event e;
  const char* ch = "deescalation";

  /* IL opens an incident against SY, with a location. */
  const char* title = "Drone crossed the line at grid 41";
  parley_new_incident o;
  parley_new_incident_init(&o);
  o.title = (const uint8_t*)title;
  o.title_len = strlen(title);
  o.details = (const uint8_t*)"Seen 0412, heading south";
  o.details_len = strlen("Seen 0412, heading south");
  o.severity = PARLEY_SEVERITY_HIGH;
  o.respondent_party = "SY";
  o.has_location = true;
  o.location.lat_e7 = 331234567;
  o.location.lon_e7 = 355432100;
  parley_incident_id incident;
  CHECK_OK(parley_incident_open(h.il.client, h.cell, ch, &o, PARLEY_PRECEDENCE_IMMEDIATE, &incident, &err), &err);
  const parley_event_kind updated = PARLEY_EVENT_INCIDENT_UPDATED;
  for (int i = 0; i < 3; ++i) {
    CHECK(device_wait(h.all[i], match_kind, &updated, kWait, &e));
    CHECK(memcmp(&e.incident, &incident, sizeof incident) == 0 && same_cell(&e, &h.cell) && strcmp(e.channel, ch) == 0);
    CHECK(strcmp(e.peer_user, "il_officer") == 0 && e.peer_device == 1);
  }
  /* What the rules refuse is refused here, before anything is sent. */
  o.respondent_party = "IL";
  parley_incident_id other;
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_open(h.il.client, h.cell, ch, &o, PARLEY_PRECEDENCE_ROUTINE, &other, &err), &err);
  CHECK_STATUS(PARLEY_E_CELL_PERMISSION_DENIED, parley_incident_acknowledge(h.il.client, h.cell, ch, incident, NULL, &err),
               &err); /* its own incident */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_resolve(h.sy.client, h.cell, ch, incident, NULL, (const uint8_t*)"done", 4, NULL, &err),
               &err); /* a side agrees to a proposal: none named */

  /* SY acknowledges and proposes; IL agrees to that proposal: resolved by agreement. */
  parley_message_id ack_id, proposal_id, resolve_id, comment_id;
  CHECK_OK(parley_incident_acknowledge(h.sy.client, h.cell, ch, incident, &ack_id, &err), &err);
  const char* proposal_text = "Joint inspection of the debris on Monday";
  CHECK_OK(parley_incident_propose(h.sy.client, h.cell, ch, incident, (const uint8_t*)proposal_text,
                                   strlen(proposal_text), &proposal_id, &err),
           &err);
  CHECK(device_wait(&h.il, match_incident_op, &proposal_id, kWait, &e));
  CHECK(strcmp(e.peer_user, "sy_officer") == 0);
  parley_incident_list* list = NULL;
  const parley_incident* seen = only_incident(&h.il, &h.cell, &list);
  CHECK(seen && seen->resolution == NULL && seen->proposal_count == 1 && seen->acknowledged_count == 1);
  if (seen && seen->proposal_count == 1) {
    const parley_resolution_proposal* p = &seen->proposals[0];
    CHECK(strcmp(p->party, "SY") == 0 && p->agreed_count == 1 && strcmp(p->agreed[0], "SY") == 0);
    CHECK(memcmp(&p->ref.id, &proposal_id, sizeof proposal_id) == 0 && strcmp(p->ref.sender.user, "sy_officer") == 0);
    CHECK(p->text_len == strlen(proposal_text) && memcmp(p->text, proposal_text, p->text_len) == 0);
  }
  parley_incident_list_free(list);
  parley_message_ref agreed = {device_address(&h.sy), proposal_id};
  CHECK_OK(parley_incident_resolve(h.il.client, h.cell, ch, incident, &agreed, (const uint8_t*)"Agreed", 6, &resolve_id,
                                   &err),
           &err);
  for (int i = 0; i < 3; ++i) CHECK(device_wait(h.all[i], match_incident_op, &resolve_id, kWait, &e));
  /* Nothing reopens it; comments still go in. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_incident_propose(h.sy.client, h.cell, ch, incident, (const uint8_t*)"late", 4, NULL, &err), &err);
  CHECK_MESSAGE(err, "already resolved");
  CHECK_OK(parley_incident_comment(h.us.client, h.cell, ch, incident, (const uint8_t*)"Noted by the mediator", 21,
                                   &comment_id, &err),
           &err);
  for (int i = 0; i < 3; ++i) CHECK(device_wait(h.all[i], match_incident_op, &comment_id, kWait, &e));

  /* Every device computes the same incident. */
  for (int i = 0; i < 3; ++i) {
    const parley_incident* got = only_incident(h.all[i], &h.cell, &list);
    CHECK(got != NULL);
    if (got) {
      CHECK(got->struct_size == sizeof *got && memcmp(&got->id, &incident, sizeof incident) == 0);
      CHECK(strcmp(got->opener_party, "IL") == 0 && strcmp(got->respondent_party, "SY") == 0);
      CHECK(strcmp(got->opened_by.sender.user, "il_officer") == 0 && got->opened_at_ms > 0);
      CHECK(got->title_len == strlen(title) && memcmp(got->title, title, got->title_len) == 0);
      CHECK(got->details_len == strlen("Seen 0412, heading south"));
      CHECK(got->severity == PARLEY_SEVERITY_HIGH && got->has_location);
      CHECK(got->location.lat_e7 == 331234567 && got->location.lon_e7 == 355432100);
      CHECK(got->acknowledged_count == 1 && strcmp(got->acknowledged[0].party, "SY") == 0 &&
            got->acknowledged[0].at_ms > 0);
      CHECK(got->comment_count == 1 && strcmp(got->comments[0].party, "US") == 0 &&
            memcmp(&got->comments[0].ref.id, &comment_id, sizeof comment_id) == 0);
      CHECK(got->proposal_count == 1 && got->proposals[0].agreed_count == 2);
      if (got->proposal_count == 1 && got->proposals[0].agreed_count == 2)
        CHECK(strcmp(got->proposals[0].agreed[0], "IL") == 0 && strcmp(got->proposals[0].agreed[1], "SY") == 0);
      const parley_resolution* r = got->resolution;
      CHECK(r != NULL);
      if (r) {
        CHECK(r->by == PARLEY_RESOLVED_BY_AGREEMENT && r->proposal != NULL);
        CHECK(r->proposal && memcmp(&r->proposal->id, &proposal_id, sizeof proposal_id) == 0 &&
              strcmp(r->proposal->sender.user, "sy_officer") == 0);
        CHECK(memcmp(&r->resolved_by.id, &resolve_id, sizeof resolve_id) == 0 &&
              strcmp(r->resolved_by.sender.user, "il_officer") == 0);
        CHECK(r->text_len == 6 && memcmp(r->text, "Agreed", 6) == 0 && r->at_ms > 0);
      }
    }
    parley_incident_list_free(list);
  }

  /* A second incident, opened by SY: the supervisor resolves it alone, without a proposal. */
  parley_new_incident_init(&o);
  o.title = (const uint8_t*)"Shelling near the crossing";
  o.title_len = strlen("Shelling near the crossing");
  o.respondent_party = "IL";
  CHECK_OK(parley_incident_open(h.sy.client, h.cell, ch, &o, PARLEY_PRECEDENCE_ROUTINE, &other, &err), &err);
  CHECK(device_wait(&h.us, match_kind, &updated, kWait, &e));
  parley_message_id closed_id;
  for (int tries = 0; tries < 200; ++tries) { /* wait until the supervisor holds the opening */
    CHECK_OK(parley_channel_incidents(h.us.client, h.cell, ch, &list, &err), &err);
    const size_t n = parley_incident_list_count(list);
    parley_incident_list_free(list);
    if (n == 2) break;
    usleep(50 * 1000);
  }
  CHECK_OK(parley_incident_resolve(h.us.client, h.cell, ch, other, NULL, (const uint8_t*)"Closed", 6, &closed_id, &err),
           &err);
  CHECK(device_wait(&h.sy, match_incident_op, &closed_id, kWait, &e));
  CHECK_OK(parley_channel_incidents(h.sy.client, h.cell, ch, &list, &err), &err);
  CHECK(parley_incident_list_count(list) == 2);
  const parley_incident* second = parley_incident_list_at(list, 1);
  CHECK(second && memcmp(&second->id, &other, sizeof other) == 0 && !second->has_location);
  CHECK(second && second->severity == PARLEY_SEVERITY_MEDIUM && second->details_len == 0);
  CHECK(second && second->resolution && second->resolution->by == PARLEY_RESOLVED_BY_SUPERVISOR &&
        second->resolution->proposal == NULL);
  CHECK(parley_incident_list_at(list, 2) == NULL);
  parley_incident_list_free(list);

  const parley_event_kind denied = PARLEY_EVENT_PERMISSION_DENIED;
  for (int i = 0; i < 3; ++i) CHECK(device_count(h.all[i], match_kind, &denied) == 0);
  hotline_cell_stop(&h);
  world_stop(&w);
}

static int same_id(const parley_message_id* a, const parley_message_id* b) { return memcmp(a, b, sizeof *a) == 0; }

static void notices(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  hotline_cell h;
  if (!hotline_cell_start(&h, &w, "deescalation")) {
    world_stop(&w);
    return;
  }
  parley_error err;
  recorded_event e;
  const char* ch = "deescalation";
  const int64_t hour = 3600 * 1000;
  const int64_t start = 1893456000000; /* 2030-01-01 */

  /* IL: a 5 km circle for two hours. */
  parley_notice circle;
  parley_notice_init(&circle);
  circle.area.center.lat_e7 = 330000000;
  circle.area.center.lon_e7 = 355000000;
  circle.area.radius_m = 5000;
  circle.start_ms = start;
  circle.end_ms = start + 2 * hour;
  circle.description = (const uint8_t*)"IL live-fire exercise";
  circle.description_len = strlen("IL live-fire exercise");
  parley_message_id il_id;
  CHECK_OK(parley_channel_post_notice(h.il.client, h.cell, ch, &circle, PARLEY_PRECEDENCE_PRIORITY, &il_id, &err), &err);
  const parley_event_kind received = PARLEY_EVENT_NOTICE_RECEIVED;
  CHECK(device_wait(&h.sy, match_kind, &received, kWait, &e));
  CHECK(same_id(&e.id, &il_id) && strcmp(e.peer_user, "il_officer") == 0 && strcmp(e.party, "IL") == 0);
  CHECK(same_cell(&e, &h.cell) && strcmp(e.channel, ch) == 0 && e.precedence == PARLEY_PRECEDENCE_PRIORITY);
  CHECK(e.sent_at_ms > 0 && strcmp(e.text, "IL live-fire exercise") == 0);
  CHECK(e.has_notice && e.area_kind == PARLEY_AREA_CIRCLE && e.radius_m == 5000 && e.vertex_count == 0);
  CHECK(e.center.lat_e7 == 330000000 && e.center.lon_e7 == 355000000);
  CHECK(e.start_ms == start && e.end_ms == start + 2 * hour && strcmp(e.description, "IL live-fire exercise") == 0);
  CHECK(device_wait(&h.us, match_kind, &received, kWait, &e));
  /* Other events carry no notice; the sender gets no NOTICE_RECEIVED for its own. */
  const parley_event_kind charter = PARLEY_EVENT_CHARTER_CHANGED;
  CHECK(device_wait(&h.sy, match_kind, &charter, kWait, &e) && !e.has_notice);
  CHECK(device_count(&h.il, match_kind, &received) == 0);

  /* SY: a polygon over the circle's centre, overlapping its window: one conflict everywhere. */
  parley_geo_point square[4] = {{329500000, 354500000}, {329500000, 355500000}, {330500000, 355500000},
                                {330500000, 354500000}};
  parley_notice poly;
  parley_notice_init(&poly);
  poly.area.kind = PARLEY_AREA_POLYGON;
  poly.area.vertices = square;
  poly.area.vertex_count = 4;
  poly.start_ms = start + hour;
  poly.end_ms = start + 3 * hour;
  poly.description = (const uint8_t*)"SY patrol";
  poly.description_len = 9;
  parley_message_id sy_id;
  CHECK_OK(parley_channel_post_notice(h.sy.client, h.cell, ch, &poly, PARLEY_PRECEDENCE_ROUTINE, &sy_id, &err), &err);
  CHECK(device_wait(&h.il, match_kind, &received, kWait, &e));
  CHECK(same_id(&e.id, &sy_id) && e.area_kind == PARLEY_AREA_POLYGON && e.vertex_count == 4);
  CHECK(e.first_vertex.lat_e7 == square[0].lat_e7 && e.first_vertex.lon_e7 == square[0].lon_e7);
  const parley_event_kind conflict = PARLEY_EVENT_NOTICES_CONFLICT;
  for (int i = 0; i < 3; ++i) {
    CHECK(device_wait(h.all[i], match_kind, &conflict, kWait, &e));
    const int il_first = same_id(&e.id, &il_id);
    CHECK(il_first ? same_id(&e.other_id, &sy_id) : (same_id(&e.id, &sy_id) && same_id(&e.other_id, &il_id)));
    CHECK(strcmp(e.party, il_first ? "IL" : "SY") == 0 && strcmp(e.other_party, il_first ? "SY" : "IL") == 0);
    CHECK(strcmp(e.peer_user, il_first ? "il_officer" : "sy_officer") == 0);
    CHECK(strcmp(e.other_user, il_first ? "sy_officer" : "il_officer") == 0);
    CHECK(same_cell(&e, &h.cell) && strcmp(e.channel, ch) == 0);
  }
  /* IL's second notice right after SY's window conflicts with nothing of SY's. */
  parley_notice later = circle;
  later.start_ms = start + 3 * hour;
  later.end_ms = start + 4 * hour;
  parley_message_id later_id;
  CHECK_OK(parley_channel_post_notice(h.il.client, h.cell, ch, &later, PARLEY_PRECEDENCE_ROUTINE, &later_id, &err), &err);
  for (int tries = 0; tries < 400 && (device_count(&h.sy, match_kind, &received) < 2 ||
                                      device_count(&h.us, match_kind, &received) < 3);
       ++tries)
    usleep(50 * 1000);
  CHECK(device_count(&h.sy, match_kind, &received) == 2 && device_count(&h.us, match_kind, &received) == 3);
  for (int i = 0; i < 3; ++i) CHECK(device_count(h.all[i], match_kind, &conflict) == 1);

  /* Each device lists the three notices by sending time, the pair naming each other. */
  for (int i = 0; i < 3; ++i) {
    parley_notice_list* list = NULL;
    CHECK_OK(parley_channel_notices(h.all[i]->client, h.cell, ch, &list, &err), &err);
    CHECK(parley_notice_list_count(list) == 3);
    for (size_t k = 0; k < parley_notice_list_count(list); ++k) {
      const parley_notice_entry* n = parley_notice_list_at(list, k);
      CHECK(n && n->struct_size == sizeof *n && n->notice && n->notice->struct_size == sizeof(parley_notice));
      if (!n || !n->notice) continue;
      if (same_id(&n->ref.id, &il_id)) {
        CHECK(strcmp(n->party, "IL") == 0 && n->conflict_count == 1 && same_id(&n->conflicts[0].id, &sy_id));
        CHECK(n->notice->area.kind == PARLEY_AREA_CIRCLE && n->notice->area.radius_m == 5000);
      } else if (same_id(&n->ref.id, &sy_id)) {
        CHECK(strcmp(n->party, "SY") == 0 && n->conflict_count == 1 && same_id(&n->conflicts[0].id, &il_id));
        CHECK(strcmp(n->conflicts[0].sender.user, "il_officer") == 0);
        CHECK(n->notice->area.vertex_count == 4 && memcmp(n->notice->area.vertices, square, sizeof square) == 0);
        CHECK(n->notice->description_len == 9 && memcmp(n->notice->description, "SY patrol", 9) == 0);
      } else {
        CHECK(same_id(&n->ref.id, &later_id) && n->conflict_count == 0 && n->conflicts == NULL);
        CHECK(n->notice->start_ms == start + 3 * hour);
      }
    }
    parley_notice_list_free(list);
  }

  /* A notice waits for acknowledgement like any message of the channel. */
  parley_ack_status* acks = NULL;
  CHECK_OK(parley_channel_ack_status(h.il.client, h.cell, ch, device_address(&h.il), il_id, &acks, &err), &err);
  CHECK(parley_ack_status_count(acks) == 1 && parley_ack_status_at(acks, 0)->state == PARLEY_ACK_PENDING);
  parley_ack_status_free(acks);
  CHECK_OK(parley_channel_acknowledge(h.sy.client, h.cell, ch, device_address(&h.il), il_id, NULL, &err), &err);
  const parley_event_kind acked = PARLEY_EVENT_ACKNOWLEDGEMENT_RECEIVED;
  CHECK(device_wait(&h.il, match_kind, &acked, kWait, &e));
  CHECK(same_id(&e.id, &il_id) && strcmp(e.party, "SY") == 0);

  /* Refusals: a channel without acknowledgements, and an area the rules refuse. */
  CHECK_STATUS(PARLEY_E_INVALID_ARGUMENT,
               parley_channel_post_notice(h.il.client, h.cell, "intel", &circle, PARLEY_PRECEDENCE_ROUTINE, NULL, &err),
               &err);
  CHECK_MESSAGE(err, "ack_required");
  parley_notice bad = circle;
  bad.area.radius_m = 0;
  CHECK_STATUS(PARLEY_E_HOTLINE_INVALID_AREA,
               parley_channel_post_notice(h.il.client, h.cell, ch, &bad, PARLEY_PRECEDENCE_ROUTINE, NULL, &err), &err);

  hotline_cell_stop(&h);
  world_stop(&w);
}

/* What the callback saw when it broke the threading rule, and that thread-safe calls work there. */
typedef struct rule_probe {
  parley_client* client;
  pthread_mutex_t mutex;
  int done;
  parley_status stop, start, set_callback, identity;
  size_t key_len;
} rule_probe;

static void probing_callback(const parley_event* event, void* user) {
  rule_probe* probe = user;
  if (event->kind != PARLEY_EVENT_CONNECTED) return;
  pthread_mutex_lock(&probe->mutex);
  if (!probe->done) {
    parley_error err;
    probe->stop = parley_client_stop(probe->client, &err);
    probe->start = parley_client_start(probe->client, &err);
    probe->set_callback = parley_client_set_event_callback(probe->client, NULL, NULL, &err);
    parley_client_destroy(probe->client); /* refused: does nothing */
    parley_buffer key = {0};
    probe->identity = parley_client_identity_key(probe->client, &key, &err);
    probe->key_len = key.len;
    parley_buffer_free(&key);
    probe->done = 1;
  }
  pthread_mutex_unlock(&probe->mutex);
}

static void callback_thread_rule(void) {
  world w;
  if (!world_start(&w)) {
    CHECK(!"relay started");
    return;
  }
  parley_error err;
  device d;
  CHECK_OK(device_open(&d, &w.dir, "prober", w.relay.port, &err), &err);
  rule_probe probe;
  memset(&probe, 0, sizeof probe);
  probe.client = d.client;
  pthread_mutex_init(&probe.mutex, NULL);
  CHECK_OK(parley_client_set_event_callback(d.client, probing_callback, &probe, &err), &err);
  CHECK_OK(parley_client_start(d.client, &err), &err);
  int done = 0;
  for (int i = 0; i < kWait / 10 && !done; ++i) {
    usleep(10000);
    pthread_mutex_lock(&probe.mutex);
    done = probe.done;
    pthread_mutex_unlock(&probe.mutex);
  }
  CHECK(done);
  CHECK(probe.stop == PARLEY_E_INVALID_ARGUMENT);
  CHECK(probe.start == PARLEY_E_INVALID_ARGUMENT);
  CHECK(probe.set_callback == PARLEY_E_INVALID_ARGUMENT);
  CHECK(probe.identity == PARLEY_OK && probe.key_len == 33);
  /* The client survived the refused destroy and stops normally from this thread. */
  CHECK_OK(parley_client_stop(d.client, &err), &err);
  device_close(&d);
  pthread_mutex_destroy(&probe.mutex);
  world_stop(&w);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH/TO/parley-relay [test...]\n", argv[0]);
    return 2;
  }
  g_relay_binary = argv[1];
  static const check_test tests[] = {
      {"direct_messages", direct_messages},
      {"cell_conversation", cell_conversation},
      {"acknowledgements", acknowledgements},
      {"incidents", incidents},
      {"notices", notices},
      {"callback_thread_rule", callback_thread_rule},
  };
  return check_run(tests, (int)(sizeof tests / sizeof tests[0]), argc, argv, 2);
}
