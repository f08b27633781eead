/* The only file that includes raft.h: libraft's legacy raft_io/raft_fsm forwarded to the
 * quorum's hooks. See raft_shim.h for the contract; ownership rules follow libraft 0.22.1's
 * src/legacy.c (a received AppendEntries' entries share one batch; an InstallSnapshot's data
 * and configuration, a restored snapshot buffer, and a taken snapshot's buffers pass to raft). */
#include "raft_shim.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <raft.h>

_Static_assert((int)TERN_RAFT_ENOMEM == (int)RAFT_NOMEM, "raft error codes");
_Static_assert((int)TERN_RAFT_ENOTLEADER == (int)RAFT_NOTLEADER, "raft error codes");
_Static_assert((int)TERN_RAFT_ELEADERSHIPLOST == (int)RAFT_LEADERSHIPLOST, "raft error codes");
_Static_assert((int)TERN_RAFT_ESHUTDOWN == (int)RAFT_SHUTDOWN, "raft error codes");
_Static_assert((int)TERN_RAFT_ECANTBOOTSTRAP == (int)RAFT_CANTBOOTSTRAP, "raft error codes");
_Static_assert((int)TERN_RAFT_ECORRUPT == (int)RAFT_CORRUPT, "raft error codes");
_Static_assert((int)TERN_RAFT_ECANCELED == (int)RAFT_CANCELED, "raft error codes");
_Static_assert((int)TERN_RAFT_ETOOBIG == (int)RAFT_TOOBIG, "raft error codes");
_Static_assert((int)TERN_RAFT_EIOERR == (int)RAFT_IOERR, "raft error codes");
_Static_assert((int)TERN_RAFT_ENOSPACE == (int)RAFT_NOSPACE, "raft error codes");
_Static_assert((int)TERN_RAFT_CHANGE == (int)RAFT_CHANGE, "raft entry types");
_Static_assert((int)TERN_RAFT_MSG_TIMEOUT_NOW == (int)RAFT_TIMEOUT_NOW, "raft message types");
_Static_assert((int)TERN_RAFT_LEADER == (int)RAFT_LEADER, "raft states");
_Static_assert((int)TERN_RAFT_SPARE == (int)RAFT_SPARE, "raft roles");

/* libraft's legacy layer queues finished client requests (raft_apply callbacks) and fires them
 * only from this function, which its own libuv io calls on every loop iteration (uv.c's
 * prepare/check handles). It is not in raft.h but is an external symbol of libraft.a 0.22.1
 * (the version the build pins); tern_raft_fire_completed calls it after every event. */
void LegacyFireCompletedRequests(struct raft* r);

struct tern_raft {
  struct raft raft;
  struct raft_io io;
  struct raft_fsm fsm;
  tern_raft_hooks hooks;
  const tern_raft_loaded* loaded; /* only during tern_raft_start */
  raft_io_tick_cb tick_cb;
  raft_io_recv_cb recv_cb;
  bool closed;
  struct raft_transfer transfer; /* a leadership transfer in progress (see lost_log) */
  bool transferring;
};

enum op_kind { OP_SEND, OP_APPEND, OP_SNAPSHOT_PUT, OP_SNAPSHOT_GET, OP_CLOSE };

struct tern_raft_op {
  enum op_kind kind;
  tern_raft* tr;
  void* req;
  void* cb;
};

struct apply_req {
  struct raft_apply req; /* first: the raft callback gets its address */
  void* user;
  void (*cb)(void* user, int status);
};

static tern_raft* of_io(struct raft_io* io) { return (tern_raft*)io->impl; }

static tern_raft_op* op_new(tern_raft* tr, enum op_kind kind, void* req, void* cb) {
  tern_raft_op* op = malloc(sizeof *op);
  if (op == NULL) return NULL;
  op->kind = kind;
  op->tr = tr;
  op->req = req;
  op->cb = cb;
  return op;
}

