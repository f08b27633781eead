/*
 * rdkafka_roundtrip: a librdkafka producer and a plain (group-less) consumer against a hub.
 *
 * For every acks setting (0, 1, all) and every compression codec this librdkafka was built with
 * (none, gzip, snappy, lz4, zstd), it creates a 2-partition topic with the Admin API, produces
 * records with binary keys and values (0x00 bytes, NULL and empty values, NULL keys), headers
 * (binary, NULL-valued, repeated names) and explicit, non-monotonic CreateTime timestamps, waits
 * for every delivery report, then reads the topic back from the beginning and
 * checks every key, value, header, timestamp and offset byte-exactly and in order per partition.
 * The consumer is group-less (no group.id, no coordinator): the per-partition consumer API.
 *
 * Usage: rdkafka_roundtrip <bootstrap> [records-per-topic] [--skip-create]
 * Exit status 0 when everything matched; 1 with a message on stderr otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PARTITIONS 2
#define MAX_HEADERS 4
#define MAX_MISMATCHES 20
#define TS_BASE INT64_C(1500000000000)

typedef struct {
    const char *name;
    unsigned char value[8];
    size_t size;
    int is_null;
} header_t;

typedef struct {
    int index;
    int32_t partition;
    unsigned char key[16];
    size_t key_len;
    int key_null;
    unsigned char value[400];
    size_t value_len;
    int value_null;
    header_t headers[MAX_HEADERS];
    int header_cnt;
    int64_t timestamp;
    /* Filled in by the delivery report. */
    int delivered;
    rd_kafka_resp_err_t dr_err;
    int64_t dr_offset;
} message_t;

static int g_mismatches;
static const char *g_case = "";

static void fail(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "FAIL [%s]: ", g_case);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void mismatch(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "MISMATCH [%s]: ", g_case);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (++g_mismatches >= MAX_MISMATCHES)
        fail("too many mismatches, giving up");
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The expected content of record i; deterministic so producer and checker agree. */
static void make_message(int i, message_t *m) {
    size_t j;
    memset(m, 0, sizeof(*m));
    m->index = i;
    m->partition = i % PARTITIONS;
    if (i % 10 == 0) {
        m->key_null = 1;
    } else {
        m->key_len = 7;
        m->key[0] = 'k';
        m->key[1] = 0x00;
        m->key[2] = (unsigned char)(i >> 24);
        m->key[3] = (unsigned char)(i >> 16);
        m->key[4] = (unsigned char)(i >> 8);
        m->key[5] = (unsigned char)i;
        m->key[6] = 0xff;
    }
    if (i % 17 == 0) {
        m->value_null = 1; /* tombstone */
    } else if (i % 19 == 0) {
        m->value_len = 0; /* empty, not NULL */
    } else {
        m->value_len = 1 + (size_t)(i * 37) % (sizeof(m->value) - 1);
        for (j = 0; j < m->value_len; j++)
            m->value[j] = (j % 8 == 0) ? 0x00 : (unsigned char)((i + (int)(j / 16)) & 0xff);
    }
    if (i % 3 != 0) {
        header_t *h = m->headers;
        h[0].name = "bin";
        h[0].value[0] = 0x00;
        h[0].value[1] = 0x01;
        h[0].value[2] = 0xff;
        h[0].value[3] = (unsigned char)i;
        h[0].size = 4;
        h[1].name = "null";
        h[1].is_null = 1;
        h[2].name = "dup";
        h[2].value[0] = 'a';
        h[2].size = 1;
        h[3].name = "dup";
        h[3].value[0] = 'b';
        h[3].value[1] = 'c';
        h[3].size = 2;
        m->header_cnt = 4;
    }
    /* Every fifth record goes back in time: negative timestamp deltas inside a batch. */
    m->timestamp = TS_BASE + (int64_t)i * 3 - (i % 5 == 0 ? 1000 : 0);
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque) {
    message_t *m = (message_t *)rkm->_private;
    (void)rk;
    (void)opaque;
    m->delivered++;
    m->dr_err = rkm->err;
    m->dr_offset = rkm->offset;
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        fail("config %s=%s: %s", name, value, errstr);
}

static rd_kafka_conf_t *base_conf(const char *bootstrap) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "client.id", "tern-rdkafka-roundtrip");
    set(conf, "broker.address.family", "v4");
    return conf;
}

