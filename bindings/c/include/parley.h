/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * parley.h — the C ABI of the Parley SDK (C11). The single public header for applications
 * not written in C++; the Python binding and other languages bind to exactly this.
 *
 * Conventions (docs/c-api.md has the full reference):
 *  - Functions are parley_<object>_<verb>. Fallible ones return a parley_status (PARLEY_OK = 0)
 *    and take an optional `parley_error* err` last: when not NULL it receives the code and a
 *    message naming what was wrong. No C++ exception ever leaves a parley_* function.
 *  - Handles (parley_client and the lists: parley_history, parley_cell_list,
 *    parley_ack_status, parley_incident_list, parley_notice_list) are opaque; each has one
 *    function that releases it. Releasing NULL is a no-op.
 *  - Inputs are borrowed for the duration of the call only: NUL-terminated UTF-8 for names
 *    (users, parties, channels, paths), (pointer, length) slices for text and key bytes.
 *  - Outputs the library allocates (parley_buffer and the lists) are released with their
 *    free function, which also overwrites their texts.
 *  - Option structs carry their size in `struct_size` (first field); fill them with their
 *    parley_*_init function, then set the fields you need. A newer library accepts structs
 *    from an older header; a struct smaller than version 1 is refused.
 *  - Structs the library hands out (events, history entries, incidents, notices and notice
 *    entries) may grow at their end in later versions; read their `struct_size` before reading
 *    a field added later.
 *
 * Threading: see "Threads" below parley_client_set_event_callback.
 */
#ifndef PARLEY_H
#define PARLEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PARLEY_BUILDING_LIBRARY) && defined(__GNUC__)
#define PARLEY_API __attribute__((visibility("default")))
#else
#define PARLEY_API
#endif

#define PARLEY_VERSION_MAJOR 0
#define PARLEY_VERSION_MINOR 1
#define PARLEY_VERSION_PATCH 0

/* ------------------------------------------------------------------ status codes -------- */

/* The numbers and names are those of PARLEY_ERROR_CODES (sdk/include/parley/error.hpp), the
 * table the relay also uses on the wire. The block below is generated from that table and the
 * build fails if it drifts (bindings/c/tools/status_block.cpp). Numbers never change. */
/* BEGIN GENERATED parley_status */
typedef enum parley_status {
  PARLEY_OK = 0, /* success */
  PARLEY_E_INVALID_ARGUMENT = 1, /* an argument was out of range or malformed */
  PARLEY_E_INTERNAL = 2, /* an internal invariant failed */
  PARLEY_E_OUT_OF_MEMORY = 3, /* allocation failed */
  PARLEY_E_CRYPTO = 4, /* a cryptographic primitive failed */
  PARLEY_E_STORE_WRONG_KEY = 20, /* the store key or passphrase does not open this file */
  PARLEY_E_STORE_IO = 21, /* the store file could not be read or written */
  PARLEY_E_STORE_CORRUPT = 22, /* the store holds data that does not parse */
  PARLEY_E_STORE_NOT_FOUND = 23, /* the requested record is not in the store */
  PARLEY_E_MALFORMED_FRAME = 40, /* a frame failed schema verification */
  PARLEY_E_UNSUPPORTED_VERSION = 41, /* a frame or envelope has a version this build does not speak */
  PARLEY_E_TRUNCATED = 42, /* a buffer ended before its declared contents */
  PARLEY_E_FRAME_TOO_LARGE = 43, /* a frame exceeds the size limit */
  PARLEY_E_DUPLICATE_MESSAGE = 60, /* the message was already decrypted */
  PARLEY_E_BAD_MAC = 61, /* the message authentication code did not verify */
  PARLEY_E_NO_SESSION = 62, /* there is no session with the sender */
  PARLEY_E_UNTRUSTED_IDENTITY = 63, /* the peer's identity key changed */
  PARLEY_E_INVALID_MESSAGE = 64, /* the ciphertext does not parse */
  PARLEY_E_INVALID_KEY = 65, /* a key is malformed or unknown */
  PARLEY_E_INVALID_SIGNATURE = 66, /* a signature did not verify */
  PARLEY_E_NOT_AUTHENTICATED = 80, /* the connection has not authenticated */
  PARLEY_E_AUTH_FAILED = 81, /* authentication failed */
  PARLEY_E_UNKNOWN_DEVICE = 82, /* the device is not registered at the relay */
  PARLEY_E_DEVICE_EXISTS = 83, /* the device is registered with another identity key */
  PARLEY_E_LIMIT_EXCEEDED = 84, /* a relay limit was exceeded */
  PARLEY_E_MAILBOX_FULL = 85, /* a recipient's mailbox is full */
  PARLEY_E_PROTOCOL_VIOLATION = 86, /* the peer broke the relay protocol */
  PARLEY_E_NOT_CONNECTED = 87, /* there is no connection to the relay */
  PARLEY_E_TIMEOUT = 88, /* the operation did not complete in time */
  PARLEY_E_CLOSED = 89, /* the object was closed */
  PARLEY_E_INVITE_REQUIRED = 90, /* the relay registers new devices only with an invite token */
  PARLEY_E_INVITE_INVALID = 91, /* the invite token is unknown, used up, expired or revoked */
  PARLEY_E_RATE_LIMITED = 92, /* a relay rate limit was exceeded; retry later */
  PARLEY_E_STORAGE_FULL = 93, /* the relay's storage is full; retry later */
  PARLEY_E_CHARTER_WRONG_CELL = 100, /* a charter commit belongs to another cell */
  PARLEY_E_CHARTER_OUT_OF_ORDER = 101, /* a charter commit is not for the next epoch */
  PARLEY_E_CHARTER_BROKEN_CHAIN = 102, /* a charter commit does not extend the current head */
  PARLEY_E_CHARTER_NOT_AUTHORIZED = 103, /* the signer may not make this charter change */
  PARLEY_E_CHARTER_INVALID_OPERATION = 104, /* a charter operation conflicts with the cell state */
  PARLEY_E_CHARTER_BUFFER_FULL = 105, /* too many early charter commits are waiting */
  PARLEY_E_CHARTER_CONSENT_MISSING = 106, /* a charter commit widens readers without the parties' consent */
  PARLEY_E_CELL_UNKNOWN = 110, /* this device is not a member of that cell */
  PARLEY_E_CELL_PERMISSION_DENIED = 111, /* the charter does not allow this on that channel */
  PARLEY_E_CELL_EQUIVOCATION = 112, /* the supervisor showed different charters for one epoch */
  PARLEY_E_CELL_EPOCH_STALE = 113, /* a post names a charter epoch older than the freshness window */
  PARLEY_E_CELL_EPOCH_BEHIND = 114, /* this device lacks a charter epoch it has heard of */
  PARLEY_E_CELL_COMMITS_WITHHELD = 115, /* charter commits this device asked for did not arrive */
  PARLEY_E_CELL_POSTS_WITHHELD = 116, /* a poster left out posts this device may read, without proof */
  PARLEY_E_CELL_SUPERVISOR_SILENT = 117, /* no supervisor device of the cell was heard from for too long */
  PARLEY_E_HOTLINE_UNKNOWN_MESSAGE = 120, /* the referenced channel message is not known */
  PARLEY_E_HOTLINE_NOT_READER = 121, /* the device may not read that channel at that epoch */
  PARLEY_E_HOTLINE_PARTY_NOT_REQUIRED = 122, /* that party is not asked to acknowledge the message */
  PARLEY_E_HOTLINE_INVALID_AREA = 123, /* a deconfliction area is degenerate or out of range */
  PARLEY_E_HOTLINE_NOT_ATTESTED = 124, /* the channel is not attested */
  PARLEY_E_HOTLINE_TRANSCRIPT_INVALID = 125, /* a transcript cannot be checked */
} parley_status;
/* END GENERATED parley_status */