void* tern_raft_alloc(size_t size) { return raft_malloc(size > 0 ? size : 1); }
const char* tern_raft_strerror(int rv) { return raft_strerror(rv); }

/* ---- conversions ---- */

/* Flattens a raft configuration into a malloc'd array (borrowing the addresses). */
static tern_raft_server* servers_flat(const struct raft_configuration* c) {
  tern_raft_server* s = malloc((c->n > 0 ? c->n : 1) * sizeof *s);
  if (s == NULL) return NULL;
  for (unsigned i = 0; i < c->n; i++) {
    s[i].id = c->servers[i].id;
    s[i].address = c->servers[i].address;
    s[i].role = c->servers[i].role;
  }
  return s;
}

static int conf_from_flat(const tern_raft_server* s, unsigned n, struct raft_configuration* c) {
  raft_configuration_init(c);
  for (unsigned i = 0; i < n; i++) {
    int rv = raft_configuration_add(c, s[i].id, s[i].address, s[i].role);
    if (rv != 0) {
      raft_configuration_close(c);
      return rv;
    }
  }
  return 0;
}

static void msg_flat_common(const struct raft_message* m, tern_raft_msg* f) {
  memset(f, 0, sizeof *f);
  f->type = (int)m->type;
  f->server_id = m->server_id;
  switch (m->type) {
    case RAFT_REQUEST_VOTE:
      f->version = m->request_vote.version;
      f->term = m->request_vote.term;
      f->candidate_id = m->request_vote.candidate_id;
      f->last_log_index = m->request_vote.last_log_index;
      f->last_log_term = m->request_vote.last_log_term;
      f->disrupt_leader = m->request_vote.disrupt_leader;
      f->pre_vote = m->request_vote.pre_vote;
      break;
    case RAFT_REQUEST_VOTE_RESULT:
      f->version = m->request_vote_result.version;
      f->term = m->request_vote_result.term;
      f->vote_granted = m->request_vote_result.vote_granted;
      f->pre_vote = m->request_vote_result.pre_vote;
      f->features = m->request_vote_result.features;
      f->capacity = m->request_vote_result.capacity;
      break;
    case RAFT_APPEND_ENTRIES_RESULT:
      f->version = m->append_entries_result.version;
      f->term = m->append_entries_result.term;
      f->rejected = m->append_entries_result.rejected;
      f->last_log_index = m->append_entries_result.last_log_index;
      f->features = m->append_entries_result.features;
      f->capacity = m->append_entries_result.capacity;
      break;
    case RAFT_TIMEOUT_NOW:
      f->version = m->timeout_now.version;
      f->term = m->timeout_now.term;
      f->last_log_index = m->timeout_now.last_log_index;
      f->last_log_term = m->timeout_now.last_log_term;
      break;
    default:
      break;
  }
}

/* ---- raft_io ---- */

static int io_init(struct raft_io* io, raft_id id, const char* address) {
  (void)io;
  (void)id;
  (void)address;
  return 0;
}

static void io_close(struct raft_io* io, raft_io_close_cb cb) {
  tern_raft* tr = of_io(io);
  tern_raft_op* op = op_new(tr, OP_CLOSE, io, (void*)cb);
  if (op == NULL) abort(); /* cannot close without the op; out of memory at shutdown */
  tr->hooks.close(tr->hooks.ctx, op);
}

static struct raft_entry* entries_copy(const tern_raft_entry* e, unsigned n) {
  struct raft_entry* out = raft_calloc(n > 0 ? n : 1, sizeof *out);
  if (out == NULL) return NULL;
  for (unsigned i = 0; i < n; i++) {
    out[i].term = e[i].term;
    out[i].type = (enum raft_entry_type)e[i].type;
    out[i].buf.len = e[i].len;
    out[i].buf.base = raft_malloc(e[i].len > 0 ? e[i].len : 1);
    if (out[i].buf.base == NULL) {
      for (unsigned j = 0; j < i; j++) raft_free(out[j].buf.base);
      raft_free(out);
      return NULL;
    }
    if (e[i].len > 0) memcpy(out[i].buf.base, e[i].data, e[i].len);
    out[i].batch = out[i].buf.base; /* one batch per loaded entry */
  }
  return out;
}