static void create_topic(rd_kafka_t *rk, const char *topic) {
    char errstr[512];
    rd_kafka_NewTopic_t *nt;
    rd_kafka_AdminOptions_t *opts;
    rd_kafka_queue_t *q;
    rd_kafka_event_t *ev;
    const rd_kafka_CreateTopics_result_t *res;
    const rd_kafka_topic_result_t **results;
    size_t cnt;
    rd_kafka_resp_err_t err;

    nt = rd_kafka_NewTopic_new(topic, PARTITIONS, 1, errstr, sizeof(errstr));
    if (!nt)
        fail("NewTopic %s: %s", topic, errstr);
    opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    if (rd_kafka_AdminOptions_set_operation_timeout(opts, 10000, errstr, sizeof(errstr)))
        fail("AdminOptions: %s", errstr);
    q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    ev = rd_kafka_queue_poll(q, 30000);
    if (!ev)
        fail("CreateTopics %s: no result within 30 s", topic);
    if (rd_kafka_event_error(ev))
        fail("CreateTopics %s: %s", topic, rd_kafka_event_error_string(ev));
    res = rd_kafka_event_CreateTopics_result(ev);
    if (!res)
        fail("CreateTopics %s: unexpected event %s", topic, rd_kafka_event_name(ev));
    results = rd_kafka_CreateTopics_result_topics(res, &cnt);
    if (cnt != 1)
        fail("CreateTopics %s: %zu results", topic, cnt);
    err = rd_kafka_topic_result_error(results[0]);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        fail("CreateTopics %s: %s (%s)", topic, rd_kafka_err2name(err),
             rd_kafka_topic_result_error_string(results[0]) ?
                 rd_kafka_topic_result_error_string(results[0]) : "");
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
}

static void wait_for_partitions(rd_kafka_t *rk, const char *topic) {
    int64_t deadline = now_ms() + 15000;
    while (now_ms() < deadline) {
        const rd_kafka_metadata_t *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        int ok = !err && md->topic_cnt == 1 && !md->topics[0].err &&
                 md->topics[0].partition_cnt == PARTITIONS;
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        if (ok)
            return;
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    }
    fail("topic %s with %d partitions never showed up in metadata", topic, PARTITIONS);
}

static void produce_all(const char *bootstrap, const char *topic, const char *acks,
                        const char *codec, message_t *msgs, int n, int skip_create) {
    char errstr[512];
    rd_kafka_conf_t *conf = base_conf(bootstrap);
    rd_kafka_t *rk;
    int i, p;

    set(conf, "acks", acks);
    set(conf, "compression.codec", codec);
    set(conf, "linger.ms", "5");
    set(conf, "batch.num.messages", "64");
    set(conf, "enable.idempotence", "false");
    set(conf, "message.timeout.ms", "30000");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk)
        fail("producer: %s", errstr);
    if (!skip_create)
        create_topic(rk, topic);
    wait_for_partitions(rk, topic);

    for (i = 0; i < n; i++) {
        message_t *m = &msgs[i];
        rd_kafka_headers_t *hdrs = NULL;
        rd_kafka_resp_err_t err;
        int h;
        if (m->header_cnt) {
            hdrs = rd_kafka_headers_new((size_t)m->header_cnt);
            for (h = 0; h < m->header_cnt; h++)
                rd_kafka_header_add(hdrs, m->headers[h].name, -1,
                                    m->headers[h].is_null ? NULL : m->headers[h].value,
                                    m->headers[h].size);
        }
        for (;;) {
            err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(m->partition),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(m->key_null ? NULL : m->key, m->key_len),
                RD_KAFKA_V_VALUE(m->value_null ? NULL : m->value, m->value_len),
                RD_KAFKA_V_TIMESTAMP(m->timestamp), RD_KAFKA_V_HEADERS(hdrs),
                RD_KAFKA_V_OPAQUE(m), RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                break;
            rd_kafka_poll(rk, 10);
        }
        if (err) {
            if (hdrs)
                rd_kafka_headers_destroy(hdrs);
            fail("producev #%d: %s", i, rd_kafka_err2str(err));
        }
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        fail("flush: %d messages still undelivered after 60 s", rd_kafka_outq_len(rk));

    for (p = 0; p < PARTITIONS; p++) {
        int64_t next = 0;
        for (i = 0; i < n; i++) {
            message_t *m = &msgs[i];
            if (m->partition != p)
                continue;
            if (m->delivered != 1)
                fail("record #%d: %d delivery reports", i, m->delivered);
            if (m->dr_err)
                fail("record #%d: delivery failed: %s", i, rd_kafka_err2str(m->dr_err));
            if (strcmp(acks, "0") != 0) {
                if (m->dr_offset != next)
                    mismatch("record #%d: delivery report offset %" PRId64 ", want %" PRId64, i,
                             m->dr_offset, next);
                next++;
            }
        }
    }
    rd_kafka_destroy(rk);
}

