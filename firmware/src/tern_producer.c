/*
 * tern_producer.c - the producer session (see tern_producer.h for the contract).
 *
 * Ring entry payload written by tern_producer_send() (native byte order: the ring is persisted
 * and restored by the same device):
 *   [0] topic index  [1..2] partition (uint16, 0xFFFF = not chosen yet)  [3..10] timestamp
 *   (int64)  [11..] record tail: key, value and headers exactly as RecordBatch v2 encodes them,
 *   so adding a reading to a batch is a short prefix plus one memcpy.
 *
 * One request is in flight at a time. Readings placed in a request get TERN_ENTRY_INFLIGHT; a
 * partition whose oldest reading is in flight is always rebuilt from exactly its in-flight
 * readings (same records, same base sequence), which is what lets an idempotent broker
 * recognise a retry. Acknowledged or failed readings get TERN_ENTRY_DONE and leave the ring
 * once they reach its head.
 */
#include <string.h>

#include "tern_producer.h"
#include "tern_wire.h"

#define PAYLOAD_FIXED 11u
#define UNRESOLVED 0xFFFFu
#define NET_BUFFER_MIN 256u
/* Produce frame bytes around one record besides client id and topic name: size prefix, header
 * (key, version, correlation id, client id length), transactional id, acks, timeout, topic
 * count, topic name length, partition count, partition, records length, batch header. */
#define PRODUCE_OVERHEAD (4u + 8u + 2u + 2u + 2u + 4u + 4u + 2u + 4u + 4u + 4u + 61u)
/* Longest record prefix: length 5, attributes 1, timestamp delta 10, offset delta 5. */
#define RECORD_PREFIX_MAX 21u
#define SEQUENCE_MASK 0x7FFFFFFFu

typedef struct entry {
    uint8_t *payload;
    size_t len;
    uint8_t flags;
    uint8_t topic;
    uint16_t partition;
} entry_t;

/* Kafka errors after which the same batch is retried; all of them also refresh Metadata. */
static const uint8_t retriable_errors[] = {
    TERN_KAFKA_UNKNOWN_TOPIC_OR_PARTITION, TERN_KAFKA_LEADER_NOT_AVAILABLE,
    TERN_KAFKA_NOT_LEADER_OR_FOLLOWER,     TERN_KAFKA_REQUEST_TIMED_OUT,
    TERN_KAFKA_REPLICA_NOT_AVAILABLE,      TERN_KAFKA_NETWORK_EXCEPTION,
    TERN_KAFKA_NOT_ENOUGH_REPLICAS,        TERN_KAFKA_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    TERN_KAFKA_KAFKA_STORAGE_ERROR,        TERN_KAFKA_FENCED_LEADER_EPOCH,
    TERN_KAFKA_UNKNOWN_LEADER_EPOCH};

/* Kafka errors that invalidate the producer id / sequences (idempotent mode). */
static const uint8_t producer_errors[] = {
    TERN_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER, TERN_KAFKA_INVALID_PRODUCER_EPOCH,
    TERN_KAFKA_UNKNOWN_PRODUCER_ID, TERN_KAFKA_PRODUCER_FENCED};