static int io_load(struct raft_io* io, raft_term* term, raft_id* voted_for,
                   struct raft_snapshot** snapshot, raft_index* start_index,
                   struct raft_entry* entries[], size_t* n_entries) {
  tern_raft* tr = of_io(io);
  const tern_raft_loaded* l = tr->loaded;
  assert(l != NULL);
  *term = l->term;
  *voted_for = l->voted_for;
  *start_index = l->start_index;
  *snapshot = NULL;
  *entries = NULL;
  *n_entries = 0;
  if (l->has_snapshot) {
    struct raft_snapshot* s = raft_calloc(1, sizeof *s);
    if (s == NULL) return RAFT_NOMEM;
    s->index = l->snapshot.index;
    s->term = l->snapshot.term;
    s->configuration_index = l->snapshot.conf_index;
    if (conf_from_flat(l->snapshot.servers, l->snapshot.n_servers, &s->configuration) != 0) {
      raft_free(s);
      return RAFT_NOMEM;
    }
    s->bufs = raft_malloc(sizeof *s->bufs);
    void* data = tern_raft_alloc(l->snapshot_len);
    if (s->bufs == NULL || data == NULL) {
      raft_free(s->bufs);
      raft_free(data);
      raft_configuration_close(&s->configuration);
      raft_free(s);
      return RAFT_NOMEM;
    }
    if (l->snapshot_len > 0) memcpy(data, l->snapshot_data, l->snapshot_len);
    s->bufs[0].base = data;
    s->bufs[0].len = l->snapshot_len;
    s->n_bufs = 1;
    *snapshot = s;
  }
  if (l->n_entries > 0) {
    *entries = entries_copy(l->entries, l->n_entries);
    if (*entries == NULL) return RAFT_NOMEM; /* raft_start fails; a leaked snapshot at OOM */
    *n_entries = l->n_entries;
  }
  return 0;
}

static int io_start(struct raft_io* io, unsigned msecs, raft_io_tick_cb tick,
                    raft_io_recv_cb recv) {
  tern_raft* tr = of_io(io);
  tr->tick_cb = tick;
  tr->recv_cb = recv;
  tr->hooks.start(tr->hooks.ctx, msecs);
  return 0;
}

static int io_bootstrap(struct raft_io* io, const struct raft_configuration* conf) {
  tern_raft* tr = of_io(io);
  struct raft_buffer buf;
  int rv = raft_configuration_encode(conf, &buf);
  if (rv != 0) return rv;
  tern_raft_entry first = {1, TERN_RAFT_CHANGE, buf.base, buf.len};
  rv = tr->hooks.bootstrap(tr->hooks.ctx, &first);
  raft_free(buf.base);
  return rv;
}

static int io_recover(struct raft_io* io, const struct raft_configuration* conf) {
  (void)io;
  (void)conf;
  return RAFT_INVALID;
}

static int io_set_term(struct raft_io* io, raft_term term) {
  tern_raft* tr = of_io(io);
  return tr->hooks.set_term(tr->hooks.ctx, term);
}

static int io_set_vote(struct raft_io* io, raft_id id) {
  tern_raft* tr = of_io(io);
  return tr->hooks.set_vote(tr->hooks.ctx, id);
}