/* The table's stable name of a code ("store_wrong_key"), or "unknown". Never NULL; static. */
PARLEY_API const char* parley_status_name(parley_status code);
/* The table's one-line description of a code, or "unknown error code". Never NULL; static. */
PARLEY_API const char* parley_status_description(parley_status code);

#define PARLEY_ERROR_MESSAGE_MAX 512

/* Details of a failure. Caller-owned (usually on the stack); nothing to free. On success the
 * library sets code = PARLEY_OK and message = "". A longer message is cut at the limit. */
typedef struct parley_error {
  parley_status code;
  char message[PARLEY_ERROR_MESSAGE_MAX]; /* NUL-terminated; never plaintext or key material */
} parley_error;

/* "0.1.0": the library's version (compare with the PARLEY_VERSION_* macros). Static. */
PARLEY_API const char* parley_version(void);

/* ------------------------------------------------------------------ values -------------- */

/* A device: user name (1-64 bytes) and device number (1..2^31-1). In inputs `user` is
 * borrowed; in outputs it points into the event or entry that holds it. */
typedef struct parley_address {
  const char* user;
  uint32_t device;
} parley_address;

typedef struct parley_message_id {
  uint8_t bytes[16];
} parley_message_id;

/* A cell's 16-byte random identifier. */
typedef struct parley_cell_id {
  uint8_t bytes[16];
} parley_cell_id;

/* Bytes the library allocated. Release with parley_buffer_free. */
typedef struct parley_buffer {
  uint8_t* data;
  size_t len;
} parley_buffer;

/* Overwrites the bytes with zeros, frees them and resets the buffer to {NULL, 0}. NULL-safe. */
PARLEY_API void parley_buffer_free(parley_buffer* buffer);

/* ------------------------------------------------------------------ client -------------- */

typedef struct parley_client parley_client;

typedef enum parley_store_key_kind {
  PARLEY_STORE_KEY_RAW = 1,        /* 32 bytes used directly as the SQLCipher key */
  PARLEY_STORE_KEY_PASSPHRASE = 2  /* any bytes; Parley derives the key (scrypt; salt in <store_path>.kdf) */
} parley_store_key_kind;

typedef struct parley_client_options {
  size_t struct_size;           /* sizeof(parley_client_options): set by the init function */
  parley_address address;       /* this device (required) */
  const char* store_path;       /* SQLCipher file, created on first open (required) */
  parley_store_key_kind store_key_kind;
  const uint8_t* store_key;     /* the raw key (32 bytes) or the passphrase bytes (required) */
  size_t store_key_len;
  const char* relay_host;       /* default "127.0.0.1" (NULL means the default) */
  uint16_t relay_port;          /* required */
  uint32_t reconnect_initial_ms; /* default 200: first retry delay, doubled per failure ... */
  uint32_t reconnect_max_ms;    /* default 5000: ... up to this, with random jitter */
  uint32_t initial_prekeys;     /* default 100: one-time prekeys made on first run */
  uint32_t deadline_tick_ms;    /* default 60000: longest sleep between timer checks (deadlines are armed exactly) */
  /* Version 2: TLS and invites. A version-1 struct (it ends at deadline_tick_ms) connects over
   * plain ws:// without a token, as before. */
  bool relay_tls;                /* default false: connect over wss:// and verify the relay's certificate */
  const char* relay_ca_file;     /* PEM file of the roots the certificate must chain to; NULL: the system's */
  const char* relay_cert_sha256; /* optional pin: SHA-256 of the relay's certificate (DER), 64 hex digits,
                                    colons allowed; any other certificate is refused. NULL: no pin */
  const char* invite_token;      /* the token the relay's operator minted, sent when this device
                                    registers; NULL: none (a relay with open registration) */
} parley_client_options;

/* Zeroes `options`, sets struct_size and the defaults above. NULL-safe. */
PARLEY_API void parley_client_options_init(parley_client_options* options);

/* Opens the device's store (creating the identity on first use) and returns a stopped client.
 * Errors: INVALID_ARGUMENT (NULL or too-small options, bad address, missing path/key/port,
 * raw key not 32 bytes, store belonging to another device, a pin that is not 64 hex digits,
 * relay_ca_file or relay_cert_sha256 without relay_tls), STORE_WRONG_KEY, STORE_IO,
 * STORE_CORRUPT. On failure *out is set to NULL. A certificate the client refuses, or an
 * invite the relay refuses, is not an error here: the client retries with backoff; a refused
 * invite arrives as PROTOCOL_ERROR (INVITE_REQUIRED / INVITE_INVALID), a refused certificate
 * only as the absence of CONNECTED (no event yet names it). */
PARLEY_API parley_status parley_client_open(const parley_client_options* options, parley_client** out,
                                            parley_error* err);

/* Stops the client (as parley_client_stop) and releases it. NULL-safe. Must not be called from
 * an event callback: there it does nothing (the client is left running) because the network
 * thread cannot join itself. */
PARLEY_API void parley_client_destroy(parley_client* client);

/* This device's address; `user` points into the client and lives as long as it. */
PARLEY_API parley_status parley_client_address(const parley_client* client, parley_address* out, parley_error* err);

/* This device's 33-byte identity public key (what a supervisor puts in the charter for it).
 * `out` receives a library-owned buffer: release it with parley_buffer_free. */
PARLEY_API parley_status parley_client_identity_key(const parley_client* client, parley_buffer* out,
                                                    parley_error* err);

/* ------------------------------------------------------------------ cell values --------- */

/* 32 bytes: a cell's genesis hash or an identity key's fingerprint (docs/protocol.md "Joining"). */
typedef struct parley_digest {
  uint8_t bytes[32];
} parley_digest;