static void print_bytes(FILE *f, const void *p, size_t n) {
    size_t i;
    if (!p) {
        fputs("NULL", f);
        return;
    }
    for (i = 0; i < n && i < 24; i++)
        fprintf(f, "%02x", ((const unsigned char *)p)[i]);
    if (n > 24)
        fprintf(f, "...(%zu bytes)", n);
    else if (n == 0)
        fputs("(empty)", f);
}

static int bytes_equal(const void *got, size_t got_len, int want_null, const void *want,
                       size_t want_len) {
    if (want_null)
        return got == NULL;
    return got != NULL && got_len == want_len && (want_len == 0 || !memcmp(got, want, want_len));
}

static void check_message(const rd_kafka_message_t *rkm, const message_t *m, int64_t offset) {
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(rkm, &tstype);
    rd_kafka_headers_t *hdrs = NULL;
    size_t cnt = 0, h;

    if (rkm->offset != offset)
        mismatch("partition %d: got offset %" PRId64 ", want %" PRId64, rkm->partition,
                 rkm->offset, offset);
    if (!bytes_equal(rkm->key, rkm->key_len, m->key_null, m->key, m->key_len)) {
        fprintf(stderr, "  got key  ");
        print_bytes(stderr, rkm->key, rkm->key_len);
        fprintf(stderr, "\n  want key ");
        print_bytes(stderr, m->key_null ? NULL : m->key, m->key_len);
        fputc('\n', stderr);
        mismatch("record #%d (partition %d offset %" PRId64 "): key differs", m->index,
                 rkm->partition, rkm->offset);
    }
    if (!bytes_equal(rkm->payload, rkm->len, m->value_null, m->value, m->value_len)) {
        fprintf(stderr, "  got value  ");
        print_bytes(stderr, rkm->payload, rkm->len);
        fprintf(stderr, "\n  want value ");
        print_bytes(stderr, m->value_null ? NULL : m->value, m->value_len);
        fputc('\n', stderr);
        mismatch("record #%d (partition %d offset %" PRId64 "): value differs", m->index,
                 rkm->partition, rkm->offset);
    }
    if (tstype != RD_KAFKA_TIMESTAMP_CREATE_TIME || ts != m->timestamp)
        mismatch("record #%d: timestamp %" PRId64 " (type %d), want %" PRId64 " CreateTime",
                 m->index, ts, (int)tstype, m->timestamp);

    if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
        cnt = rd_kafka_header_cnt(hdrs);
    if (cnt != (size_t)m->header_cnt) {
        mismatch("record #%d: %zu headers, want %d", m->index, cnt, m->header_cnt);
        return;
    }
    for (h = 0; h < cnt; h++) {
        const char *name;
        const void *value;
        size_t size;
        const header_t *want = &m->headers[h];
        if (rd_kafka_header_get_all(hdrs, h, &name, &value, &size))
            fail("header_get_all(%zu) failed", h);
        if (strcmp(name, want->name) != 0 ||
            !bytes_equal(value, size, want->is_null, want->value, want->size))
            mismatch("record #%d: header %zu is '%s' (%s, %zu bytes), want '%s' (%s, %zu bytes)",
                     m->index, h, name, value ? "set" : "NULL", size, want->name,
                     want->is_null ? "NULL" : "set", want->size);
    }
}

/* Group-less consumer: librdkafka 2.0's assign() needs a group.id (and then looks up a group
 * coordinator), so this uses the per-partition consumer API, like `kcat -C`, started at
 * OFFSET_BEGINNING on every partition and served from one queue. */