static int io_send(struct raft_io* io, struct raft_io_send* req, const struct raft_message* m,
                   raft_io_send_cb cb) {
  tern_raft* tr = of_io(io);
  tern_raft_op* op = op_new(tr, OP_SEND, req, (void*)cb);
  if (op == NULL) return RAFT_NOMEM;
  tern_raft_msg f;
  msg_flat_common(m, &f);
  tern_raft_entry* flat_entries = NULL;
  tern_raft_server* servers = NULL;
  if (m->type == RAFT_APPEND_ENTRIES) {
    const struct raft_append_entries* a = &m->append_entries;
    f.version = a->version;
    f.term = a->term;
    f.prev_log_index = a->prev_log_index;
    f.prev_log_term = a->prev_log_term;
    f.leader_commit = a->leader_commit;
    if (a->n_entries > 0) {
      flat_entries = malloc(a->n_entries * sizeof *flat_entries);
      if (flat_entries == NULL) {
        free(op);
        return RAFT_NOMEM;
      }
      for (unsigned i = 0; i < a->n_entries; i++) {
        flat_entries[i].term = a->entries[i].term;
        flat_entries[i].type = (int)a->entries[i].type;
        flat_entries[i].data = a->entries[i].buf.base;
        flat_entries[i].len = a->entries[i].buf.len;
      }
    }
    f.entries = flat_entries;
    f.n_entries = a->n_entries;
  } else if (m->type == RAFT_INSTALL_SNAPSHOT) {
    const struct raft_install_snapshot* s = &m->install_snapshot;
    servers = servers_flat(&s->conf);
    if (servers == NULL) {
      free(op);
      return RAFT_NOMEM;
    }
    f.version = s->version;
    f.term = s->term;
    f.snapshot.index = s->last_index;
    f.snapshot.term = s->last_term;
    f.snapshot.servers = servers;
    f.snapshot.n_servers = s->conf.n;
    f.snapshot.conf_index = s->conf_index;
    f.data = s->data.base;
    f.data_len = s->data.len;
  }
  tr->hooks.send(tr->hooks.ctx, &f, op);
  free(flat_entries);
  free(servers);
  return 0;
}

static int io_append(struct raft_io* io, struct raft_io_append* req,
                     const struct raft_entry entries[], unsigned n, raft_io_append_cb cb) {
  tern_raft* tr = of_io(io);
  tern_raft_op* op = op_new(tr, OP_APPEND, req, (void*)cb);
  tern_raft_entry* flat = malloc((n > 0 ? n : 1) * sizeof *flat);
  if (op == NULL || flat == NULL) {
    free(op);
    free(flat);
    return RAFT_NOMEM;
  }
  for (unsigned i = 0; i < n; i++) {
    flat[i].term = entries[i].term;
    flat[i].type = (int)entries[i].type;
    flat[i].data = entries[i].buf.base;
    flat[i].len = entries[i].buf.len;
  }
  tr->hooks.append(tr->hooks.ctx, flat, n, op);
  free(flat);
  return 0;
}

static int io_truncate(struct raft_io* io, raft_index index) {
  tern_raft* tr = of_io(io);
  return tr->hooks.truncate(tr->hooks.ctx, index);
}

static int io_snapshot_put(struct raft_io* io, unsigned trailing, struct raft_io_snapshot_put* req,
                           const struct raft_snapshot* s, raft_io_snapshot_put_cb cb) {
  tern_raft* tr = of_io(io);
  tern_raft_op* op = op_new(tr, OP_SNAPSHOT_PUT, req, (void*)cb);
  tern_raft_server* servers = servers_flat(&s->configuration);
  const uint8_t** bufs = malloc((s->n_bufs > 0 ? s->n_bufs : 1) * sizeof *bufs);
  size_t* lens = malloc((s->n_bufs > 0 ? s->n_bufs : 1) * sizeof *lens);
  if (op == NULL || servers == NULL || bufs == NULL || lens == NULL) {
    free(op);
    free(servers);
    free(bufs);
    free(lens);
    return RAFT_NOMEM;
  }
  for (unsigned i = 0; i < s->n_bufs; i++) {
    bufs[i] = s->bufs[i].base;
    lens[i] = s->bufs[i].len;
  }
  tern_raft_snapshot_meta meta = {s->index, s->term, servers, s->configuration.n,
                                  s->configuration_index};
  tr->hooks.snapshot_put(tr->hooks.ctx, trailing, &meta, bufs, lens, s->n_bufs, op);
  free(servers);
  free(bufs);
  free(lens);
  return 0;
}