typedef enum parley_role {
  PARLEY_ROLE_SUPERVISOR = 1,
  PARLEY_ROLE_PARTY_ADMIN = 2,
  PARLEY_ROLE_MEMBER = 3,
  PARLEY_ROLE_OBSERVER = 4
} parley_role;

/* A device of a cell: its address, party, role (used when its user is new to the cell) and
 * its 33-byte identity public key, as exchanged out of band (parley_client_identity_key). */
typedef struct parley_cell_member {
  parley_address device;
  const char* party;
  parley_role role;
  const uint8_t* identity_key;
  size_t identity_key_len;
} parley_cell_member;

typedef struct parley_role_change {
  const char* user;
  parley_role role;
} parley_role_change;

/* Membership changes of one party, as a party admin proposes them (parley_cell_propose) and a
 * supervisor sees them (PARLEY_EVENT_PROPOSAL_RECEIVED). Arrays may be NULL when empty. */
typedef struct parley_cell_proposal {
  size_t struct_size;
  const parley_cell_member* add;
  size_t add_count;
  const parley_address* remove;
  size_t remove_count;
  const parley_role_change* roles;
  size_t role_count;
} parley_cell_proposal;

/* Handling precedence of a channel message (inside the ciphertext). On an ack_required channel
 * an acknowledgement is due within min(the channel's deadline, the precedence's limit):
 * ROUTINE 6 h, PRIORITY 3 h, IMMEDIATE 30 min, FLASH 10 min. */
typedef enum parley_precedence {
  PARLEY_PRECEDENCE_ROUTINE = 1,
  PARLEY_PRECEDENCE_PRIORITY = 2,
  PARLEY_PRECEDENCE_IMMEDIATE = 3,
  PARLEY_PRECEDENCE_FLASH = 4
} parley_precedence;

/* Where a required party stands on acknowledging one message. */
typedef enum parley_ack_state {
  PARLEY_ACK_PENDING = 1,
  PARLEY_ACK_ACKNOWLEDGED = 2,
  PARLEY_ACK_LATE = 3,
  PARLEY_ACK_OVERDUE = 4
} parley_ack_state;

/* First 16 bytes of SHA-256 over the signed proposal. */
typedef struct parley_proposal_id {
  uint8_t bytes[16];
} parley_proposal_id;

/* ------------------------------------------------------------------ hotline values ------ */

/* One channel message, named the way receivers de-duplicate it: sender device and its id. */
typedef struct parley_message_ref {
  parley_address sender;
  parley_message_id id;
} parley_message_ref;

/* A WGS-84 point in fixed point: degrees * 10^7 (about 1 cm). Latitude within +-80 degrees. */
typedef struct parley_geo_point {
  int32_t lat_e7;
  int32_t lon_e7;
} parley_geo_point;

typedef enum parley_area_kind {
  PARLEY_AREA_CIRCLE = 1, /* center, radius_m (1 m .. 500 km) */
  PARLEY_AREA_POLYGON = 2 /* vertices: 3..64, simple, non-zero area, spanning at most 1,000 km */
} parley_area_kind;

/* The area of a deconfliction notice (docs/hotline.md "Deconfliction notices"). Only the
 * fields of `kind` are read; the polygon is implicitly closed, in either orientation. */
typedef struct parley_area {
  parley_area_kind kind;
  parley_geo_point center;          /* CIRCLE */
  uint32_t radius_m;                /* CIRCLE */
  const parley_geo_point* vertices; /* POLYGON; NULL only when vertex_count is 0 */
  size_t vertex_count;
} parley_area;

/* Planned activity in an area during [start_ms, end_ms) (ms since the Unix epoch, at most 366
 * days; back-to-back windows do not overlap), which the other parties must acknowledge. As an
 * input (parley_channel_post_notice) fill it with parley_notice_init; as an output (events,
 * parley_notice_entry) it is owned by what holds it. */
typedef struct parley_notice {
  size_t struct_size;
  parley_area area;
  int64_t start_ms;
  int64_t end_ms;
  const uint8_t* description; /* UTF-8 (up to 4 KiB), not NUL-terminated */
  size_t description_len;
} parley_notice;

typedef enum parley_severity {
  PARLEY_SEVERITY_LOW = 1,
  PARLEY_SEVERITY_MEDIUM = 2,
  PARLEY_SEVERITY_HIGH = 3,
  PARLEY_SEVERITY_CRITICAL = 4
} parley_severity;

/* An incident's 16-byte random id (docs/hotline.md "Incidents"). */
typedef struct parley_incident_id {
  uint8_t bytes[16];
} parley_incident_id;

/* ------------------------------------------------------------------ events -------------- */

typedef enum parley_event_kind {
  PARLEY_EVENT_CONNECTED = 1,          /* count = one-time prekeys remaining at the relay */
  PARLEY_EVENT_DISCONNECTED = 2,       /* error_* = why; the client reconnects by itself */
  PARLEY_EVENT_MESSAGE_RECEIVED = 3,   /* peer = sender, id, sent_at_ms, text */
  PARLEY_EVENT_MESSAGE_SENT = 4,       /* peer = recipient, id: durable at the relay */
  PARLEY_EVENT_SEND_FAILED = 5,        /* peer = recipient, id, error_*: will not be delivered */
  PARLEY_EVENT_DECRYPT_FAILED = 6,     /* peer = sender, error_* */
  PARLEY_EVENT_PREKEYS_REPLENISHED = 7, /* count = one-time prekeys uploaded */
  PARLEY_EVENT_PROTOCOL_ERROR = 8,     /* error_* */
  PARLEY_EVENT_CHANNEL_MESSAGE_RECEIVED = 9, /* cell, channel, peer = sender, id, epoch, sent_at_ms, text */
  PARLEY_EVENT_CHARTER_CHANGED = 10,   /* cell, epoch, joined */
  PARLEY_EVENT_PERMISSION_DENIED = 11, /* cell, channel, peer = sender, error_* */
  PARLEY_EVENT_SECURITY_ALERT = 12,    /* cell, peer, epoch, error_*, applied/conflicting proof */
  PARLEY_EVENT_PROPOSAL_RECEIVED = 13, /* cell, peer = proposer, epoch = base epoch, proposal_id, proposal */
  PARLEY_EVENT_ACKNOWLEDGEMENT_RECEIVED = 14, /* cell, channel, peer = sender of the message, id, party, by */
  PARLEY_EVENT_MESSAGE_OVERDUE = 15,   /* cell, channel, peer = sender, id, party, deadline_ms */
  PARLEY_EVENT_ESCALATION_RECEIVED = 16, /* supervisors: cell, channel, peer = escalating sender, id, party, deadline_ms */
  PARLEY_EVENT_INCIDENT_UPDATED = 17,  /* cell, channel, incident, peer = device of the operation, id = its message */
  PARLEY_EVENT_NOTICE_RECEIVED = 18,   /* cell, channel, peer = sender, id, party, sent_at_ms, precedence, notice, text = its description */
  PARLEY_EVENT_NOTICES_CONFLICT = 19,  /* cell, channel, peer/id/party = first notice, other/other_id/other_party = second */
  PARLEY_EVENT_INVITATION_RECEIVED = 20 /* cell, peer = inviting supervisor device, epoch, text = cell name,
                                           party = supervisor party, genesis, fingerprint: NOT joined */
} parley_event_kind;

