/*
 * tern_serializer.c - Kafka request encoders and response parsers (see tern_serializer.h).
 *
 * Encoders: one function per API writes through a tern_writer_t. Run with a zero-capacity writer it
 * measures (the *_size() functions), with the caller's buffer it serializes; arguments are
 * validated in the same function, so both steps accept and reject exactly the same inputs.
 *
 * Parsers: a tern_r_t reads untrusted bytes. Every read is bounds-checked and the first failure
 * is sticky (later reads return 0), so a parser reads a whole message and checks once. Array
 * counts are checked against the bytes left (each element has a minimum size), so a hostile
 * count only costs a bounded loop. Parsers with callbacks validate in a first pass and call back
 * in a second one.
 */
#include <string.h>

#include "tern_wire.h"

/* ---------------------------------------------------------------------------------------------
 * Writer (32-bit arguments: 64-bit ones cost a register pair at every call on a Cortex-M)
 */

void tern_w_be(tern_writer_t *w, uint32_t v, unsigned n)
{
    while (n > 0u) {
        n--;
        if (w->pos < w->cap) {
            w->buf[w->pos] = (uint8_t)(v >> (8u * n));
        }
        w->pos++;
    }
}

void tern_w_i64(tern_writer_t *w, int64_t v)
{
    tern_w_be(w, (uint32_t)((uint64_t)v >> 32), 4);
    tern_w_be(w, (uint32_t)v, 4);
}

void tern_w_raw(tern_writer_t *w, const void *src, size_t n)
{
    if (src != NULL && n != 0u && n <= w->cap && w->pos <= w->cap - n) {
        memcpy(w->buf + w->pos, src, n);
    }
    w->pos += n;
}

void tern_w_varlong(tern_writer_t *w, int64_t v)
{
    uint64_t u = (uint64_t)v;
    u = (u << 1) ^ (0u - (u >> 63)); /* zigzag */
    while (u >= 0x80u) {
        tern_w_be(w, (uint32_t)(u & 0x7Fu) | 0x80u, 1);
        u >>= 7;
    }
    tern_w_be(w, (uint32_t)u, 1);
}

void tern_w_varint(tern_writer_t *w, int32_t v)
{
    uint32_t u = (uint32_t)v;
    u = (u << 1) ^ (0u - (u >> 31)); /* zigzag */
    while (u >= 0x80u) {
        tern_w_be(w, (u & 0x7Fu) | 0x80u, 1);
        u >>= 7;
    }
    tern_w_be(w, u, 1);
}

void tern_w_str16(tern_writer_t *w, const char *s, size_t n)
{
    tern_w_be(w, s == NULL ? 0xFFFFu : (uint32_t)n, 2);
    tern_w_raw(w, s, n);
}

void tern_w_patch_be(tern_writer_t *w, size_t at, uint32_t v, unsigned n)
{
    tern_writer_t p;
    p.buf = w->buf;
    p.cap = w->cap;
    p.pos = at;
    tern_w_be(&p, v, n);
}

void tern_w_request_header(tern_writer_t *w, int16_t api_key, const tern_request_header_t *header)
{
    tern_w_be(w, 0, 4); /* size prefix, patched by tern_w_finish() */
    tern_w_be(w, ((uint32_t)(uint16_t)api_key << 16) | (uint16_t)header->api_version, 4);
    tern_w_be(w, (uint32_t)header->correlation_id, 4);
    tern_w_str16(w, header->client_id, header->client_id_len);
}