static int io_snapshot_get(struct raft_io* io, struct raft_io_snapshot_get* req,
                           raft_io_snapshot_get_cb cb) {
  tern_raft* tr = of_io(io);
  tern_raft_op* op = op_new(tr, OP_SNAPSHOT_GET, req, (void*)cb);
  if (op == NULL) return RAFT_NOMEM;
  tr->hooks.snapshot_get(tr->hooks.ctx, op);
  return 0;
}

static raft_time io_time(struct raft_io* io) {
  tern_raft* tr = of_io(io);
  return tr->hooks.time_ms(tr->hooks.ctx);
}

static int io_random(struct raft_io* io, int min, int max) {
  tern_raft* tr = of_io(io);
  return tr->hooks.random(tr->hooks.ctx, min, max);
}

/* ---- raft_fsm ---- */

static int fsm_apply(struct raft_fsm* fsm, const struct raft_buffer* buf, void** result) {
  tern_raft* tr = fsm->data;
  /* legacy.c sets last_applied after apply returns: this entry is the next one. */
  tr->hooks.apply(tr->hooks.ctx, buf->base, buf->len, tr->raft.last_applied + 1);
  *result = NULL;
  return 0;
}

static int fsm_snapshot(struct raft_fsm* fsm, struct raft_buffer* bufs[], unsigned* n_bufs) {
  tern_raft* tr = fsm->data;
  void* data = NULL;
  size_t len = 0;
  int rv = tr->hooks.take_snapshot(tr->hooks.ctx, &data, &len);
  if (rv != 0) return rv;
  *bufs = raft_malloc(sizeof **bufs);
  if (*bufs == NULL) {
    raft_free(data);
    return RAFT_NOMEM;
  }
  (*bufs)[0].base = data;
  (*bufs)[0].len = len;
  *n_bufs = 1;
  return 0;
}

static int fsm_restore(struct raft_fsm* fsm, struct raft_buffer* buf) {
  tern_raft* tr = fsm->data;
  int rv = tr->hooks.restore(tr->hooks.ctx, buf->base, buf->len);
  if (rv == 0) raft_free(buf->base); /* on success the buffer is ours (legacy.c) */
  return rv;
}

/* ---- public ---- */

tern_raft* tern_raft_create(const tern_raft_hooks* hooks, uint64_t id, const char* address,
                            char* errmsg, size_t errmsg_len) {
  tern_raft* tr = calloc(1, sizeof *tr);
  if (tr == NULL) {
    snprintf(errmsg, errmsg_len, "out of memory");
    return NULL;
  }
  tr->hooks = *hooks;
  tr->io.version = 1;
  tr->io.impl = tr;
  tr->io.capacity = USHRT_MAX;
  tr->io.init = io_init;
  tr->io.close = io_close;
  tr->io.load = io_load;
  tr->io.start = io_start;
  tr->io.bootstrap = io_bootstrap;
  tr->io.recover = io_recover;
  tr->io.set_term = io_set_term;
  tr->io.set_vote = io_set_vote;
  tr->io.send = io_send;
  tr->io.append = io_append;
  tr->io.truncate = io_truncate;
  tr->io.snapshot_put = io_snapshot_put;
  tr->io.snapshot_get = io_snapshot_get;
  tr->io.time = io_time;
  tr->io.random = io_random;
  tr->fsm.version = 1;
  tr->fsm.data = tr;
  tr->fsm.apply = fsm_apply;
  tr->fsm.snapshot = fsm_snapshot;
  tr->fsm.restore = fsm_restore;
  int rv = raft_init(&tr->raft, &tr->io, &tr->fsm, id, address);
  if (rv != 0) {
    snprintf(errmsg, errmsg_len, "raft_init: %s", raft_strerror(rv));
    free(tr);
    return NULL;
  }
  return tr;
}