static bool in_list(const uint8_t *list, size_t n, int16_t code)
{
    while (n > 0u) {
        n--;
        if (list[n] == code) {
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 */

static uint32_t now_ms(const tern_producer_t *p)
{
    return p->clock.now_ms(p->clock.ctx);
}

/* Wrap-safe "time t has come". */
static bool reached(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static void wait_for(tern_producer_t *p, uint32_t ms)
{
    p->wait_until = now_ms(p) + ms;
}

static int find_topic(const tern_producer_t *p, const char *name, size_t len)
{
    size_t t;
    for (t = 0; t < p->config.topic_count; t++) {
        const char *mine = p->config.topics[t];
        if (strlen(mine) == len && memcmp(mine, name, len) == 0) {
            return (int)t;
        }
    }
    return -1;
}

/* Decodes an entry's fixed fields; false if it cannot be a reading of this session (the ring
 * may come back from flash). */
static bool entry_load(const tern_producer_t *p, size_t at, entry_t *e)
{
    e->payload = tern_ring_payload(p->ring, at, &e->len);
    e->flags = tern_ring_flags(p->ring, at);
    if (e->len < PAYLOAD_FIXED) {
        return false;
    }
    e->topic = e->payload[0];
    memcpy(&e->partition, e->payload + 1, sizeof(e->partition));
    return e->topic < p->config.topic_count;
}

static int64_t entry_timestamp(const entry_t *e)
{
    int64_t ts;
    memcpy(&ts, e->payload + 3, sizeof(ts));
    return ts;
}

static void pop_done(tern_producer_t *p)
{
    while (p->ring->count > 0u &&
           (tern_ring_flags(p->ring, tern_ring_first(p->ring)) & TERN_ENTRY_DONE) != 0u) {
        (void)tern_ring_pop(p->ring);
    }
}

static void clear_inflight(tern_producer_t *p)
{
    size_t at;
    for (at = tern_ring_first(p->ring); at != TERN_RING_END; at = tern_ring_next(p->ring, at)) {
        uint8_t f = tern_ring_flags(p->ring, at);
        if ((f & TERN_ENTRY_INFLIGHT) != 0u) {
            tern_ring_set_flags(p->ring, at, (uint8_t)(f & ~TERN_ENTRY_INFLIGHT));
        }
    }
}

static void report(tern_producer_t *p, size_t topic, uint32_t partition, uint32_t count,
                   int16_t error, int64_t base_offset)
{
    tern_delivery_t d;
    if (error == 0) {
        p->stats.delivered += count;
    } else {
        p->stats.failed += count;
        TERN_LOG_ERROR(("tern: %lu reading(s) for %s[%lu] failed with Kafka error %d",
                        (unsigned long)count, p->config.topics[topic], (unsigned long)partition,
                        (int)error));
    }
    if (p->config.on_delivery != NULL) {
        d.topic = topic;
        d.partition = (int32_t)partition;
        d.base_offset = base_offset;
        d.record_count = count;
        d.error_code = error;
        p->config.on_delivery(p->config.on_delivery_ctx, &d);
    }
}

/* Finishes in-flight readings, of one partition or (topic < 0) of every partition: delivered
 * (error 0) or failed. */
static void complete(tern_producer_t *p, int topic, uint32_t partition, int16_t error,
                     int64_t base_offset)
{
    size_t at;
    uint32_t n = 0;
    entry_t e;
    for (at = tern_ring_first(p->ring); at != TERN_RING_END; at = tern_ring_next(p->ring, at)) {
        if (entry_load(p, at, &e) && e.flags == TERN_ENTRY_INFLIGHT) {
            if (topic < 0) {
                complete(p, e.topic, e.partition, 0, -1); /* acks=0: per partition */
            } else if (e.topic == (size_t)topic && e.partition == partition) {
                tern_ring_set_flags(p->ring, at, TERN_ENTRY_DONE);
                n++;
            }
        }
    }
    if (n != 0u) {
        if (error == 0) {
            int32_t *seq = &p->sequence[topic][partition];
            *seq = (int32_t)(((uint32_t)*seq + n) & SEQUENCE_MASK);
        }
        report(p, (size_t)topic, partition, n, error, base_offset);
    }
}

/* New producer id (or none): sequences restart and no batch is in flight any more. */
static void reset_producer(tern_producer_t *p, int64_t id, int16_t epoch)
{
    p->producer_id = id;
    p->producer_epoch = epoch;
    memset(p->sequence, 0, sizeof(p->sequence));
    clear_inflight(p);
}

/* ---------------------------------------------------------------------------------------------
 * Connection and request/response exchange
 */

static void drop_connection(tern_producer_t *p)
{
    if (p->connected && p->transport.close != NULL) {
        p->transport.close(p->transport.ctx);
    }
    p->connected = false;
    p->conn_node = -1;
}

/* A connection-level failure: drop the connection, forget leaders, back off exponentially. */
static tern_status_t conn_failed(tern_producer_t *p, tern_status_t st)
{
    uint32_t max = p->config.reconnect_backoff_max_ms;
    TERN_LOG_WARN(("tern: connection failed (status %d); next attempt in %lu ms", (int)st,
                   (unsigned long)p->backoff_ms));
    drop_connection(p);
    p->metadata_valid = false;
    wait_for(p, p->backoff_ms);
    p->backoff_ms = p->backoff_ms > max / 2u ? max : p->backoff_ms * 2u;
    return st;
}

static void next_header(tern_producer_t *p, tern_request_header_t *h, int16_t version)
{
    p->correlation_id = (int32_t)((uint32_t)(p->correlation_id + 1) & 0x7FFFFFFFu);
    h->api_version = version;
    h->correlation_id = p->correlation_id;
    h->client_id = p->config.client_id;
    h->client_id_len = p->client_id_len;
}

/* Sends or receives exactly len bytes of the network buffer before the deadline. */
static tern_status_t io_all(tern_producer_t *p, size_t len, uint32_t deadline, bool sending)
{
    size_t off = 0;
    while (off < len) {
        int32_t n = sending ? p->transport.send(p->transport.ctx, p->net.data + off, len - off)
                            : p->transport.recv(p->transport.ctx, p->net.data + off, len - off);
        if (n < 0 || (size_t)n > len - off) {
            return sending ? TERN_SEND_FAILED : TERN_RECV_FAILED;
        }
        off += (size_t)n;
        if (n == 0 && reached(now_ms(p), deadline)) {
            return TERN_TIMEOUT;
        }
    }
    return TERN_OK;
}

/* Sends the len-byte request in the network buffer (if st is TERN_OK: it is the serializer's
 * status); unless acks=0, receives the response into the same buffer and checks its
 * correlation id. *body and *body_len are valid when TERN_OK is returned with a response. */
static tern_status_t exchange(tern_producer_t *p, tern_status_t st, size_t len, bool want_response,
                              const uint8_t **body, size_t *body_len)
{
    uint32_t deadline = now_ms(p) + p->config.request_timeout_ms + TERN_RESPONSE_GRACE_MS;
    size_t frame_len = 4;
    int32_t correlation_id = 0;
    if (st == TERN_OK) {
        st = io_all(p, len, deadline, true);
    }
    if (st != TERN_OK || !want_response) {
        return st;
    }
    st = io_all(p, 4, deadline, false);
    if (st == TERN_OK) {
        st = tern_frame_size_parse(p->net.data, p->net.size, &frame_len);
    }
    if (st == TERN_OK) {
        st = io_all(p, frame_len, deadline, false);
    }
    if (st == TERN_OK) {
        st = tern_response_header_parse(p->net.data, frame_len, &correlation_id);
    }
    if (st == TERN_OK && correlation_id != p->correlation_id) {
        st = TERN_MALFORMED;
    }
    *body = p->net.data + 4;
    *body_len = frame_len - 4u;
    return st;
}

static int16_t pick_version(const tern_api_version_t *api, int16_t lo, int16_t hi)
{
    int16_t v = api->max_version < hi ? api->max_version : hi;
    return (api->min_version < 0 || v < lo || v < api->min_version) ? (int16_t)-1 : v;
}

/* Connects and negotiates versions with ApiVersions v1: every broker that has Produce v3
 * (Kafka 0.11 and later, the hub) has ApiVersions v1, so no version fallback is needed. */
static tern_status_t open_connection(tern_producer_t *p, const char *host, uint16_t port,
                                     int32_t node)
{
    tern_api_version_t apis[3];
    tern_api_versions_response_t resp;
    tern_request_header_t h;
    const uint8_t *body;
    size_t len = 0;
    size_t body_len;
    tern_status_t st;
    drop_connection(p);
    TERN_LOG_INFO(("tern: connecting to %s:%u (node %ld)", host, (unsigned)port, (long)node));
    if (p->transport.connect(p->transport.ctx, host, port) != 0) {
        return TERN_CONNECT_FAILED;
    }
    p->connected = true;
    p->conn_node = node;
    apis[0].api_key = TERN_API_PRODUCE;
    apis[1].api_key = TERN_API_METADATA;
    apis[2].api_key = TERN_API_INIT_PRODUCER_ID;
    next_header(p, &h, 1);
    st = tern_api_versions_request_serialize(&h, &p->net, &len);
    st = exchange(p, st, len, true, &body, &body_len);
    if (st == TERN_OK) {
        st = tern_api_versions_response_parse(body, body_len, 1, apis, 3, &resp);
    }
    if (st == TERN_OK && resp.error_code != 0) {
        p->last_error = resp.error_code;
        st = TERN_BROKER_ERROR;
    }
    if (st != TERN_OK) {
        return st;
    }
    p->v_produce = pick_version(&apis[0], TERN_PRODUCE_VERSION_MIN, TERN_PRODUCE_VERSION_MAX);
    p->v_metadata = pick_version(&apis[1], TERN_METADATA_VERSION_MIN, TERN_METADATA_VERSION_MAX);
    p->v_init_pid = pick_version(&apis[2], TERN_INIT_PRODUCER_ID_VERSION_MIN,
                                 TERN_INIT_PRODUCER_ID_VERSION_MAX);
    TERN_LOG_INFO(("tern: versions produce %d metadata %d init_producer_id %d", (int)p->v_produce,
                   (int)p->v_metadata, (int)p->v_init_pid));
    if (p->v_produce < 0 || p->v_metadata < 0) {
        return TERN_UNSUPPORTED;
    }
    p->stats.connects++;
    p->backoff_ms = p->config.reconnect_backoff_ms;
    return TERN_OK;
}

/* Configured bootstrap address i (the list, or the single host when the list is empty);
 * false past the end. */
static bool bootstrap_at(const tern_producer_t *p, size_t i, const char **host, uint16_t *port)
{
    if (p->config.bootstrap_count == 0u) {
        *host = p->config.bootstrap_host;
        *port = p->config.bootstrap_port;
        return i == 0u;
    }
    if (i >= p->config.bootstrap_count) {
        return false;
    }
    *host = p->config.bootstrap[i].host;
    *port = p->config.bootstrap[i].port;
    return true;
}

/* Bootstrap candidate i: the configured addresses, then the brokers learnt from Metadata.
 * Returns false past the end. */
static bool candidate_at(const tern_producer_t *p, size_t i, const char **host, uint16_t *port,
                         int32_t *node)
{
    size_t n = p->config.bootstrap_count == 0u ? 1u : p->config.bootstrap_count;
    int s;
    *node = -1;
    if (i < n) {
        return bootstrap_at(p, i, host, port);
    }
    i -= n;
    for (s = 0; s < TERN_BROKERS_MAX; s++) {
        if (p->brokers[s].node_id >= 0 && i-- == 0u) {
            *host = p->brokers[s].host;
            *port = p->brokers[s].port;
            *node = p->brokers[s].node_id;
            return true;
        }
    }
    return false;
}

/* Connects to the first candidate that answers, starting with the one that last worked. */
static tern_status_t connect_any(tern_producer_t *p)
{
    const char *host = NULL;
    uint16_t port = 0;
    int32_t node = -1;
    size_t n = 0;
    size_t k;
    tern_status_t st = TERN_CONNECT_FAILED;
    while (candidate_at(p, n, &host, &port, &node)) {
        n++;
    }
    for (k = 0; k < n; k++) {
        size_t i = ((size_t)p->candidate + k) % n;
        (void)candidate_at(p, i, &host, &port, &node);
        st = open_connection(p, host, port, node);
        if (st == TERN_OK) {
            p->candidate = (uint16_t)i;
            break;
        }
        TERN_LOG_WARN(("tern: %s:%u unusable (status %d)", host, (unsigned)port, (int)st));
    }
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * InitProducerId and Metadata
 */

static tern_status_t init_producer_id(tern_producer_t *p)
{
    tern_init_producer_id_request_t q;
    tern_init_producer_id_response_t r;
    tern_request_header_t h;
    const uint8_t *body;
    size_t len = 0;
    size_t body_len;
    tern_status_t st;
    if (p->v_init_pid < 0) {
        if (p->config.idempotence == TERN_IDEMPOTENCE_REQUIRED) {
            TERN_LOG_ERROR(("tern: idempotence required but the broker lacks InitProducerId"));
            return TERN_UNSUPPORTED;
        }
        TERN_LOG_WARN(("tern: broker lacks InitProducerId; producing without idempotence"));
        p->need_pid = false;
        p->idempotent = false;
        return TERN_OK;
    }
    q.transactional_id = NULL;
    q.transactional_id_len = 0;
    q.transaction_timeout_ms = 0x7FFFFFFF; /* what Java sends without transactions */
    next_header(p, &h, p->v_init_pid);
    st = tern_init_producer_id_request_serialize(&h, &q, &p->net, &len);
    st = exchange(p, st, len, true, &body, &body_len);
    if (st == TERN_OK) {
        st = tern_init_producer_id_response_parse(body, body_len, p->v_init_pid, &r);
    }
    if (st == TERN_OK && (r.error_code != 0 || r.producer_id < 0)) {
        p->last_error = r.error_code;
        st = TERN_BROKER_ERROR;
    }
    if (st == TERN_OK) {
        TERN_LOG_INFO(
            ("tern: producer id %ld epoch %d", (long)r.producer_id, (int)r.producer_epoch));
        reset_producer(p, r.producer_id, r.producer_epoch);
        p->idempotent = true;
        p->need_pid = false;
    }
    return st;
}

static void md_topic(void *ctx, const tern_metadata_topic_t *t)
{
    tern_producer_t *p = (tern_producer_t *)ctx;
    int i = find_topic(p, t->name, t->name_len);
    if (i < 0) {
        return;
    }
    if (t->error_code != 0) {
        TERN_LOG_WARN(("tern: metadata for %s: error %d", p->config.topics[i], (int)t->error_code));
        p->last_error = t->error_code;
    } else if (t->partition_count > TERN_PARTITIONS_MAX) {
        TERN_LOG_ERROR(("tern: %s has %ld partitions, TERN_PARTITIONS_MAX is %d",
                        p->config.topics[i], (long)t->partition_count, TERN_PARTITIONS_MAX));
        p->scratch_status = TERN_LIMIT;
    } else {
        p->partition_count[i] = (uint16_t)t->partition_count;
    }
}

static void md_partition(void *ctx, const tern_metadata_topic_t *t,
                         const tern_metadata_partition_t *part)
{
    tern_producer_t *p = (tern_producer_t *)ctx;
    int i = find_topic(p, t->name, t->name_len);
    if (i >= 0 && part->partition >= 0 && part->partition < p->partition_count[i]) {
        p->leader[i][part->partition] = part->leader_id;
    }
}

static int find_slot(const tern_producer_t *p, int32_t node)
{
    int s;
    for (s = 0; s < TERN_BROKERS_MAX; s++) {
        if (p->brokers[s].node_id == node) {
            return s;
        }
    }
    return -1;
}

/* Stores broker b in a free slot; false if there is none or the address cannot be kept. */
static bool remember_broker(tern_producer_t *p, const tern_metadata_broker_t *b)
{
    int s = find_slot(p, -1);
    if (s < 0 || b->host_len >= TERN_HOST_LEN_MAX || b->port <= 0 || b->port > 0xFFFF) {
        return false;
    }
    p->brokers[s].node_id = b->node_id;
    p->brokers[s].port = (uint16_t)b->port;
    memcpy(p->brokers[s].host, b->host, b->host_len);
    p->brokers[s].host[b->host_len] = '\0';
    return true;
}

static void md_broker(void *ctx, const tern_metadata_broker_t *b)
{
    tern_producer_t *p = (tern_producer_t *)ctx;
    const int32_t *leader = &p->leader[0][0];
    const char *host;
    uint16_t port;
    size_t i;
    /* Learn which broker the bootstrap address is, to avoid a needless reconnect (a connection
     * to a learnt broker knows its node already, so candidate is a bootstrap index here). */
    if (p->conn_node < 0 && bootstrap_at(p, p->candidate, &host, &port) && b->port == port &&
        strlen(host) == b->host_len && memcmp(host, b->host, b->host_len) == 0) {
        p->conn_node = b->node_id;
    }
    /* Remember the addresses of partition leaders first (unused leader entries hold -1). */
    for (i = 0; i < TERN_TOPICS_MAX * TERN_PARTITIONS_MAX && leader[i] != b->node_id; i++) {
    }
    if (b->node_id < 0 || i == TERN_TOPICS_MAX * TERN_PARTITIONS_MAX ||
        find_slot(p, b->node_id) >= 0) {
        return;
    }
    if (!remember_broker(p, b)) {
        TERN_LOG_ERROR(("tern: cannot remember broker %ld (TERN_BROKERS_MAX %d, host length %lu)",
                        (long)b->node_id, TERN_BROKERS_MAX, (unsigned long)b->host_len));
        p->scratch_status = TERN_LIMIT;
    }
}

/* Then other brokers, while slots are free: fallbacks when the connection is lost. */
static void md_other_broker(void *ctx, const tern_metadata_broker_t *b)
{
    tern_producer_t *p = (tern_producer_t *)ctx;
    if (b->node_id >= 0 && find_slot(p, b->node_id) < 0) {
        (void)remember_broker(p, b);
    }
}

static tern_status_t refresh_metadata(tern_producer_t *p)
{
    tern_str_t names[TERN_TOPICS_MAX];
    tern_metadata_request_t q;
    tern_metadata_visitor_t vis;
    tern_request_header_t h;
    const uint8_t *body;
    size_t len = 0;
    size_t body_len;
    size_t t;
    tern_status_t st;
    for (t = 0; t < p->config.topic_count; t++) {
        names[t].data = p->config.topics[t];
        names[t].len = strlen(p->config.topics[t]);
    }
    q.topics = names;
    q.topic_count = p->config.topic_count;
    q.allow_auto_topic_creation = p->config.allow_auto_topic_creation;
    next_header(p, &h, p->v_metadata);
    st = tern_metadata_request_serialize(&h, &q, &p->net, &len);
    st = exchange(p, st, len, true, &body, &body_len);
    if (st != TERN_OK) {
        return st;
    }
    memset(p->partition_count, 0, sizeof(p->partition_count));
    memset(p->leader, 0xFF, sizeof(p->leader));   /* every leader -1 */
    memset(p->brokers, 0xFF, sizeof(p->brokers)); /* every slot free (node -1) */
    p->scratch_status = TERN_OK;
    memset(&vis, 0, sizeof(vis));
    vis.ctx = p;
    vis.on_topic = md_topic;
    vis.on_partition = md_partition;
    /* Brokers come first in the response but are only needed once the leaders are known. */
    st = tern_metadata_response_parse(body, body_len, p->v_metadata, &vis, NULL);
    if (st == TERN_OK) {
        vis.on_topic = NULL;
        vis.on_partition = NULL;
        vis.on_broker = md_broker;
        st = tern_metadata_response_parse(body, body_len, p->v_metadata, &vis, NULL);
    }
    if (st == TERN_OK) {
        vis.on_broker = md_other_broker;
        st = tern_metadata_response_parse(body, body_len, p->v_metadata, &vis, NULL);
    }
    if (st == TERN_OK) {
        st = (tern_status_t)p->scratch_status;
    }
    p->metadata_valid = st == TERN_OK;
    p->metadata_at = now_ms(p);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Partitions and targets
 */

/* Key of a record tail: 1 with a key, 0 for a null key, -1 if the bytes are unreadable. */
static int tail_key(const uint8_t *tail, size_t len, const uint8_t **key, size_t *key_len)
{
    uint32_t u = 0;
    unsigned shift = 0;
    size_t i = 0;
    uint8_t b;
    do {
        if (i >= len || shift > 28u) {
            return -1;
        }
        b = tail[i++];
        u |= (uint32_t)(b & 0x7Fu) << shift;
        shift += 7u;
    } while ((b & 0x80u) != 0u);
    if (u == 1u) { /* zigzag -1: null key */
        return 0;
    }
    if ((u & 1u) != 0u || (u >> 1) > len - i) {
        return -1;
    }
    *key = tail + i;
    *key_len = u >> 1;
    return 1;
}

static uint16_t choose_partition(const tern_producer_t *p, size_t topic, const uint8_t *key,
                                 size_t key_len, int has_key)
{
    uint16_t count = p->partition_count[topic];
    TERN_ASSERT(count > 0u);
    if (has_key > 0) {
        return (uint16_t)tern_partition_for_key(key, key_len, count);
    }
    return (uint16_t)(p->sticky[topic] % count);
}

/* Chooses partitions for readings queued before the partition count was known, and fails
 * readings that can never be sent. Returns the leader of the oldest sendable reading (-1 if
 * none) with its topic and partition. */
static int32_t resolve(tern_producer_t *p, size_t *topic, uint32_t *partition, int *slot)
{
    size_t at;
    int32_t target = -1;
    for (at = tern_ring_first(p->ring); at != TERN_RING_END; at = tern_ring_next(p->ring, at)) {
        entry_t e;
        uint16_t count;
        const uint8_t *key = NULL;
        size_t key_len = 0;
        int k = 0;
        bool valid = entry_load(p, at, &e);
        if ((e.flags & TERN_ENTRY_DONE) != 0u) {
            continue;
        }
        count = valid ? p->partition_count[e.topic] : 0u;
        if (valid && count == 0u) {
            continue; /* topic unknown for now */
        }
        if (valid && e.partition == UNRESOLVED) {
            k = tail_key(e.payload + PAYLOAD_FIXED, e.len - PAYLOAD_FIXED, &key, &key_len);
            if (k >= 0) {
                e.partition = choose_partition(p, e.topic, key, key_len, k);
                memcpy(e.payload + 1, &e.partition, sizeof(e.partition));
                tern_ring_commit(p->ring, at);
            }
        }
        if (!valid || k < 0 || e.partition >= count) {
            /* Unreadable (corrupt flash) or a partition the topic does not have. */
            tern_ring_set_flags(p->ring, at, TERN_ENTRY_DONE);
            if (valid) {
                report(p, e.topic, e.partition, 1, TERN_KAFKA_UNKNOWN_TOPIC_OR_PARTITION, -1);
            } else {
                p->stats.failed++;
            }
            continue;
        }
        if (target < 0 && p->leader[e.topic][e.partition] >= 0) {
            *slot = find_slot(p, p->leader[e.topic][e.partition]);
            if (*slot >= 0) {
                target = p->leader[e.topic][e.partition];
                *topic = e.topic;
                *partition = e.partition;
            }
        }
    }
    return target;
}

/* ---------------------------------------------------------------------------------------------
 * Produce
 */

/* Adds one partition's batch. In-flight readings are resent as exactly the same batch;
 * otherwise every unsent reading that fits joins. Returns false once the buffer is full. */
static bool build_partition(tern_producer_t *p, tern_produce_builder_t *b, size_t topic,
                            uint32_t partition)
{
    size_t at;
    bool first = true;
    bool inflight = false;
    (void)tern_produce_add_partition(b, (int32_t)partition,
                                     p->idempotent ? p->sequence[topic][partition] : -1);
    for (at = tern_ring_first(p->ring); at != TERN_RING_END; at = tern_ring_next(p->ring, at)) {
        entry_t e;
        if (!entry_load(p, at, &e) || (e.flags & TERN_ENTRY_DONE) != 0u || e.topic != topic ||
            e.partition != partition) {
            continue;
        }
        if (first) {
            inflight = (e.flags & TERN_ENTRY_INFLIGHT) != 0u;
            first = false;
        } else if (inflight && (e.flags & TERN_ENTRY_INFLIGHT) == 0u) {
            break;
        }
        if (tern_produce_add_encoded(b, entry_timestamp(&e), e.payload + PAYLOAD_FIXED,
                                     e.len - PAYLOAD_FIXED) != TERN_OK) {
            if (inflight) {
                tern_produce_drop_partition(b); /* a retried batch goes whole or not at all */
            }
            return false;
        }
        tern_ring_set_flags(p->ring, at, TERN_ENTRY_INFLIGHT);
    }
    return true;
}

/* Builds a Produce request with every partition led by `node`, the target partition first
 * (so the oldest reading always gets in). Returns the frame size, 0 if there is nothing. */
static size_t build_produce(tern_producer_t *p, int32_t node, size_t ht, uint32_t hp)
{
    tern_produce_builder_t b;
    tern_request_header_t h;
    size_t j;
    size_t len = 0;
    bool room = true;
    next_header(p, &h, p->v_produce);
    (void)tern_produce_begin(&b, &p->net, &h, p->config.acks, (int32_t)p->config.request_timeout_ms,
                             p->idempotent ? p->producer_id : -1,
                             p->idempotent ? p->producer_epoch : -1);
    for (j = 0; j < p->config.topic_count && room; j++) {
        size_t t = (ht + j) % p->config.topic_count;
        uint32_t i;
        (void)tern_produce_add_topic(&b, p->config.topics[t], strlen(p->config.topics[t]));
        for (i = 0; i < p->partition_count[t] && room; i++) {
            /* In the target topic visit hp first, then the others in order. */
            uint32_t part = t != ht ? i : (i == 0u ? hp : (i <= hp ? i - 1u : i));
            if (p->leader[t][part] == node) {
                room = build_partition(p, &b, t, part);
            }
        }
    }
    (void)tern_produce_end(&b, &len); /* no record at all: len stays 0 */
    return len;
}

static void on_result(void *ctx, const tern_produce_result_t *r)
{
    tern_producer_t *p = (tern_producer_t *)ctx;
    int t = find_topic(p, r->topic, r->topic_len);
    int16_t e = r->error_code;
    if (t < 0 || r->partition < 0 || r->partition >= TERN_PARTITIONS_MAX) {
        return;
    }
    if (e == TERN_KAFKA_NONE || e == TERN_KAFKA_DUPLICATE_SEQUENCE_NUMBER) {
        /* A duplicate means an earlier attempt was written: delivered, offset unknown. */
        complete(p, t, (uint32_t)r->partition, 0, e == 0 ? r->base_offset : -1);
        return;
    }
    p->last_error = e;
    p->scratch_status = TERN_BROKER_ERROR;
    TERN_LOG_WARN(
        ("tern: produce to %s[%ld]: error %d", p->config.topics[t], (long)r->partition, (int)e));
    if (in_list(retriable_errors, sizeof(retriable_errors), e)) {
        p->metadata_valid = false; /* most of them mean the leader moved */
    } else if (p->idempotent && in_list(producer_errors, sizeof(producer_errors), e)) {
        p->need_pid = true; /* new producer id; the readings are resent under it */
    } else {
        complete(p, t, (uint32_t)r->partition, e, -1);
    }
}

static tern_status_t produce(tern_producer_t *p, int32_t node, size_t ht, uint32_t hp)
{
    const uint8_t *body;
    size_t body_len;
    int32_t throttle_ms = 0;
    size_t t;
    tern_status_t st;
    size_t len = build_produce(p, node, ht, hp);
    TERN_ASSERT(len != 0u);
    p->lingering = false;
    p->stats.requests++;
    for (t = 0; t < TERN_TOPICS_MAX; t++) {
        p->sticky[t]++; /* readings without a key move on to the next partition */
    }
    st = exchange(p, TERN_OK, len, p->config.acks != 0, &body, &body_len);
    if (st == TERN_OK && p->config.acks == 0) {
        complete(p, -1, 0, 0, -1);
    } else if (st == TERN_OK) {
        p->scratch_status = TERN_OK;
        st = tern_produce_response_parse(body, body_len, p->v_produce, on_result, p, &throttle_ms);
    }
    if (st != TERN_OK) {
        p->stats.retries++;
        return conn_failed(p, st);
    }
    pop_done(p);
    st = (tern_status_t)p->scratch_status;
    if (st != TERN_OK) {
        p->stats.retries++;
        throttle_ms = (int32_t)p->config.retry_backoff_ms;
    }
    if (throttle_ms > 0) {
        wait_for(p, (uint32_t)throttle_ms);
    }
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 */

void tern_producer_config_init(tern_producer_config_t *config)
{
    if (config == NULL) {
        return;
    }
    memset(config, 0, sizeof(*config));
    config->acks = -1;
    config->request_timeout_ms = 10000;
    config->retry_backoff_ms = 100;
    config->reconnect_backoff_ms = 100;
    config->reconnect_backoff_max_ms = 10000;
    config->metadata_max_age_ms = 300000;
}

static bool host_ok(const char *host)
{
    return host != NULL && host[0] != '\0' && strlen(host) < TERN_HOST_LEN_MAX;
}

static bool config_ok(const tern_producer_config_t *c)
{
    size_t t;
    if (c->acks < -1 || c->acks > 1 || (unsigned)c->idempotence > TERN_IDEMPOTENCE_REQUIRED ||
        (c->idempotence != TERN_IDEMPOTENCE_OFF && c->acks != -1) || c->topics == NULL ||
        c->topic_count == 0u || c->topic_count > TERN_TOPICS_MAX ||
        c->bootstrap_count > TERN_BOOTSTRAP_MAX ||
        (c->bootstrap_count > 0u && c->bootstrap == NULL) ||
        (c->bootstrap_count == 0u && !host_ok(c->bootstrap_host)) ||
        (c->client_id != NULL && strlen(c->client_id) > 0x7FFFu) ||
        c->request_timeout_ms > 0x7FFFFFFFu) {
        return false;
    }
    for (t = 0; t < c->bootstrap_count; t++) {
        if (!host_ok(c->bootstrap[t].host)) {
            return false;
        }
    }
    for (t = 0; t < c->topic_count; t++) {
        if (c->topics[t] == NULL || c->topics[t][0] == '\0' || strlen(c->topics[t]) > 0x7FFFu) {
            return false;
        }
    }
    return true;
}

tern_status_t tern_producer_init(tern_producer_t *producer, const tern_producer_config_t *config,
                                 const tern_transport_t *transport, const tern_clock_t *clock,
                                 const tern_buffer_t *net_buffer, tern_ring_t *ring)
{
    tern_producer_t *p = producer;
    if (p == NULL || config == NULL || transport == NULL || clock == NULL || net_buffer == NULL ||
        ring == NULL || ring->storage == NULL || transport->connect == NULL ||
        transport->send == NULL || transport->recv == NULL || clock->now_ms == NULL ||
        net_buffer->data == NULL || net_buffer->size < NET_BUFFER_MIN ||
        net_buffer->size > 0x7FFFFFFFu || !config_ok(config)) {
        return TERN_BAD_PARAMETER;
    }
    memset(p, 0, sizeof(*p));
    memset(p->leader, 0xFF, sizeof(p->leader));
    memset(p->brokers, 0xFF, sizeof(p->brokers));
    p->config = *config;
    if (p->config.client_id == NULL) {
        p->config.client_id = TERN_CLIENT_ID_DEFAULT;
    }
    p->client_id_len = strlen(p->config.client_id);
    p->transport = *transport;
    p->clock = *clock;
    p->net = *net_buffer;
    p->ring = ring;
    p->conn_node = -1;
    p->v_init_pid = -1;
    p->producer_id = -1;
    p->producer_epoch = -1;
    p->need_pid = config->idempotence != TERN_IDEMPOTENCE_OFF;
    p->backoff_ms = config->reconnect_backoff_ms;
    p->wait_until = now_ms(p);
    return TERN_OK;
}

tern_status_t tern_producer_send(tern_producer_t *producer, size_t topic, int32_t partition,
                                 const tern_record_t *record)
{
    tern_producer_t *p = producer;
    tern_writer_t w = {NULL, 0, 0};
    uint8_t *dst;
    uint8_t dropped;
    uint16_t part = UNRESOLVED;
    uint16_t count;
    tern_status_t st;
    if (p == NULL || p->ring == NULL || record == NULL || topic >= p->config.topic_count ||
        partition < -1 || partition >= TERN_PARTITIONS_MAX || !tern_record_valid(record)) {
        return TERN_BAD_PARAMETER;
    }
    count = p->partition_count[topic];
    if (partition >= 0 && count > 0u && (uint32_t)partition >= count) {
        return TERN_BAD_PARAMETER;
    }
    tern_w_record_tail(&w, record);
    if (w.pos > TERN_RING_PAYLOAD_MAX - PAYLOAD_FIXED || PRODUCE_OVERHEAD + p->client_id_len +
                                                                 strlen(p->config.topics[topic]) +
                                                                 RECORD_PREFIX_MAX + w.pos >
                                                             p->net.size) {
        return TERN_BUFFER_TOO_SMALL;
    }
    if (partition >= 0) {
        part = (uint16_t)partition;
    } else if (count > 0u) {
        part = choose_partition(p, topic, record->key, record->key_len, record->key != NULL);
    }
    if (p->ring->count == 0u) {
        p->lingering = true;
        p->linger_start = now_ms(p);
    }
    st = tern_ring_push(p->ring, PAYLOAD_FIXED + w.pos, &dst, &dropped);
    if (st != TERN_OK) {
        return st;
    }
    if ((dropped & TERN_ENTRY_INFLIGHT) != 0u) {
        /* Part of an unacknowledged request is gone: that batch can never be resent as it was,
         * so start over with fresh batches (and, idempotent, a new producer id). */
        TERN_LOG_WARN(("tern: ring full, dropped readings of an unacknowledged request"));
        clear_inflight(p);
        p->need_pid = p->idempotent;
    }
    dst[0] = (uint8_t)topic;
    memcpy(dst + 1, &part, sizeof(part));
    memcpy(dst + 3, &record->timestamp_ms, sizeof(record->timestamp_ms));
    w.buf = dst + PAYLOAD_FIXED;
    w.cap = w.pos;
    w.pos = 0;
    tern_w_record_tail(&w, record);
    tern_ring_commit(p->ring, (size_t)(dst - p->ring->storage) - TERN_RING_ENTRY_HEADER);
    p->stats.enqueued++;
    return TERN_OK;
}

tern_status_t tern_producer_poll(tern_producer_t *producer)
{
    tern_producer_t *p = producer;
    const tern_ring_t *r;
    tern_status_t st = TERN_OK;
    uint32_t now;
    size_t topic = 0;
    uint32_t partition = 0;
    int slot = -1;
    int32_t node;
    if (p == NULL || p->ring == NULL) {
        return TERN_BAD_PARAMETER;
    }
    r = p->ring;
    now = now_ms(p);
    if (!reached(now, p->wait_until)) {
        return TERN_BACKOFF;
    }
    if (!p->connected) {
        st = connect_any(p);
    }
    if (st == TERN_OK && p->need_pid) {
        st = init_producer_id(p);
        if (st == TERN_BROKER_ERROR) {
            wait_for(p, p->config.retry_backoff_ms);
            return st;
        }
    }
    if (st == TERN_OK &&
        (!p->metadata_valid || reached(now, p->metadata_at + p->config.metadata_max_age_ms))) {
        st = refresh_metadata(p);
    }
    if (st != TERN_OK) {
        return conn_failed(p, st);
    }
    node = resolve(p, &topic, &partition, &slot);
    pop_done(p);
    /* Linger: wait for more readings unless flushing or a request's worth is queued. */
    if (r->count == 0u ||
        (p->lingering && !p->flushing && !reached(now, p->linger_start + p->config.linger_ms) &&
         (r->tail >= r->head ? r->tail - r->head : r->size - r->head + r->tail) < p->net.size)) {
        return TERN_OK;
    }
    if (node < 0) {
        /* Readings wait for a topic or leader that Metadata does not show yet. */
        p->metadata_valid = false;
        wait_for(p, p->config.retry_backoff_ms);
        return p->last_error != 0 ? TERN_BROKER_ERROR : TERN_OK;
    }
    if (node != p->conn_node) {
        st = open_connection(p, p->brokers[slot].host, p->brokers[slot].port, node);
        if (st != TERN_OK) {
            return conn_failed(p, st);
        }
    }
    return produce(p, node, topic, partition);
}

tern_status_t tern_producer_flush(tern_producer_t *producer, uint32_t timeout_ms)
{
    tern_producer_t *p = producer;
    tern_status_t st = TERN_OK;
    uint32_t start;
    if (p == NULL || p->ring == NULL) {
        return TERN_BAD_PARAMETER;
    }
    start = now_ms(p);
    p->flushing = true;
    for (;;) {
        uint32_t elapsed;
        pop_done(p);
        elapsed = now_ms(p) - start;
        if (p->ring->count == 0u || elapsed >= timeout_ms || st == TERN_UNSUPPORTED ||
            st == TERN_LIMIT) {
            break;
        }
        st = tern_producer_poll(p);
        if (st != TERN_OK && p->clock.sleep_ms != NULL) {
            uint32_t wait = p->wait_until - now_ms(p);
            uint32_t left = timeout_ms - elapsed;
            /* wait is "negative" (huge) once the backoff is over: then do not sleep. */
            if ((int32_t)wait > 0) {
                p->clock.sleep_ms(p->clock.ctx, wait < left ? wait : left);
            }
        }
    }
    p->flushing = false;
    if (p->ring->count == 0u) {
        return TERN_OK;
    }
    return (st == TERN_UNSUPPORTED || st == TERN_LIMIT) ? st : TERN_TIMEOUT;
}

tern_status_t tern_producer_close(tern_producer_t *producer)
{
    if (producer == NULL) {
        return TERN_BAD_PARAMETER;
    }
    drop_connection(producer);
    return TERN_OK;
}

uint32_t tern_producer_pending(const tern_producer_t *producer)
{
    size_t at;
    uint32_t n = 0;
    if (producer == NULL || producer->ring == NULL) {
        return 0;
    }
    for (at = tern_ring_first(producer->ring); at != TERN_RING_END;
         at = tern_ring_next(producer->ring, at)) {
        n += (tern_ring_flags(producer->ring, at) & TERN_ENTRY_DONE) == 0u ? 1u : 0u;
    }
    return n;
}

bool tern_producer_is_idempotent(const tern_producer_t *producer)
{
    return producer != NULL && producer->idempotent;
}

int16_t tern_producer_last_error(const tern_producer_t *producer)
{
    return producer == NULL ? 0 : producer->last_error;
}

const tern_producer_stats_t *tern_producer_get_stats(const tern_producer_t *producer)
{
    return producer == NULL ? NULL : &producer->stats;
}
