#pragma once
/* A thin C shim between the quorum (C++20) and libraft 0.22.1 (cowsql/raft).
 *
 * Why it exists: raft.h does not compile as C++ (its ABI static asserts define types inside
 * sizeof, and a struct and a function are both named raft_apply). So only raft_shim.c includes
 * raft.h; it owns the struct raft, implements libraft's legacy `struct raft_io` and
 * `struct raft_fsm` by forwarding every call to the hooks below, and converts raft's message
 * and entry structs to and from the flat, borrowed-pointer structs declared here. No raft type
 * crosses this header.
 *
 * Threads: none of its own. Every function, and every hook it calls, runs on the one thread that
 * drives the instance (the quorum's io_context thread).
 *
 * Lifetimes: pointers inside the structs passed to a hook are borrowed and valid only during the
 * hook call; copy what must outlive it. Pointers passed into tern_raft_* functions are copied
 * before the function returns. A tern_raft_op handed to a hook must be completed exactly once
 * (tern_raft_op_done or tern_raft_op_done_snapshot); the op is freed by that call.
 *
 * Errors: functions return 0 or one of the TERN_RAFT_E* codes (libraft's numbers). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libraft's error codes that the quorum tells apart (checked against raft.h in raft_shim.c). */
enum {
  TERN_RAFT_ENOMEM = 1,
  TERN_RAFT_ENOTLEADER = 7,
  TERN_RAFT_ELEADERSHIPLOST = 8,
  TERN_RAFT_ESHUTDOWN = 9,
  TERN_RAFT_ECANTBOOTSTRAP = 10,
  TERN_RAFT_ECORRUPT = 12,
  TERN_RAFT_ECANCELED = 13,
  TERN_RAFT_ETOOBIG = 15,
  TERN_RAFT_EIOERR = 18,
  TERN_RAFT_ENOSPACE = 22,
};

/* Entry types, message types, roles and states: libraft's numbers. */
enum { TERN_RAFT_COMMAND = 1, TERN_RAFT_BARRIER = 2, TERN_RAFT_CHANGE = 3 };
enum {
  TERN_RAFT_MSG_APPEND_ENTRIES = 1,
  TERN_RAFT_MSG_APPEND_ENTRIES_RESULT = 2,
  TERN_RAFT_MSG_REQUEST_VOTE = 3,
  TERN_RAFT_MSG_REQUEST_VOTE_RESULT = 4,
  TERN_RAFT_MSG_INSTALL_SNAPSHOT = 5,
  TERN_RAFT_MSG_TIMEOUT_NOW = 6,
};
enum { TERN_RAFT_STANDBY = 0, TERN_RAFT_VOTER = 1, TERN_RAFT_SPARE = 2 };
enum { TERN_RAFT_UNAVAILABLE = 0, TERN_RAFT_FOLLOWER = 1, TERN_RAFT_CANDIDATE = 2,
       TERN_RAFT_LEADER = 3 };

typedef struct tern_raft tern_raft;
typedef struct tern_raft_op tern_raft_op;

typedef struct tern_raft_entry {
  uint64_t term;
  int type; /* TERN_RAFT_COMMAND/BARRIER/CHANGE */
  const uint8_t* data;
  size_t len;
} tern_raft_entry;

typedef struct tern_raft_server {
  uint64_t id;
  const char* address; /* NUL-terminated */
  int role;
} tern_raft_server;

typedef struct tern_raft_snapshot_meta {
  uint64_t index;
  uint64_t term;
  const tern_raft_server* servers; /* the configuration as of index */
  unsigned n_servers;
  uint64_t conf_index;
} tern_raft_snapshot_meta;

/* Every raft message, flattened: only the fields of `type` are meaningful. */
typedef struct tern_raft_msg {
  int type;
  uint8_t version;
  uint64_t server_id; /* sender (receive) or destination (send) */
  uint64_t term;
  /* request vote, timeout now */
  uint64_t candidate_id;
  uint64_t last_log_index; /* also append entries result's hint */
  uint64_t last_log_term;
  bool disrupt_leader;
  bool pre_vote; /* request vote and its result */
  /* request vote result */
  bool vote_granted;
  uint16_t features; /* also append entries result */
  uint16_t capacity; /* also append entries result */
  /* append entries */
  uint64_t prev_log_index;
  uint64_t prev_log_term;
  uint64_t leader_commit;
  const tern_raft_entry* entries;
  unsigned n_entries;
  /* append entries result */
  uint64_t rejected;
  /* install snapshot: meta.index/term are last_index/last_term */
  tern_raft_snapshot_meta snapshot;
  const uint8_t* data;
  size_t data_len;
} tern_raft_msg;