static void consume_and_check(const char *bootstrap, const char *topic, const message_t *msgs,
                              int n) {
    char errstr[512];
    rd_kafka_conf_t *conf = base_conf(bootstrap);
    rd_kafka_topic_conf_t *tconf = rd_kafka_topic_conf_new();
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    rd_kafka_queue_t *queue;
    int cursor[PARTITIONS] = {0};
    int expected_cnt[PARTITIONS] = {0};
    const message_t **by_part[PARTITIONS];
    int received = 0, extra_wait = 0, i, p;
    int64_t deadline = now_ms() + 60000, quiet_until = 0;

    for (p = 0; p < PARTITIONS; p++) {
        by_part[p] = calloc((size_t)n, sizeof(*by_part[p]));
        if (!by_part[p])
            fail("out of memory");
    }
    for (i = 0; i < n; i++)
        by_part[msgs[i].partition][expected_cnt[msgs[i].partition]++] = &msgs[i];

    set(conf, "enable.partition.eof", "false");
    set(conf, "check.crcs", "true");
    set(conf, "fetch.wait.max.ms", "50");
    if (rd_kafka_topic_conf_set(tconf, "auto.commit.enable", "false", errstr, sizeof(errstr)) ||
        rd_kafka_topic_conf_set(tconf, "auto.offset.reset", "error", errstr, sizeof(errstr)))
        fail("topic config: %s", errstr);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk)
        fail("consumer: %s", errstr);
    rkt = rd_kafka_topic_new(rk, topic, tconf);
    if (!rkt)
        fail("topic_new %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
    queue = rd_kafka_queue_new(rk);
    for (p = 0; p < PARTITIONS; p++)
        if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, queue) == -1)
            fail("consume_start %s[%d]: %s", topic, p, rd_kafka_err2str(rd_kafka_last_error()));

    /* Read until every record arrived, then 500 ms more to catch duplicates or extras. */
    for (;;) {
        rd_kafka_message_t *rkm;
        int64_t now = now_ms();
        if (received == n && !extra_wait) {
            extra_wait = 1;
            quiet_until = now + 500;
        }
        if (extra_wait && now >= quiet_until)
            break;
        if (now > deadline)
            fail("only %d of %d records came back within 60 s (partition 0: %d/%d, "
                 "partition 1: %d/%d)", received, n, cursor[0], expected_cnt[0], cursor[1],
                 expected_cnt[1]);
        rkm = rd_kafka_consume_queue(queue, 100);
        rd_kafka_poll(rk, 0);
        if (!rkm)
            continue;
        if (rkm->err) {
            const char *what = rd_kafka_message_errstr(rkm);
            fail("consumer error on partition %d: %s (%s)", rkm->partition,
                 rd_kafka_err2name(rkm->err), what ? what : "");
        }
        p = rkm->partition;
        if (p < 0 || p >= PARTITIONS || cursor[p] >= expected_cnt[p]) {
            mismatch("unexpected extra record on partition %d at offset %" PRId64, p,
                     rkm->offset);
        } else {
            check_message(rkm, by_part[p][cursor[p]], cursor[p]);
            cursor[p]++;
            received++;
        }
        rd_kafka_message_destroy(rkm);
    }
    for (p = 0; p < PARTITIONS; p++)
        rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(queue);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    for (p = 0; p < PARTITIONS; p++)
        free(by_part[p]);
}

static int has_feature(const char *features, const char *name) {
    size_t len = strlen(name);
    const char *s = features;
    while ((s = strstr(s, name)) != NULL) {
        if ((s == features || s[-1] == ',') && (s[len] == ',' || s[len] == '\0'))
            return 1;
        s += len;
    }
    return 0;
}

int main(int argc, char **argv) {
    static const char *acks_modes[] = {"0", "1", "all"};
    static const char *codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    const char *bootstrap;
    int n = 300, skip_create = 0, a, c, i, argi;
    char features[512];
    size_t flen = sizeof(features);
    rd_kafka_conf_t *probe;
    message_t *msgs;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <bootstrap> [records-per-topic] [--skip-create]\n", argv[0]);
        return 2;
    }
    bootstrap = argv[1];
    for (argi = 2; argi < argc; argi++) {
        if (!strcmp(argv[argi], "--skip-create"))
            skip_create = 1;
        else
            n = atoi(argv[argi]);
    }
    if (n < 10)
        fail("need at least 10 records per topic");

    probe = rd_kafka_conf_new();
    if (rd_kafka_conf_get(probe, "builtin.features", features, &flen) != RD_KAFKA_CONF_OK)
        fail("cannot read builtin.features");
    rd_kafka_conf_destroy(probe);
    printf("librdkafka %s, builtin.features=%s\n", rd_kafka_version_str(), features);

    msgs = calloc((size_t)n, sizeof(*msgs));
    if (!msgs)
        fail("out of memory");

    for (a = 0; a < 3; a++) {
        for (c = 0; c < 5; c++) {
            char topic[128], label[128];
            int64_t t0 = now_ms();
            if (c > 0 && !has_feature(features, codecs[c])) {
                printf("codec %s is not built into this librdkafka: not tested\n", codecs[c]);
                continue;
            }
            snprintf(topic, sizeof(topic), "rt-acks%s-%s", acks_modes[a], codecs[c]);
            snprintf(label, sizeof(label), "acks=%s codec=%s", acks_modes[a], codecs[c]);
            g_case = label;
            for (i = 0; i < n; i++)
                make_message(i, &msgs[i]);
            produce_all(bootstrap, topic, acks_modes[a], codecs[c], msgs, n, skip_create);
            consume_and_check(bootstrap, topic, msgs, n);
            printf("%s %s: %d records in %s (%" PRId64 " ms)\n", g_mismatches ? "BAD" : "ok",
                   label, n, topic, now_ms() - t0);
            fflush(stdout);
        }
    }
    free(msgs);
    if (g_mismatches) {
        fprintf(stderr, "FAIL: %d mismatches\n", g_mismatches);
        return 1;
    }
    printf("all round trips matched\n");
    return 0;
}