tern_status_t tern_w_finish(tern_writer_t *w, size_t *written)
{
    if (w->pos > w->cap) {
        return TERN_BUFFER_TOO_SMALL;
    }
    tern_w_patch_be(w, 0, (uint32_t)(w->pos - 4u), 4);
    if (written != NULL) {
        *written = w->pos;
    }
    return TERN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Records and batches
 */

/* A pointer/length pair is usable if the pointer is set whenever there are bytes. */
static bool span_ok(const void *p, size_t n, size_t max)
{
    return (p != NULL || n == 0u) && n <= max;
}

bool tern_record_valid(const tern_record_t *record)
{
    size_t i;
    if (!span_ok(record->key, record->key_len, TERN_I32_MAX) ||
        !span_ok(record->value, record->value_len, TERN_I32_MAX) ||
        !span_ok(record->headers, record->header_count, TERN_I32_MAX)) {
        return false;
    }
    for (i = 0; i < record->header_count; i++) {
        const tern_header_t *h = &record->headers[i];
        if (!span_ok(h->key, h->key_len, TERN_I32_MAX) ||
            !span_ok(h->value, h->value_len, TERN_I32_MAX)) {
            return false;
        }
    }
    return true;
}

/* Record-field bytes: zigzag varint length (-1 for null) and the bytes. */
static void w_varbytes(tern_writer_t *w, const void *p, size_t n)
{
    tern_w_varint(w, p == NULL ? -1 : (int32_t)n);
    tern_w_raw(w, p, n);
}

void tern_w_record_tail(tern_writer_t *w, const tern_record_t *record)
{
    size_t i;
    w_varbytes(w, record->key, record->key_len);
    w_varbytes(w, record->value, record->value_len);
    tern_w_varint(w, (int32_t)record->header_count);
    for (i = 0; i < record->header_count; i++) {
        const tern_header_t *h = &record->headers[i];
        /* A header key is a string, never null. */
        w_varbytes(w, h->key != NULL ? h->key : "", h->key_len);
        w_varbytes(w, h->value, h->value_len);
    }
}

/* attributes, timestampDelta, offsetDelta: the record fields before the tail. */
static void w_record_fields(tern_writer_t *w, int64_t timestamp_delta, int32_t offset_delta)
{
    tern_w_be(w, 0, 1); /* record attributes: unused in v2 */
    tern_w_varlong(w, timestamp_delta);
    tern_w_varint(w, offset_delta);
}

/* ---------------------------------------------------------------------------------------------
 * Request framing
 */

static bool header_ok(const tern_request_header_t *h, int16_t lo, int16_t hi)
{
    return h != NULL && h->api_version >= lo && h->api_version <= hi &&
           span_ok(h->client_id, h->client_id_len, TERN_I16_MAX);
}

/* Starts a request: a writer over buffer (NULL: measure only) and the request header. False
 * if the header or the output arguments are unusable. */
static bool begin_request(tern_writer_t *w, const tern_buffer_t *buffer, size_t *size,
                          const tern_request_header_t *h, int16_t api_key, int16_t max_version)
{
    w->buf = NULL;
    w->cap = 0;
    w->pos = 0;
    if (buffer != NULL) {
        w->buf = buffer->data;
        w->cap = buffer->size;
    }
    if ((buffer == NULL && size == NULL) || (buffer != NULL && buffer->data == NULL) ||
        !header_ok(h, api_key == TERN_API_PRODUCE ? TERN_PRODUCE_VERSION_MIN : 0, max_version)) {
        return false;
    }
    tern_w_request_header(w, api_key, h);
    return true;
}

/* Patches the size prefix and reports the size (also when measuring or too small). */
static tern_status_t end_request(tern_writer_t *w, size_t *size)
{
    if (size != NULL) {
        *size = w->pos;
    }
    if (w->buf == NULL) {
        return TERN_OK;
    }
    return tern_w_finish(w, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Produce builder
 */

/* Writes the 61-byte RecordBatch header of the open partition (reserved at part_at + 8, the
 * records follow it up to w.pos) and its CRC32C. */
static void batch_header(tern_produce_builder_t *b)
{
    tern_writer_t *w = &b->w;
    size_t at = b->part_at + 8u;
    tern_writer_t h;
    h.buf = w->buf;
    h.cap = w->cap;
    h.pos = at;
    tern_w_i64(&h, 0);                                 /* baseOffset: the broker assigns it */
    tern_w_be(&h, (uint32_t)(w->pos - at - 12u), 4);   /* batchLength: after this field */
    tern_w_be(&h, 0xFFFFFFFFu, 4);                     /* partitionLeaderEpoch: -1 */
    tern_w_be(&h, 2, 1);                               /* magic */
    tern_w_be(&h, 0, 4);                               /* crc, below */
    tern_w_be(&h, 0, 2);                               /* attributes: none, CreateTime */
    tern_w_be(&h, (uint32_t)(b->record_count - 1), 4); /* lastOffsetDelta */
    tern_w_i64(&h, b->base_timestamp);
    tern_w_i64(&h, b->max_timestamp);
    tern_w_i64(&h, b->producer_id);
    tern_w_be(&h, (uint16_t)b->producer_epoch, 2);
    tern_w_be(&h, (uint32_t)b->base_sequence, 4);
    tern_w_be(&h, (uint32_t)b->record_count, 4);
    if (w->buf != NULL && w->pos <= w->cap) {
        /* CRC32C covers attributes .. end of the batch. */
        uint32_t crc = tern_crc32c(0, w->buf + at + TERN_BATCH_ATTRIBUTES_OFFSET,
                                   w->pos - at - TERN_BATCH_ATTRIBUTES_OFFSET);
        tern_w_patch_be(w, at + TERN_BATCH_CRC_OFFSET, crc, 4);
    }
    tern_w_patch_be(w, b->part_at + 4u, (uint32_t)(w->pos - at), 4); /* records: byte length */
}

/* Closes the open partition: its batch header, or nothing at all if it has no record. */
static void close_partition(tern_produce_builder_t *b)
{
    if (b->part_at == 0u) {
        return;
    }
    if (b->record_count == 0) {
        b->w.pos = b->part_at;
    } else {
        batch_header(b);
        b->partition_count++;
    }
    b->part_at = 0;
}

static void close_topic(tern_produce_builder_t *b)
{
    close_partition(b);
    if (b->topic_at == 0u) {
        return;
    }
    if (b->partition_count == 0u) {
        b->w.pos = b->topic_at;
    } else {
        tern_w_patch_be(&b->w, b->parts_at, b->partition_count, 4);
        b->topic_count++;
    }
    b->topic_at = 0;
}

void tern_produce_drop_partition(tern_produce_builder_t *b)
{
    b->record_count = 0;
    close_partition(b);
}

static tern_status_t add_record(tern_produce_builder_t *b, int64_t ts, const tern_record_t *r,
                                const uint8_t *tail, size_t tail_len)
{
    tern_writer_t *w = &b->w;
    size_t at = w->pos;
    tern_writer_t m = {NULL, 0, 0};
    int64_t delta;
    if (b->part_at == 0u || b->record_count == TERN_I32_MAX) {
        return TERN_BAD_PARAMETER;
    }
    if (b->record_count == 0) {
        b->base_timestamp = ts;
        b->max_timestamp = ts;
    }
    /* Unsigned subtraction: wraps instead of overflowing for absurd timestamps. */
    delta = (int64_t)((uint64_t)ts - (uint64_t)b->base_timestamp);
    w_record_fields(&m, delta, b->record_count);
    tern_w_varint(w, (int32_t)(m.pos + tail_len)); /* record length */
    w_record_fields(w, delta, b->record_count);
    if (r != NULL) {
        tern_w_record_tail(w, r);
    } else {
        tern_w_raw(w, tail, tail_len);
    }
    if (w->buf != NULL && w->pos > w->cap) {
        w->pos = at;
        return TERN_BUFFER_TOO_SMALL;
    }
    if (ts > b->max_timestamp) {
        b->max_timestamp = ts;
    }
    b->record_count++;
    return TERN_OK;
}

tern_status_t tern_produce_add_encoded(tern_produce_builder_t *b, int64_t timestamp_ms,
                                       const uint8_t *tail, size_t tail_len)
{
    return add_record(b, timestamp_ms, NULL, tail, tail_len);
}

tern_status_t tern_produce_add_record(tern_produce_builder_t *builder, const tern_record_t *record)
{
    tern_writer_t m = {NULL, 0, 0};
    if (builder == NULL || record == NULL || !tern_record_valid(record)) {
        return TERN_BAD_PARAMETER;
    }
    tern_w_record_tail(&m, record);
    return add_record(builder, record->timestamp_ms, record, NULL, m.pos);
}

tern_status_t tern_produce_add_partition(tern_produce_builder_t *builder, int32_t partition,
                                         int32_t base_sequence)
{
    tern_produce_builder_t *b = builder;
    if (b == NULL || b->topic_at == 0u || partition < 0) {
        return TERN_BAD_PARAMETER;
    }
    close_partition(b);
    b->part_at = b->w.pos;
    b->record_count = 0;
    b->base_sequence = base_sequence;
    tern_w_be(&b->w, (uint32_t)partition, 4);
    tern_w_be(&b->w, 0, 4); /* records length, patched when the partition closes */
    tern_w_raw(&b->w, NULL, TERN_RECORD_BATCH_HEADER_SIZE);
    return TERN_OK;
}

tern_status_t tern_produce_add_topic(tern_produce_builder_t *builder, const char *name,
                                     size_t name_len)
{
    tern_produce_builder_t *b = builder;
    if (b == NULL || b->topics_at == 0u || name == NULL || name_len == 0u ||
        name_len > TERN_I16_MAX) {
        return TERN_BAD_PARAMETER;
    }
    close_topic(b);
    b->topic_at = b->w.pos;
    tern_w_str16(&b->w, name, name_len);
    b->parts_at = b->w.pos;
    b->partition_count = 0;
    tern_w_be(&b->w, 0, 4); /* partition count, patched when the topic closes */
    return TERN_OK;
}

tern_status_t tern_produce_begin(tern_produce_builder_t *builder, const tern_buffer_t *buffer,
                                 const tern_request_header_t *header, int16_t acks,
                                 int32_t timeout_ms, int64_t producer_id, int16_t producer_epoch)
{
    tern_produce_builder_t *b = builder;
    size_t unused = 0;
    if (b == NULL || acks < -1 || acks > 1) {
        return TERN_BAD_PARAMETER;
    }
    memset(b, 0, sizeof(*b));
    if (!begin_request(&b->w, buffer, &unused, header, TERN_API_PRODUCE,
                       TERN_PRODUCE_VERSION_MAX)) {
        return TERN_BAD_PARAMETER;
    }
    b->producer_id = producer_id;
    b->producer_epoch = producer_epoch;
    tern_w_be(&b->w, 0xFFFFu, 2); /* transactional_id: null */
    tern_w_be(&b->w, (uint16_t)acks, 2);
    tern_w_be(&b->w, (uint32_t)timeout_ms, 4);
    b->topics_at = b->w.pos;
    tern_w_be(&b->w, 0, 4); /* topic count, patched by tern_produce_end() */
    return TERN_OK;
}

tern_status_t tern_produce_end(tern_produce_builder_t *builder, size_t *size)
{
    tern_produce_builder_t *b = builder;
    if (b == NULL || size == NULL || b->topics_at == 0u) {
        return TERN_BAD_PARAMETER;
    }
    close_topic(b);
    if (b->topic_count == 0u) {
        return TERN_BAD_PARAMETER;
    }
    tern_w_patch_be(&b->w, b->topics_at, b->topic_count, 4);
    return end_request(&b->w, size);
}

/* ---------------------------------------------------------------------------------------------
 * Request encoders
 */

tern_status_t tern_api_versions_request_serialize(const tern_request_header_t *header,
                                                  const tern_buffer_t *buffer, size_t *size)
{
    tern_writer_t w;
    if (!begin_request(&w, buffer, size, header, TERN_API_API_VERSIONS,
                       TERN_API_VERSIONS_VERSION_MAX)) {
        return TERN_BAD_PARAMETER;
    }
    return end_request(&w, size); /* v0-v2: empty body */
}

tern_status_t tern_metadata_request_serialize(const tern_request_header_t *header,
                                              const tern_metadata_request_t *request,
                                              const tern_buffer_t *buffer, size_t *size)
{
    const tern_metadata_request_t *q = request;
    tern_writer_t w;
    size_t i;
    if (q == NULL || !span_ok(q->topics, q->topic_count, TERN_I32_MAX) ||
        !begin_request(&w, buffer, size, header, TERN_API_METADATA, TERN_METADATA_VERSION_MAX) ||
        (header->api_version == 0 && q->topics != NULL && q->topic_count == 0u)) {
        return TERN_BAD_PARAMETER;
    }
    if (q->topics == NULL) {
        /* All topics: an empty array at v0, a null array from v1. */
        tern_w_be(&w, header->api_version == 0 ? 0u : 0xFFFFFFFFu, 4);
    } else {
        tern_w_be(&w, (uint32_t)q->topic_count, 4);
    }
    for (i = 0; i < q->topic_count; i++) {
        const tern_str_t *t = &q->topics[i];
        if (!span_ok(t->data, t->len, TERN_I16_MAX)) {
            return TERN_BAD_PARAMETER;
        }
        tern_w_str16(&w, t->data != NULL ? t->data : "", t->len);
    }
    if (header->api_version >= 4) {
        tern_w_be(&w, q->allow_auto_topic_creation ? 1u : 0u, 1);
    }
    return end_request(&w, size);
}

tern_status_t tern_init_producer_id_request_serialize(
    const tern_request_header_t *header, const tern_init_producer_id_request_t *request,
    const tern_buffer_t *buffer, size_t *size)
{
    const tern_init_producer_id_request_t *q = request;
    tern_writer_t w;
    if (q == NULL || !span_ok(q->transactional_id, q->transactional_id_len, TERN_I16_MAX) ||
        !begin_request(&w, buffer, size, header, TERN_API_INIT_PRODUCER_ID,
                       TERN_INIT_PRODUCER_ID_VERSION_MAX)) {
        return TERN_BAD_PARAMETER;
    }
    tern_w_str16(&w, q->transactional_id, q->transactional_id_len);
    tern_w_be(&w, (uint32_t)q->transaction_timeout_ms, 4);
    return end_request(&w, size);
}

/* ---------------------------------------------------------------------------------------------
 * Reader
 */

typedef struct tern_r {
    const uint8_t *p;
    size_t len;
    size_t pos; /* invariant: pos <= len */
    bool bad;
} tern_r_t;

static void r_init(tern_r_t *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

/* n bytes, or NULL (and the reader fails) if fewer are left. */
static const uint8_t *r_take(tern_r_t *r, size_t n)
{
    const uint8_t *at;
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return NULL;
    }
    at = r->p + r->pos;
    r->pos += n;
    return at;
}

/* n (1..4) big-endian bytes; 0 once the reader failed. */
static uint32_t r_be(tern_r_t *r, unsigned n)
{
    const uint8_t *b = r_take(r, n);
    uint32_t v = 0;
    unsigned i;
    for (i = 0; b != NULL && i < n; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static int16_t r_i16(tern_r_t *r)
{
    return (int16_t)r_be(r, 2);
}

static int32_t r_i32(tern_r_t *r)
{
    return (int32_t)r_be(r, 4);
}

static int64_t r_i64(tern_r_t *r)
{
    uint64_t hi = r_be(r, 4);
    return (int64_t)((hi << 32) | r_be(r, 4));
}

/* Classic array count: int32, never null in the responses parsed here; fails the reader unless
 * that many elements of at least min_size bytes can follow. */
static size_t r_count(tern_r_t *r, size_t min_size)
{
    int32_t n = r_i32(r);
    if (n < 0 || (size_t)n > (r->len - r->pos) / min_size) {
        r->bad = true;
        return 0;
    }
    return (size_t)n;
}

/* Classic string; NULL for a null string (a failure unless nullable). */
static const char *r_str(tern_r_t *r, size_t *len, bool nullable)
{
    int16_t n = r_i16(r);
    *len = 0;
    if (n < 0) {
        if (n != -1 || !nullable) {
            r->bad = true;
        }
        return NULL;
    }
    *len = (size_t)n;
    return (const char *)r_take(r, (size_t)n);
}

/* Skips an int32 array of int32 (replica lists). */
static void r_skip_i32_array(tern_r_t *r)
{
    (void)r_take(r, 4u * r_count(r, 4));
}

static tern_status_t r_end(const tern_r_t *r)
{
    return (r->bad || r->pos != r->len) ? TERN_MALFORMED : TERN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Response parsers
 */

tern_status_t tern_frame_size_parse(const uint8_t prefix[4], size_t max_frame_len,
                                    size_t *frame_len)
{
    int32_t n;
    if (prefix == NULL || frame_len == NULL) {
        return TERN_BAD_PARAMETER;
    }
    n = (int32_t)(((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) |
                  ((uint32_t)prefix[2] << 8) | (uint32_t)prefix[3]);
    if (n < 4) {
        return TERN_MALFORMED;
    }
    *frame_len = (size_t)n;
    return (size_t)n > max_frame_len ? TERN_BUFFER_TOO_SMALL : TERN_OK;
}

tern_status_t tern_response_header_parse(const uint8_t *frame, size_t frame_len,
                                         int32_t *correlation_id)
{
    tern_r_t r;
    if (frame == NULL || correlation_id == NULL) {
        return TERN_BAD_PARAMETER;
    }
    r_init(&r, frame, frame_len);
    *correlation_id = r_i32(&r);
    return r.bad ? TERN_MALFORMED : TERN_OK;
}

tern_status_t tern_api_versions_response_parse(const uint8_t *body, size_t body_len,
                                               int16_t version, tern_api_version_t *apis,
                                               size_t api_count,
                                               tern_api_versions_response_t *response)
{
    tern_r_t r;
    size_t n;
    size_t i;
    size_t j;
    if (body == NULL || response == NULL || (apis == NULL && api_count != 0u) ||
        version < TERN_API_VERSIONS_VERSION_MIN || version > TERN_API_VERSIONS_VERSION_MAX) {
        return TERN_BAD_PARAMETER;
    }
    for (j = 0; j < api_count; j++) {
        apis[j].min_version = -1;
        apis[j].max_version = -1;
    }
    r_init(&r, body, body_len);
    response->error_code = r_i16(&r);
    response->throttle_time_ms = 0;
    n = r_count(&r, 6);
    for (i = 0; i < n && !r.bad; i++) {
        int16_t key = r_i16(&r);
        int16_t lo = r_i16(&r);
        int16_t hi = r_i16(&r);
        for (j = 0; j < api_count; j++) {
            if (apis[j].api_key == key) {
                apis[j].min_version = lo;
                apis[j].max_version = hi;
            }
        }
    }
    /* A broker that lacks the requested version answers with a v0 body (no throttle time). */
    if (version >= 1 && response->error_code != TERN_KAFKA_UNSUPPORTED_VERSION) {
        response->throttle_time_ms = r_i32(&r);
    }
    response->api_count = n;
    return r_end(&r);
}

/* One walk over a Metadata body; callbacks only when visitor is non-NULL. */
static tern_status_t metadata_walk(const uint8_t *body, size_t body_len, int16_t v,
                                   const tern_metadata_visitor_t *vis,
                                   tern_metadata_response_t *out)
{
    tern_r_t r;
    size_t nb;
    size_t nt;
    size_t i;
    size_t j;
    r_init(&r, body, body_len);
    out->throttle_time_ms = v >= 3 ? r_i32(&r) : 0;
    nb = r_count(&r, v >= 1 ? 12u : 10u);
    out->broker_count = (int32_t)nb;
    for (i = 0; i < nb && !r.bad; i++) {
        tern_metadata_broker_t b;
        b.node_id = r_i32(&r);
        b.host = r_str(&r, &b.host_len, false);
        b.port = r_i32(&r);
        b.rack = NULL;
        b.rack_len = 0;
        if (v >= 1) {
            b.rack = r_str(&r, &b.rack_len, true);
        }
        if (vis != NULL && vis->on_broker != NULL) {
            vis->on_broker(vis->ctx, &b);
        }
    }
    out->cluster_id = NULL;
    out->cluster_id_len = 0;
    if (v >= 2) {
        out->cluster_id = r_str(&r, &out->cluster_id_len, true);
    }
    out->controller_id = v >= 1 ? r_i32(&r) : -1;
    nt = r_count(&r, v >= 1 ? 9u : 8u);
    out->topic_count = (int32_t)nt;
    for (i = 0; i < nt && !r.bad; i++) {
        tern_metadata_topic_t t;
        size_t np;
        t.error_code = r_i16(&r);
        t.name = r_str(&r, &t.name_len, false);
        t.is_internal = v >= 1 && r_be(&r, 1) != 0u;
        np = r_count(&r, v >= 5 ? 22u : 18u);
        t.partition_count = (int32_t)np;
        if (vis != NULL && vis->on_topic != NULL) {
            vis->on_topic(vis->ctx, &t);
        }
        for (j = 0; j < np && !r.bad; j++) {
            tern_metadata_partition_t p;
            p.error_code = r_i16(&r);
            p.partition = r_i32(&r);
            p.leader_id = r_i32(&r);
            r_skip_i32_array(&r); /* replica_nodes */
            r_skip_i32_array(&r); /* isr_nodes */
            if (v >= 5) {
                r_skip_i32_array(&r); /* offline_replicas */
            }
            if (vis != NULL && vis->on_partition != NULL) {
                vis->on_partition(vis->ctx, &t, &p);
            }
        }
    }
    return r_end(&r);
}

tern_status_t tern_metadata_response_parse(const uint8_t *body, size_t body_len, int16_t version,
                                           const tern_metadata_visitor_t *visitor,
                                           tern_metadata_response_t *response)
{
    tern_metadata_response_t scratch;
    tern_status_t st;
    if (body == NULL || version < TERN_METADATA_VERSION_MIN ||
        version > TERN_METADATA_VERSION_MAX) {
        return TERN_BAD_PARAMETER;
    }
    if (response == NULL) {
        response = &scratch;
    }
    st = metadata_walk(body, body_len, version, NULL, response);
    if (st == TERN_OK && visitor != NULL) {
        st = metadata_walk(body, body_len, version, visitor, response);
    }
    return st;
}

tern_status_t tern_init_producer_id_response_parse(const uint8_t *body, size_t body_len,
                                                   int16_t version,
                                                   tern_init_producer_id_response_t *response)
{
    tern_r_t r;
    if (body == NULL || response == NULL || version < TERN_INIT_PRODUCER_ID_VERSION_MIN ||
        version > TERN_INIT_PRODUCER_ID_VERSION_MAX) {
        return TERN_BAD_PARAMETER;
    }
    r_init(&r, body, body_len);
    response->throttle_time_ms = r_i32(&r);
    response->error_code = r_i16(&r);
    response->producer_id = r_i64(&r);
    response->producer_epoch = r_i16(&r);
    return r_end(&r);
}

static tern_status_t produce_walk(const uint8_t *body, size_t body_len, int16_t v,
                                  void (*on_result)(void *, const tern_produce_result_t *),
                                  void *ctx, int32_t *throttle_time_ms)
{
    tern_r_t r;
    size_t nt;
    size_t i;
    size_t j;
    r_init(&r, body, body_len);
    nt = r_count(&r, 6);
    for (i = 0; i < nt && !r.bad; i++) {
        tern_produce_result_t res;
        size_t np;
        res.topic = r_str(&r, &res.topic_len, false);
        np = r_count(&r, v >= 5 ? 30u : 22u);
        for (j = 0; j < np && !r.bad; j++) {
            res.partition = r_i32(&r);
            res.error_code = r_i16(&r);
            res.base_offset = r_i64(&r);
            res.log_append_time_ms = r_i64(&r);
            res.log_start_offset = v >= 5 ? r_i64(&r) : -1;
            if (on_result != NULL) {
                on_result(ctx, &res);
            }
        }
    }
    *throttle_time_ms = r_i32(&r);
    return r_end(&r);
}

tern_status_t tern_produce_response_parse(const uint8_t *body, size_t body_len, int16_t version,
                                          void (*on_result)(void *ctx,
                                                            const tern_produce_result_t *result),
                                          void *ctx, int32_t *throttle_time_ms)
{
    tern_status_t st;
    int32_t throttle;
    if (body == NULL || version < TERN_PRODUCE_VERSION_MIN || version > TERN_PRODUCE_VERSION_MAX) {
        return TERN_BAD_PARAMETER;
    }
    if (throttle_time_ms == NULL) {
        throttle_time_ms = &throttle;
    }
    st = produce_walk(body, body_len, version, NULL, NULL, throttle_time_ms);
    if (st == TERN_OK && on_result != NULL) {
        st = produce_walk(body, body_len, version, on_result, ctx, throttle_time_ms);
    }
    return st;
}