/* What the storage holds, handed to tern_raft_start (copied). */
typedef struct tern_raft_loaded {
  uint64_t term;
  uint64_t voted_for;
  bool has_snapshot;
  tern_raft_snapshot_meta snapshot;
  const uint8_t* snapshot_data;
  size_t snapshot_len;
  uint64_t start_index; /* index of entries[0] (>= 1) */
  const tern_raft_entry* entries;
  unsigned n_entries;
} tern_raft_loaded;

/* The quorum's side. Return values are TERN_RAFT_E* codes or 0. */
typedef struct tern_raft_hooks {
  void* ctx;
  int (*bootstrap)(void* ctx, const tern_raft_entry* first);
  void (*start)(void* ctx, unsigned tick_ms);
  int (*set_term)(void* ctx, uint64_t term);
  int (*set_vote)(void* ctx, uint64_t server_id);
  void (*send)(void* ctx, const tern_raft_msg* msg, tern_raft_op* op);
  void (*append)(void* ctx, const tern_raft_entry* entries, unsigned n, tern_raft_op* op);
  int (*truncate)(void* ctx, uint64_t index);
  /* trailing 0: an installed snapshot (the whole log goes); else a local one (compact). */
  void (*snapshot_put)(void* ctx, unsigned trailing, const tern_raft_snapshot_meta* meta,
                       const uint8_t* const* bufs, const size_t* lens, unsigned n_bufs,
                       tern_raft_op* op);
  void (*snapshot_get)(void* ctx, tern_raft_op* op);
  uint64_t (*time_ms)(void* ctx);
  int (*random)(void* ctx, int min, int max);
  /* Must complete every outstanding op (with TERN_RAFT_ECANCELED) and then `op`, before it
   * returns. */
  void (*close)(void* ctx, tern_raft_op* op);
  /* FSM */
  void (*apply)(void* ctx, const uint8_t* data, size_t len, uint64_t index);
  /* Fills *data (allocated with tern_raft_alloc) and *len. */
  int (*take_snapshot)(void* ctx, void** data, size_t* len);
  int (*restore)(void* ctx, const uint8_t* data, size_t len);
} tern_raft_hooks;

void* tern_raft_alloc(size_t size);
const char* tern_raft_strerror(int rv);

/* Creates an instance (raft_init). NULL on failure, with the reason in errmsg (256 bytes). */
tern_raft* tern_raft_create(const tern_raft_hooks* hooks, uint64_t id, const char* address,
                            char* errmsg, size_t errmsg_len);
void tern_raft_configure(tern_raft* tr, unsigned election_ms, unsigned heartbeat_ms,
                         unsigned snapshot_threshold, unsigned snapshot_trailing,
                         unsigned short capacity_kib);
/* Bootstraps a pristine log with this voter list (raft_bootstrap). */
int tern_raft_bootstrap(tern_raft* tr, const tern_raft_server* servers, unsigned n);
int tern_raft_start(tern_raft* tr, const tern_raft_loaded* loaded);
/* Closes (raft_close) and frees the instance; every callback has fired when it returns. */
void tern_raft_close(tern_raft* tr);
const char* tern_raft_errmsg(tern_raft* tr);

void tern_raft_tick(tern_raft* tr);
/* Runs the callbacks of finished proposals (libraft queues them); call after every event. */
void tern_raft_fire_completed(tern_raft* tr);
/* Copies msg into raft-owned memory and delivers it. */
void tern_raft_receive(tern_raft* tr, const tern_raft_msg* msg);
/* Proposes a command entry; cb(user, status) runs once (0 = committed and applied). A non-zero
 * return means cb will not run. */
int tern_raft_propose(tern_raft* tr, const uint8_t* data, size_t len, void* user,
                      void (*cb)(void* user, int status));

void tern_raft_op_done(tern_raft_op* op, int status);
/* Completes a snapshot_get: status 0 with the snapshot, or an error (meta/data ignored). */
void tern_raft_op_done_snapshot(tern_raft_op* op, int status, const tern_raft_snapshot_meta* meta,
                                const uint8_t* data, size_t len);

int tern_raft_state(tern_raft* tr);
uint64_t tern_raft_leader(tern_raft* tr);
uint64_t tern_raft_term(tern_raft* tr);
uint64_t tern_raft_commit_index(tern_raft* tr);
uint64_t tern_raft_last_applied(tern_raft* tr);
/* The leader's match index for id; 0 when not leader or unknown. */
uint64_t tern_raft_match_index(tern_raft* tr, uint64_t id);

#ifdef __cplusplus
}
#endif