/* One event. Every pointer in it (and the struct itself) is valid only during the callback:
 * copy what you keep. Fields a kind does not use are zero / NULL / "". */
typedef struct parley_event {
  size_t struct_size; /* sizeof(parley_event) of the library that made it */
  parley_event_kind kind;
  parley_address peer;
  parley_message_id id;
  parley_cell_id cell;
  const char* channel; /* "" when unused */
  uint64_t epoch;
  int64_t sent_at_ms; /* sender's clock, ms since the Unix epoch */
  const uint8_t* text; /* UTF-8, not NUL-terminated */
  size_t text_len;
  uint32_t count;
  bool joined;
  parley_status error_code; /* PARLEY_OK when unused */
  const char* error_message; /* "" when unused */
  const uint8_t* applied; /* SECURITY_ALERT equivocation proof: the two signed commits */
  size_t applied_len;
  const uint8_t* conflicting;
  size_t conflicting_len;
  parley_proposal_id proposal_id;        /* PROPOSAL_RECEIVED */
  const parley_cell_proposal* proposal;  /* PROPOSAL_RECEIVED: the proposed changes */
  parley_precedence precedence; /* CHANNEL_MESSAGE_RECEIVED; 0 otherwise */
  const char* party;            /* ACKNOWLEDGEMENT_RECEIVED, MESSAGE_OVERDUE, ESCALATION_RECEIVED; "" otherwise */
  parley_address by;            /* ACKNOWLEDGEMENT_RECEIVED: the device that acknowledged for `party` */
  int64_t deadline_ms;          /* MESSAGE_OVERDUE, ESCALATION_RECEIVED */
  parley_incident_id incident;  /* INCIDENT_UPDATED */
  parley_address other;         /* NOTICES_CONFLICT: the second notice's sender */
  parley_message_id other_id;
  const char* other_party;      /* "" when unused */
  const parley_notice* notice;  /* NOTICE_RECEIVED: area, window and description; NULL otherwise */
  parley_digest genesis;        /* INVITATION_RECEIVED: pass to parley_client_accept_invitation */
  parley_digest fingerprint;    /* INVITATION_RECEIVED: of the key that signed the cell's genesis */
} parley_event;

typedef void (*parley_event_fn)(const parley_event* event, void* user);

/* Sets (or, with fn = NULL, clears) the function that receives every event, with `user`
 * passed back unchanged. Only while the client is stopped: INVALID_ARGUMENT otherwise. */
PARLEY_API parley_status parley_client_set_event_callback(parley_client* client, parley_event_fn fn, void* user,
                                                          parley_error* err);

/*
 * Threads
 *  - Callbacks run on the client's network thread, one event at a time. Return quickly.
 *  - parley_client_open, _destroy, _start, _stop and _set_event_callback manage the client's
 *    life: call them from one thread at a time and never from a callback (there they fail
 *    with INVALID_ARGUMENT, or for _destroy do nothing).
 *  - Every other function taking a client is thread-safe, also inside a callback, as long as
 *    the client is not being destroyed concurrently.
 *  - parley_history, parley_cell_list, parley_ack_status, parley_incident_list,
 *    parley_notice_list and parley_buffer values are plain data: use each from one thread at a
 *    time.
 */

/* Starts the network thread: connect, register or authenticate, and stay connected
 * (reconnecting with backoff) until stopped. INVALID_ARGUMENT if already started. */
PARLEY_API parley_status parley_client_start(parley_client* client, parley_error* err);

/* Closes the connection and joins the network thread; no callback runs after it returns.
 * A stopped client may be started again. Stopping a stopped client is a no-op. */
PARLEY_API parley_status parley_client_stop(parley_client* client, parley_error* err);

/* Sends a direct (pairwise) message. Returns once it is durable in the local store; progress
 * arrives as MESSAGE_SENT or SEND_FAILED events. `id` may be NULL.
 * Errors: INVALID_ARGUMENT (bad address), store errors. */
PARLEY_API parley_status parley_client_send_text(parley_client* client, parley_address to, const uint8_t* text,
                                                 size_t text_len, parley_message_id* id, parley_error* err);

/* ------------------------------------------------------------------ cells --------------- */

/* The standard template: this device becomes the supervisor device of `supervisor_party`;
 * channels intel, deescalation, diplomatic and commercial, read by the three parties and
 * posted on by the two parties. */
typedef struct parley_cell_template {
  size_t struct_size;
  const char* name;             /* default "IL-SY coordination" */
  const char* supervisor_party; /* default "US" */
  const char* parties[2];       /* default "IL", "SY" */
  const parley_cell_member* members; /* the other devices; may be NULL when count is 0 */
  size_t member_count;
} parley_cell_template;

PARLEY_API void parley_cell_template_init(parley_cell_template* cell_template);

/* Creates a cell from the template with this device as its supervisor device and sends a
 * welcome to every member. Errors: INVALID_ARGUMENT or CHARTER_INVALID_OPERATION for a
 * template the charter rules refuse (duplicate device or key, bad names). */
PARLEY_API parley_status parley_cell_create(parley_client* client, const parley_cell_template* cell_template,
                                            parley_cell_id* out, parley_error* err);

/* Governance changes: this device must be a supervisor device of the cell
 * (CHARTER_NOT_AUTHORIZED otherwise); CELL_UNKNOWN if this device is not in the cell;
 * CHARTER_INVALID_OPERATION for a change the cell's state refuses. Each returns once the
 * commit is durable locally; other devices learn it through CHARTER_CHANGED events. */
PARLEY_API parley_status parley_cell_add_member(parley_client* client, parley_cell_id cell,
                                                const parley_cell_member* member, parley_error* err);
PARLEY_API parley_status parley_cell_remove_member(parley_client* client, parley_cell_id cell,
                                                   parley_address device, parley_error* err);
PARLEY_API parley_status parley_cell_set_role(parley_client* client, parley_cell_id cell, const char* user,
                                              parley_role role, parley_error* err);

/* Party-admin proposals: a party admin proposes changes within its own party; the cell's
 * supervisor devices get PARLEY_EVENT_PROPOSAL_RECEIVED and accept (commit) or reject it. */