void tern_raft_configure(tern_raft* tr, unsigned election_ms, unsigned heartbeat_ms,
                         unsigned snapshot_threshold, unsigned snapshot_trailing,
                         unsigned short capacity_kib) {
  raft_set_election_timeout(&tr->raft, election_ms);
  raft_set_heartbeat_timeout(&tr->raft, heartbeat_ms);
  raft_set_pre_vote(&tr->raft, true);
  raft_set_snapshot_threshold(&tr->raft, snapshot_threshold);
  raft_set_snapshot_trailing(&tr->raft, snapshot_trailing);
  tr->io.capacity = capacity_kib;
}

int tern_raft_bootstrap(tern_raft* tr, const tern_raft_server* servers, unsigned n) {
  struct raft_configuration conf;
  int rv = conf_from_flat(servers, n, &conf);
  if (rv != 0) return rv;
  rv = raft_bootstrap(&tr->raft, &conf);
  raft_configuration_close(&conf);
  return rv;
}

int tern_raft_start(tern_raft* tr, const tern_raft_loaded* loaded) {
  tr->loaded = loaded;
  int rv = raft_start(&tr->raft);
  tr->loaded = NULL;
  return rv;
}

static void close_cb(struct raft* r) {
  tern_raft* tr = (tern_raft*)((char*)r - offsetof(tern_raft, raft));
  tr->closed = true;
}

void tern_raft_close(tern_raft* tr) {
  raft_close(&tr->raft, close_cb);
  /* The hooks' close completes every op synchronously, so raft is gone now. */
  assert(tr->closed);
  free(tr);
}

const char* tern_raft_errmsg(tern_raft* tr) { return raft_errmsg(&tr->raft); }

void tern_raft_fire_completed(tern_raft* tr) { LegacyFireCompletedRequests(&tr->raft); }

void tern_raft_tick(tern_raft* tr) {
  if (tr->tick_cb != NULL) tr->tick_cb(&tr->io);
}

/* A received AppendEntries: entries in one raft-owned batch (legacy.c frees entries[0].batch). */
static int receive_entries(const tern_raft_msg* f, struct raft_append_entries* a) {
  a->entries = NULL;
  a->n_entries = 0;
  if (f->n_entries == 0) return 0;
  size_t total = 0;
  for (unsigned i = 0; i < f->n_entries; i++) total += f->entries[i].len;
  uint8_t* batch = tern_raft_alloc(total);
  struct raft_entry* e = raft_calloc(f->n_entries, sizeof *e);
  if (batch == NULL || e == NULL) {
    raft_free(batch);
    raft_free(e);
    return RAFT_NOMEM;
  }
  size_t at = 0;
  for (unsigned i = 0; i < f->n_entries; i++) {
    e[i].term = f->entries[i].term;
    e[i].type = (enum raft_entry_type)f->entries[i].type;
    e[i].buf.base = batch + at;
    e[i].buf.len = f->entries[i].len;
    e[i].batch = batch;
    if (f->entries[i].len > 0) memcpy(batch + at, f->entries[i].data, f->entries[i].len);
    at += f->entries[i].len;
  }
  a->entries = e;
  a->n_entries = f->n_entries;
  return 0;
}

static int receive_snapshot(const tern_raft_msg* f, struct raft_install_snapshot* s) {
  s->last_index = f->snapshot.index;
  s->last_term = f->snapshot.term;
  s->conf_index = f->snapshot.conf_index;
  int rv = conf_from_flat(f->snapshot.servers, f->snapshot.n_servers, &s->conf);
  if (rv != 0) return rv;
  s->data.base = tern_raft_alloc(f->data_len);
  if (s->data.base == NULL) {
    raft_configuration_close(&s->conf);
    return RAFT_NOMEM;
  }
  if (f->data_len > 0) memcpy(s->data.base, f->data, f->data_len);
  s->data.len = f->data_len;
  return 0;
}

static int receive_fill(const tern_raft_msg* f, struct raft_message* m) {
  memset(m, 0, sizeof *m);
  m->type = (enum raft_message_type)f->type;
  m->server_id = f->server_id;
  switch (f->type) {
    case RAFT_REQUEST_VOTE:
      m->request_vote = (struct raft_request_vote){f->version, f->term, f->candidate_id,
                                                   f->last_log_index, f->last_log_term,
                                                   f->disrupt_leader, f->pre_vote};
      return 0;
    case RAFT_REQUEST_VOTE_RESULT:
      m->request_vote_result = (struct raft_request_vote_result){
          f->version, f->term, f->vote_granted, f->pre_vote, f->features, f->capacity};
      return 0;
    case RAFT_APPEND_ENTRIES:
      m->append_entries.version = f->version;
      m->append_entries.term = f->term;
      m->append_entries.prev_log_index = f->prev_log_index;
      m->append_entries.prev_log_term = f->prev_log_term;
      m->append_entries.leader_commit = f->leader_commit;
      return receive_entries(f, &m->append_entries);
    case RAFT_APPEND_ENTRIES_RESULT:
      m->append_entries_result = (struct raft_append_entries_result){
          f->version, f->term, f->rejected, f->last_log_index, f->features, f->capacity};
      return 0;
    case RAFT_INSTALL_SNAPSHOT:
      m->install_snapshot.version = f->version;
      m->install_snapshot.term = f->term;
      return receive_snapshot(f, &m->install_snapshot);
    case RAFT_TIMEOUT_NOW:
      m->timeout_now = (struct raft_timeout_now){f->version, f->term, f->last_log_index,
                                                 f->last_log_term};
      return 0;
    default:
      return RAFT_MALFORMED;
  }
}

static void transfer_cb(struct raft_transfer* req) {
  tern_raft* tr = (tern_raft*)req->data;
  tr->transferring = false;
}

/* A follower answering with a log shorter than what it acknowledged before lost its disk (a
 * wiped voter restarted on an empty metadata log). libraft 0.22.1 never lowers a follower's
 * match index, so this leader would probe it forever without sending it anything. A new leader
 * starts with fresh progress for everyone: hand leadership to the most up-to-date other voter. */
static void handle_lost_log(tern_raft* tr, const tern_raft_msg* f) {
  if (f->type != RAFT_APPEND_ENTRIES_RESULT || f->rejected == 0 || tr->transferring ||
      raft_state(&tr->raft) != RAFT_LEADER)
    return;
  raft_index acknowledged = 0;
  if (raft_match_index(&tr->raft, f->server_id, &acknowledged) != 0 ||
      f->last_log_index >= acknowledged)
    return;
  raft_id target = 0;
  raft_index best = 0;
  for (unsigned i = 0; i < tr->raft.configuration.n; i++) {
    const struct raft_server* s = &tr->raft.configuration.servers[i];
    raft_index match = 0;
    if (s->id == tr->raft.id || s->id == f->server_id || s->role != RAFT_VOTER) continue;
    if (raft_match_index(&tr->raft, s->id, &match) != 0) continue;
    if (target == 0 || match > best) {
      target = s->id;
      best = match;
    }
  }
  if (target == 0) return;
  memset(&tr->transfer, 0, sizeof tr->transfer);
  tr->transfer.data = tr;
  tr->transferring = true;
  if (raft_transfer(&tr->raft, &tr->transfer, target, transfer_cb) != 0) tr->transferring = false;
}

void tern_raft_receive(tern_raft* tr, const tern_raft_msg* f) {
  if (tr->recv_cb == NULL) return;
  handle_lost_log(tr, f);
  /* libraft 0.22.1's takeSnapshotCb dereferences a NULL pending install when an
   * InstallSnapshot arrives while a local snapshot is being written; drop the message instead
   * (the leader resends it after install_snapshot_timeout, or as soon as it probes again). */
  if (f->type == RAFT_INSTALL_SNAPSHOT && tr->raft.legacy.snapshot_taking) return;
  struct raft_message m;
  if (receive_fill(f, &m) != 0) return; /* out of memory: Raft tolerates a lost message */
  m.server_address = "";
  tr->recv_cb(&tr->io, &m);
}