PARLEY_API void parley_cell_proposal_init(parley_cell_proposal* proposal);
/* Signs the changes and sends them to the supervisor devices; `id` may be NULL. Errors:
 * CHARTER_NOT_AUTHORIZED (not a party admin, or a change outside its party),
 * CHARTER_INVALID_OPERATION (a change that does not apply), CELL_UNKNOWN, INVALID_ARGUMENT. */
PARLEY_API parley_status parley_cell_propose(parley_client* client, parley_cell_id cell,
                                             const parley_cell_proposal* proposal, parley_proposal_id* id,
                                             parley_error* err);
/* Supervisor devices: commits a received proposal (validated again against the current
 * charter) or forgets it. Errors: CELL_UNKNOWN, STORE_NOT_FOUND (no such pending proposal),
 * and the charter errors of parley_cell_add_member. */
PARLEY_API parley_status parley_cell_accept_proposal(parley_client* client, parley_cell_id cell,
                                                     parley_proposal_id id, parley_error* err);
PARLEY_API parley_status parley_cell_reject_proposal(parley_client* client, parley_cell_id cell,
                                                     parley_proposal_id id, parley_error* err);

/* Joining (docs/protocol.md "Joining"). A Welcome joins this device to a cell only if it
 * matches an anchor given here, out of band: "parley-cell:<64 hex>" (one cell, from
 * parley_cell_join_anchor on any member) or "parley-supervisor:<64 hex>" (any cell whose genesis
 * that supervisor device signed, from its parley_client_supervisor_anchor). Pending invitations
 * the anchor matches join at once. Any other Welcome raises PARLEY_EVENT_INVITATION_RECEIVED and
 * waits: compare its fingerprint (parley_fingerprint_digits) with what you were told, then
 * accept or decline it by its genesis. Anchor texts fit in PARLEY_JOIN_ANCHOR_MAX bytes.
 * Errors: INVALID_ARGUMENT (bad anchor text, `out` too small), CELL_UNKNOWN, STORE_NOT_FOUND
 * (no such invitation), UNTRUSTED_IDENTITY (the kept Welcome no longer passes its checks; it
 * is dropped). */
#define PARLEY_JOIN_ANCHOR_MAX 96
PARLEY_API parley_status parley_client_add_join_anchor(parley_client* client, const char* anchor, parley_error* err);
PARLEY_API parley_status parley_client_supervisor_anchor(const parley_client* client, char* out, size_t out_size,
                                                         parley_error* err);
PARLEY_API parley_status parley_cell_join_anchor(const parley_client* client, parley_cell_id cell, char* out,
                                                 size_t out_size, parley_error* err);
PARLEY_API parley_status parley_client_accept_invitation(parley_client* client, parley_digest genesis,
                                                         parley_error* err);
PARLEY_API parley_status parley_client_decline_invitation(parley_client* client, parley_digest genesis,
                                                          parley_error* err);
/* Six groups of five digits (35 bytes with the NUL) for people to read aloud and compare. */
#define PARLEY_FINGERPRINT_DIGITS_MAX 36
PARLEY_API parley_status parley_fingerprint_digits(parley_digest fingerprint, char* out, size_t out_size,
                                                   parley_error* err);

/* Cells this device is (or was) a member of. Release with parley_cell_list_free. */
typedef struct parley_cell_list parley_cell_list;
PARLEY_API parley_status parley_client_list_cells(const parley_client* client, parley_cell_list** out,
                                                  parley_error* err);
PARLEY_API size_t parley_cell_list_count(const parley_cell_list* list); /* 0 for NULL */
/* The index-th cell id, or NULL when index >= count. Owned by the list. */
PARLEY_API const parley_cell_id* parley_cell_list_at(const parley_cell_list* list, size_t index);
PARLEY_API void parley_cell_list_free(parley_cell_list* list);

/* ------------------------------------------------------------------ channels ------------ */

typedef enum parley_grant_kind {
  PARLEY_GRANT_PARTY = 1,  /* name = party */
  PARLEY_GRANT_USER = 2,   /* name = user */
  PARLEY_GRANT_DEVICE = 3  /* name = user, device = device number */
} parley_grant_kind;

typedef struct parley_grant {
  parley_grant_kind kind;
  const char* name;
  uint32_t device;
} parley_grant;

typedef struct parley_channel_policy {
  size_t struct_size;
  const parley_grant* read; /* who may READ (gets the channel keys) */
  size_t read_count;
  const parley_grant* post; /* who may POST (checked by every receiver) */
  size_t post_count;
  bool ack_required;
  uint32_t ack_deadline_seconds;
  bool attested;
  uint64_t retention_seconds;
} parley_channel_policy;

PARLEY_API void parley_channel_policy_init(parley_channel_policy* policy);

/* Supervisor-only channel governance; errors as for parley_cell_add_member. */
PARLEY_API parley_status parley_channel_create(parley_client* client, parley_cell_id cell, const char* channel,
                                               const char* display_name, parley_error* err);
PARLEY_API parley_status parley_channel_archive(parley_client* client, parley_cell_id cell, const char* channel,
                                                parley_error* err);
/* A new display name for an existing channel (CHARTER_INVALID_OPERATION for no such channel). */
PARLEY_API parley_status parley_channel_rename(parley_client* client, parley_cell_id cell, const char* channel,
                                               const char* display_name, parley_error* err);
PARLEY_API parley_status parley_channel_set_policy(parley_client* client, parley_cell_id cell, const char* channel,
                                                   const parley_channel_policy* policy, parley_error* err);

/* Posts on a channel. Returns once the message is durable locally; `id` may be NULL.
 * Errors: CELL_UNKNOWN, CELL_PERMISSION_DENIED (no POST at the current epoch, or no such
 * channel), INVALID_ARGUMENT. */
PARLEY_API parley_status parley_channel_post(parley_client* client, parley_cell_id cell, const char* channel,
                                             const uint8_t* text, size_t text_len, parley_message_id* id,
                                             parley_error* err);

/* As parley_channel_post with a precedence (parley_channel_post posts ROUTINE). */
PARLEY_API parley_status parley_channel_post_with_precedence(parley_client* client, parley_cell_id cell,
                                                             const char* channel, const uint8_t* text, size_t text_len,
                                                             parley_precedence precedence, parley_message_id* id,
                                                             parley_error* err);

/* Acknowledges (sender, id) on an ack_required channel for this device's party. Never
 * automatic. `ack_id` (may be NULL) receives the id of the acknowledgement message. Errors:
 * CELL_UNKNOWN, HOTLINE_UNKNOWN_MESSAGE (not awaiting acknowledgement here),
 * HOTLINE_PARTY_NOT_REQUIRED, CELL_PERMISSION_DENIED (this device may not post there). */
PARLEY_API parley_status parley_channel_acknowledge(parley_client* client, parley_cell_id cell, const char* channel,
                                                    parley_address sender, parley_message_id id,
                                                    parley_message_id* ack_id, parley_error* err);