static void apply_cb(struct raft_apply* req, int status, void* result) {
  struct apply_req* a = (struct apply_req*)req;
  (void)result;
  a->cb(a->user, status);
  free(a);
}

int tern_raft_propose(tern_raft* tr, const uint8_t* data, size_t len, void* user,
                      void (*cb)(void* user, int status)) {
  struct apply_req* a = calloc(1, sizeof *a);
  struct raft_buffer buf = {tern_raft_alloc(len), len};
  if (a == NULL || buf.base == NULL) {
    free(a);
    raft_free(buf.base);
    return RAFT_NOMEM;
  }
  if (len > 0) memcpy(buf.base, data, len);
  a->user = user;
  a->cb = cb;
  int rv = raft_apply(&tr->raft, &a->req, &buf, 1, apply_cb);
  if (rv != 0) {
    raft_free(buf.base);
    free(a);
  }
  return rv;
}

void tern_raft_op_done(tern_raft_op* op, int status) {
  switch (op->kind) {
    case OP_SEND:
      ((raft_io_send_cb)op->cb)(op->req, status);
      break;
    case OP_APPEND:
      ((raft_io_append_cb)op->cb)(op->req, status);
      break;
    case OP_SNAPSHOT_PUT:
      ((raft_io_snapshot_put_cb)op->cb)(op->req, status);
      break;
    case OP_SNAPSHOT_GET:
      ((raft_io_snapshot_get_cb)op->cb)(op->req, NULL, status != 0 ? status : RAFT_NOTFOUND);
      break;
    case OP_CLOSE:
      ((raft_io_close_cb)op->cb)(op->req);
      break;
  }
  free(op);
}

void tern_raft_op_done_snapshot(tern_raft_op* op, int status, const tern_raft_snapshot_meta* meta,
                                const uint8_t* data, size_t len) {
  assert(op->kind == OP_SNAPSHOT_GET);
  if (status != 0) {
    tern_raft_op_done(op, status);
    return;
  }
  struct raft_snapshot* s = raft_calloc(1, sizeof *s);
  void* copy = tern_raft_alloc(len);
  struct raft_buffer* bufs = raft_malloc(sizeof *bufs);
  if (s == NULL || copy == NULL || bufs == NULL ||
      conf_from_flat(meta->servers, meta->n_servers, &s->configuration) != 0) {
    raft_free(s);
    raft_free(copy);
    raft_free(bufs);
    tern_raft_op_done(op, RAFT_NOMEM);
    return;
  }
  if (len > 0) memcpy(copy, data, len);
  s->index = meta->index;
  s->term = meta->term;
  s->configuration_index = meta->conf_index;
  bufs[0].base = copy;
  bufs[0].len = len;
  s->bufs = bufs;
  s->n_bufs = 1;
  ((raft_io_snapshot_get_cb)op->cb)(op->req, s, 0);
  free(op);
}

int tern_raft_state(tern_raft* tr) { return (int)raft_state(&tr->raft); }

uint64_t tern_raft_leader(tern_raft* tr) {
  raft_id id = 0;
  const char* address = NULL;
  raft_leader(&tr->raft, &id, &address);
  return id;
}

uint64_t tern_raft_term(tern_raft* tr) { return raft_current_term(&tr->raft); }
uint64_t tern_raft_commit_index(tern_raft* tr) { return raft_commit_index(&tr->raft); }
uint64_t tern_raft_last_applied(tern_raft* tr) { return raft_last_applied(&tr->raft); }

uint64_t tern_raft_match_index(tern_raft* tr, uint64_t id) {
  if (raft_state(&tr->raft) != RAFT_LEADER) return 0;
  raft_index index = 0;
  if (raft_match_index(&tr->raft, id, &index) != 0) return 0;
  return index;
}