/* Each required party's state for (sender, id): empty if the message is not tracked here.
 * Release with parley_ack_status_free. */
typedef struct parley_party_ack {
  const char* party;
  parley_ack_state state;
} parley_party_ack;
typedef struct parley_ack_status parley_ack_status;
PARLEY_API parley_status parley_channel_ack_status(const parley_client* client, parley_cell_id cell,
                                                   const char* channel, parley_address sender, parley_message_id id,
                                                   parley_ack_status** out, parley_error* err);
PARLEY_API size_t parley_ack_status_count(const parley_ack_status* status); /* 0 for NULL */
/* The index-th party (sorted by name), or NULL when index >= count. Owned by the status. */
PARLEY_API const parley_party_ack* parley_ack_status_at(const parley_ack_status* status, size_t index);
PARLEY_API void parley_ack_status_free(parley_ack_status* status);

/* The attested posts of an `attested` channel sent in [from_ms, to_ms] (ms since the Unix
 * epoch; to_ms = 0 means now) with the charter needed to check every signer: one file that
 * `parley-verify` checks offline. `out` receives a library-owned buffer (parley_buffer_free).
 * Errors: CELL_UNKNOWN, HOTLINE_NOT_ATTESTED, LIMIT_EXCEEDED. */
PARLEY_API parley_status parley_channel_export_transcript(const parley_client* client, parley_cell_id cell,
                                                          const char* channel, int64_t from_ms, int64_t to_ms,
                                                          parley_buffer* out, parley_error* err);

/* One accepted channel message (own posts included). Owned by its parley_history. */
typedef struct parley_history_entry {
  size_t struct_size;
  const char* channel;
  parley_address sender;
  parley_message_id id;
  uint64_t epoch;
  int64_t sent_at_ms;
  int64_t received_at_ms;
  const uint8_t* text; /* UTF-8, not NUL-terminated */
  size_t text_len;
  parley_precedence precedence; /* later field: check struct_size before reading it */
} parley_history_entry;

typedef struct parley_history parley_history;

/* The channel's messages in the order this device saw them (own posts included). A cell or
 * channel this device has no messages of gives an empty history, not an error.
 * Release with parley_history_free. */
PARLEY_API parley_status parley_channel_history(const parley_client* client, parley_cell_id cell,
                                                const char* channel, parley_history** out, parley_error* err);
PARLEY_API size_t parley_history_count(const parley_history* history); /* 0 for NULL */
/* The index-th entry, or NULL when index >= count. */
PARLEY_API const parley_history_entry* parley_history_at(const parley_history* history, size_t index);
/* Overwrites every text with zeros and releases the history. NULL-safe. */
PARLEY_API void parley_history_free(parley_history* history);

/* ------------------------------------------------------------------ cell view ----------- */

/* A view of one cell as this device's charter says at its current epoch, computed by the SDK
 * (the same for C++, Python and JS). Everything it points to is owned by its parley_cell_view
 * and lives until parley_cell_view_free. Structs may grow at their end: read struct_size. */

/* A device of a member, with the 33-byte key the charter binds to it and its fingerprint. */
typedef struct parley_cell_device_info {
  parley_address address;
  const uint8_t* identity_key;
  size_t identity_key_len;
  parley_digest identity_fingerprint; /* as parley_client_supervisor_anchor hashes a key */
} parley_cell_device_info;

/* A user of the cell, its party and role, and its devices (by device number). */
typedef struct parley_cell_member_info {
  const char* user;
  const char* party;
  parley_role role;
  const parley_cell_device_info* devices;
  size_t device_count;
} parley_cell_member_info;

/* A channel (archived ones included) with its policy and this device's rights on it now. */
typedef struct parley_cell_channel_info {
  const char* name;         /* the channel id that parley_channel_post takes */
  const char* display_name;
  bool archived;
  const parley_grant* read; /* sorted: parties, users, devices, each by name */
  size_t read_count;
  const parley_grant* post;
  size_t post_count;
  bool ack_required;
  uint32_t ack_deadline_seconds;
  bool attested;
  uint64_t retention_seconds;
  bool can_read;            /* this device's READ at the current epoch */
  bool can_post;            /* this device's POST at the current epoch */
} parley_cell_channel_info;

/* A party admin's proposal waiting on this supervisor device (parley_cell_accept_proposal). */
typedef struct parley_pending_proposal_info {
  parley_proposal_id id;
  parley_address proposer;
  uint64_t base_epoch;            /* the epoch the proposer saw */
  int64_t received_at_ms;
  const parley_cell_proposal* changes;
  const char* summary;            /* one line: "add IL il_analyst.1 (member); remove IL il_trade.1" */
} parley_pending_proposal_info;

typedef struct parley_cell_info {
  size_t struct_size;
  parley_cell_id id;
  const char* name;
  parley_digest genesis;                /* the genesis hash: parley_cell_join_anchor's value */
  parley_digest supervisor_fingerprint; /* of the key that signed the genesis */
  const char* supervisor_fingerprint_digits; /* six groups of five digits */
  uint64_t epoch;
  const char* party;                    /* this device's party; NULL once it is no longer in the cell */
  parley_role role;                     /* its user's role; 0 once it is no longer in the cell */
  const char* supervisor_party;
  const char* const* parties;           /* every party with a user in the cell, sorted */
  size_t party_count;
  const parley_cell_member_info* members; /* by user name */
  size_t member_count;
  const parley_cell_channel_info* channels; /* by channel name */
  size_t channel_count;
  const parley_pending_proposal_info* pending_proposals; /* supervisor devices only; by arrival */
  size_t pending_proposal_count;
} parley_cell_info;

typedef struct parley_cell_view parley_cell_view;

/* The view of `cell`. Errors: CELL_UNKNOWN (this device is not and was not in the cell),
 * INVALID_ARGUMENT (NULL out), STORE_IO. On failure *out is set to NULL. Release with
 * parley_cell_view_free. */
PARLEY_API parley_status parley_client_cell_view(const parley_client* client, parley_cell_id cell,
                                                 parley_cell_view** out, parley_error* err);
/* The view's contents, owned by the view; NULL for NULL. */
PARLEY_API const parley_cell_info* parley_cell_view_info(const parley_cell_view* view);
PARLEY_API void parley_cell_view_free(parley_cell_view* view); /* NULL-safe */

/* ------------------------------------------------------------------ incidents ----------- */

/*
 * Incidents (disputes) between two parties on a channel, mediated by the supervisor
 * (docs/hotline.md "Incidents"). Each operation is a channel post, so the device needs POST on
 * the channel. Every device computes each incident from the operations it holds with the same
 * rule, so read parley_channel_incidents again after PARLEY_EVENT_INCIDENT_UPDATED. What every
 * receiver would ignore is refused here with an error instead: INVALID_ARGUMENT (unknown
 * respondent, incident or proposal; already resolved; a field over its limit),
 * CELL_PERMISSION_DENIED (this device's party may not do that, or may not post there),
 * CELL_UNKNOWN, and INVALID_ARGUMENT for NULL or malformed arguments.
 */

/* What parley_incident_open needs. Fill it with parley_new_incident_init. */
typedef struct parley_new_incident {
  size_t struct_size;
  const uint8_t* title;      /* one line of UTF-8, up to 256 bytes */
  size_t title_len;
  const uint8_t* details;    /* UTF-8, up to 16 KiB; may be (NULL, 0) */
  size_t details_len;
  parley_severity severity;  /* default MEDIUM */
  const char* respondent_party; /* the other side: another party than this device's, not the supervisor's */
  bool has_location;         /* default false: `location` is ignored */
  parley_geo_point location;
} parley_new_incident;

/* Zeroes `incident`, sets struct_size and severity = MEDIUM. NULL-safe. */
PARLEY_API void parley_new_incident_init(parley_new_incident* incident);

/* Opens an incident between this device's party and `incident->respondent_party`; `out`
 * receives its id. Errors as above; INVALID_ARGUMENT also for a bad severity or precedence. */
PARLEY_API parley_status parley_incident_open(parley_client* client, parley_cell_id cell, const char* channel,
                                              const parley_new_incident* incident, parley_precedence precedence,
                                              parley_incident_id* out, parley_error* err);

/* The other operations. Each returns once the operation is durable locally; `id` (may be NULL)
 * receives the id of its channel message, which names a proposal in parley_incident_resolve.
 *  - acknowledge: the respondent party (or the supervisor) has seen the incident;
 *  - comment: anyone who may post, also after resolution;
 *  - propose: an involved party or the supervisor proposes a resolution, while open;
 *  - resolve: the supervisor resolves, with or without `proposal`; an involved party agrees to
 *    `proposal` (required for it: INVALID_ARGUMENT without), and the incident is resolved once
 *    both involved parties agree to the same proposal (proposing counts as agreeing).
 *    `proposal` may be NULL; `text` may be (NULL, 0). */
PARLEY_API parley_status parley_incident_acknowledge(parley_client* client, parley_cell_id cell, const char* channel,
                                                     parley_incident_id incident, parley_message_id* id,
                                                     parley_error* err);
PARLEY_API parley_status parley_incident_comment(parley_client* client, parley_cell_id cell, const char* channel,
                                                 parley_incident_id incident, const uint8_t* text, size_t text_len,
                                                 parley_message_id* id, parley_error* err);
PARLEY_API parley_status parley_incident_propose(parley_client* client, parley_cell_id cell, const char* channel,
                                                 parley_incident_id incident, const uint8_t* text, size_t text_len,
                                                 parley_message_id* id, parley_error* err);
PARLEY_API parley_status parley_incident_resolve(parley_client* client, parley_cell_id cell, const char* channel,
                                                 parley_incident_id incident, const parley_message_ref* proposal,
                                                 const uint8_t* text, size_t text_len, parley_message_id* id,
                                                 parley_error* err);

/* Views of an incident's state, owned by the parley_incident_list that holds them. Texts are
 * UTF-8 and not NUL-terminated; times are the sender's clock in ms since the Unix epoch. */
typedef struct parley_incident_ack {
  const char* party;
  int64_t at_ms; /* the party's earliest acknowledgement */
} parley_incident_ack;

typedef struct parley_comment_entry {
  parley_message_ref ref;
  const char* party;
  int64_t at_ms;
  const uint8_t* text;
  size_t text_len;
} parley_comment_entry;

typedef struct parley_resolution_proposal {
  parley_message_ref ref; /* what parley_incident_resolve names */
  const char* party;
  int64_t at_ms;
  const uint8_t* text;
  size_t text_len;
  const char* const* agreed; /* involved parties that agreed to it, sorted */
  size_t agreed_count;
} parley_resolution_proposal;

typedef enum parley_resolved_by {
  PARLEY_RESOLVED_BY_AGREEMENT = 1,  /* both involved parties agreed to `proposal` */
  PARLEY_RESOLVED_BY_SUPERVISOR = 2
} parley_resolved_by;

typedef struct parley_resolution {
  parley_resolved_by by;
  const parley_message_ref* proposal; /* the proposal agreed to; NULL when the supervisor named none */
  parley_message_ref resolved_by;     /* the operation that completed the resolution */
  int64_t at_ms;
  const uint8_t* text;
  size_t text_len;
} parley_resolution;

/* One incident as this device computes it. May grow at its end: read struct_size first. */
typedef struct parley_incident {
  size_t struct_size;
  parley_incident_id id;
  parley_message_ref opened_by;
  const char* opener_party;
  const char* respondent_party;
  int64_t opened_at_ms;
  const uint8_t* title;
  size_t title_len;
  const uint8_t* details;
  size_t details_len;
  parley_severity severity;
  bool has_location;
  parley_geo_point location;
  const parley_incident_ack* acknowledged; /* sorted by party */
  size_t acknowledged_count;
  const parley_comment_entry* comments; /* in the agreed order */
  size_t comment_count;
  const parley_resolution_proposal* proposals; /* in the agreed order */
  size_t proposal_count;
  const parley_resolution* resolution; /* NULL while the incident is open */
} parley_incident;

/* Every incident of the channel, in the order they were opened. A channel without incidents
 * gives an empty list. Errors: CELL_UNKNOWN, INVALID_ARGUMENT. Release with
 * parley_incident_list_free, which overwrites the texts first. */
typedef struct parley_incident_list parley_incident_list;
PARLEY_API parley_status parley_channel_incidents(const parley_client* client, parley_cell_id cell,
                                                  const char* channel, parley_incident_list** out, parley_error* err);
PARLEY_API size_t parley_incident_list_count(const parley_incident_list* list); /* 0 for NULL */
/* The index-th incident, or NULL when index >= count. Owned by the list. */
PARLEY_API const parley_incident* parley_incident_list_at(const parley_incident_list* list, size_t index);
PARLEY_API void parley_incident_list_free(parley_incident_list* list);

/* ------------------------------------------------------------------ deconfliction ------- */

/* Zeroes `notice`, sets struct_size and area.kind = CIRCLE. NULL-safe. */
PARLEY_API void parley_notice_init(parley_notice* notice);

/* Announces planned activity on an ack_required channel; the other parties acknowledge it
 * with parley_channel_acknowledge (deadlines, overdue and escalation as for any message there).
 * Notices of different parties that overlap in area and window raise NOTICES_CONFLICT on
 * every device. `id` may be NULL. Errors: HOTLINE_INVALID_AREA (an area or window the rules
 * refuse: zero or too large radius, degenerate or self-intersecting polygon, latitude beyond
 * 80 degrees, end <= start, longer than 366 days), INVALID_ARGUMENT (channel not ack_required,
 * NULL or short notice, unknown area kind, (NULL, n) slices, bad precedence, description over
 * 4 KiB), CELL_UNKNOWN, CELL_PERMISSION_DENIED. */
PARLEY_API parley_status parley_channel_post_notice(parley_client* client, parley_cell_id cell, const char* channel,
                                                    const parley_notice* notice, parley_precedence precedence,
                                                    parley_message_id* id, parley_error* err);

/* A notice as this device holds it. Owned by its parley_notice_list; may grow at its end. */
typedef struct parley_notice_entry {
  size_t struct_size;
  parley_message_ref ref;
  const char* party; /* the sender's party */
  int64_t sent_at_ms;
  const parley_notice* notice;
  const parley_message_ref* conflicts; /* notices of other parties overlapping this one */
  size_t conflict_count;
} parley_notice_entry;

/* The channel's notices (own included) by sending time. Errors: CELL_UNKNOWN,
 * INVALID_ARGUMENT. Release with parley_notice_list_free (overwrites the descriptions). */
typedef struct parley_notice_list parley_notice_list;
PARLEY_API parley_status parley_channel_notices(const parley_client* client, parley_cell_id cell, const char* channel,
                                                parley_notice_list** out, parley_error* err);
PARLEY_API size_t parley_notice_list_count(const parley_notice_list* list); /* 0 for NULL */
/* The index-th entry, or NULL when index >= count. Owned by the list. */
PARLEY_API const parley_notice_entry* parley_notice_list_at(const parley_notice_list* list, size_t index);
PARLEY_API void parley_notice_list_free(parley_notice_list* list);

/* ------------------------------------------------------------------ transcripts --------- */

/* Offline verification of a transcript (parley_channel_export_transcript's bytes, "PLF1"),
 * the same check parley-verify and Parley.verifyTranscript run (parley/verify.hpp; needs no
 * client, store or network). The charter is folded from its genesis; each message is judged
 * on its own. Reports name senders, ids, times and verdicts, never message bodies. */
typedef enum parley_transcript_verdict {
  PARLEY_TRANSCRIPT_VALID = 1,        /* signed by the key the charter binds to the sender then */
  PARLEY_TRANSCRIPT_FORGED = 2,       /* `reason` names the first check that failed */
  PARLEY_TRANSCRIPT_EQUIVOCATION = 3  /* the sender signed two contents for one number */
} parley_transcript_verdict;

/* A valid acknowledgement of a message: the party, its device, and when it says it acked. */
typedef struct parley_transcript_ack {
  const char* party;
  parley_address device;
  int64_t at_ms;
} parley_transcript_ack;

/* The verdict on one message, in transcript order. Owned by its parley_transcript_report; may
 * grow at its end (read struct_size). */
typedef struct parley_transcript_message {
  size_t struct_size;
  size_t index;           /* position in the transcript, from 0 */
  parley_message_ref ref; /* sender device and message id */
  uint64_t sequence;
  uint64_t epoch;         /* the charter epoch the message names */
  int64_t sent_at_ms;     /* the sender's claim */
  int precedence;         /* a parley_precedence, or 0 for a value that is not one */
  parley_transcript_verdict verdict;
  const char* reason;     /* "none" unless forged: "bad_signature", "not_a_poster", "duplicate", ... */
  const char* detail;     /* forged, equivocation: one human-readable line; "" otherwise */
  int64_t conflicts_with; /* equivocation: the index of the other message; -1 otherwise */
  const parley_transcript_ack* acks; /* valid acknowledgements, by time */
  size_t ack_count;
} parley_transcript_message;

typedef enum parley_transcript_missing_kind {
  PARLEY_MISSING_SEQUENCE_GAP = 1,        /* sender's first_sequence..last_sequence are absent */
  PARLEY_MISSING_ACKNOWLEDGED_MESSAGE = 2 /* `target` is acknowledged by `acknowledged_by` but absent */
} parley_transcript_missing_kind;

/* Something the transcript should hold and does not. Owned by its report; may grow. */
typedef struct parley_transcript_missing {
  size_t struct_size;
  parley_transcript_missing_kind kind;
  parley_address sender;
  uint64_t first_sequence; /* SEQUENCE_GAP; 0 otherwise */
  uint64_t last_sequence;
  bool has_target; /* ACKNOWLEDGED_MESSAGE: the absent message and the acknowledgement naming it */
  parley_message_ref target;
  bool has_acknowledged_by;
  parley_message_ref acknowledged_by;
} parley_transcript_missing;

/* What the transcript is of, and the bottom line. Owned by its report; may grow. */
typedef struct parley_transcript_summary {
  size_t struct_size;
  parley_cell_id cell;
  const char* channel;
  parley_digest genesis;  /* compare with the genesis hash the parties agreed on */
  uint64_t charter_epoch; /* the transcript's charter holds epochs 1..charter_epoch */
  int64_t from_ms;        /* the exported window; from_ms == 0 claims the whole history */
  int64_t to_ms;
  size_t message_count;
  size_t missing_count;
  bool all_valid;         /* every message valid and nothing missing */
} parley_transcript_summary;

typedef struct parley_transcript_report parley_transcript_report;

/* Checks `transcript` (borrowed for the call). With `expected_genesis` (may be NULL) the
 * transcript is refused unless its charter starts from that genesis. Forged, equivocating and
 * missing messages are findings in the report; the transcript as a whole is refused with
 * MALFORMED_FRAME, TRUNCATED, FRAME_TOO_LARGE or UNSUPPORTED_VERSION (not a transcript this
 * build reads), HOTLINE_TRANSCRIPT_INVALID (the charter does not fold, or another genesis) or
 * HOTLINE_NOT_ATTESTED (the channel was never attested: its messages are deniable).
 * Release the report with parley_transcript_report_free. */
PARLEY_API parley_status parley_transcript_verify(const uint8_t* transcript, size_t len,
                                                  const parley_digest* expected_genesis,
                                                  parley_transcript_report** out, parley_error* err);
/* The summary (NULL for NULL). */
PARLEY_API const parley_transcript_summary* parley_transcript_report_summary(const parley_transcript_report* report);
/* The index-th message verdict or missing item, or NULL when index >= its count. */
PARLEY_API const parley_transcript_message* parley_transcript_report_message(const parley_transcript_report* report,
                                                                           size_t index);
PARLEY_API const parley_transcript_missing* parley_transcript_report_missing(const parley_transcript_report* report,
                                                                           size_t index);
PARLEY_API void parley_transcript_report_free(parley_transcript_report* report);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PARLEY_H */
