/*
 * rdkafka_latency: produce-to-consume latency of a steady librdkafka producer, measured by a
 * librdkafka consumer in the same process (one CLOCK_MONOTONIC, no clock skew). Run by
 * tests/bench/latency.py.
 *
 * rdkafka_latency <bootstrap> <topic> <rate_per_s> <seconds> <warmup_s> <size> [name=value ...]
 *   The consumer is assigned partition 0 of <topic> from its end. The producer then sends
 *   <size>-byte records (size >= 16) to partition 0 at <rate_per_s> for <warmup_s> + <seconds>
 *   seconds; each record carries its *scheduled* send time, so a producer or hub that falls
 *   behind is charged for it (no coordinated omission). Latency = time the consumer received the
 *   record - scheduled send time; records of the warm-up are not counted. Extra name=value
 *   arguments are librdkafka settings for both clients (they override the defaults below:
 *   linger.ms=0, socket.nagle.disable=true, fetch.wait.max.ms=100).
 *
 * Prints one line on stdout and exits 0 when every measured record arrived:
 *   RESULT sent=N received=N p50_ms=X p99_ms=X p999_ms=X max_ms=X send_lag_max_ms=X
 *          ack_p50_ms=X ack_p99_ms=X librdkafka=<version>
 * (send_lag_max_ms: how far the producer loop itself fell behind its schedule; ack_*: scheduled
 * send time to the producer's delivery report, i.e. the produce half of the trip.) Exits 1 with
 * a reason on stderr when records were lost or a client failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

struct consumer_state {
    rd_kafka_t *rk;
    long expected;       /* measured records sent (set by the producer when done), -1 before */
    long measured_from;  /* first sequence number that counts */
    long received;
    long measured;
    int64_t *latency_ns; /* one slot per measured record */
    long capacity;
    int64_t deadline_ns; /* stop waiting for stragglers after this (0: not yet set) */
    int failed;
    pthread_mutex_t mutex;
};

static void *consume(void *arg) {
    struct consumer_state *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mutex);
        int done = (c->expected >= 0 && c->measured >= c->expected) ||
                   (c->deadline_ns && mono_ns() > c->deadline_ns);
        pthread_mutex_unlock(&c->mutex);
        if (done) break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 50);
        if (!m) continue;
        int64_t now = mono_ns();
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "E consumer %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->len >= 16) {
            const unsigned char *p = m->payload;
            long seq = (long)get_u64(p);
            int64_t sent = (int64_t)get_u64(p + 8);
            pthread_mutex_lock(&c->mutex);
            c->received++;
            if (seq >= c->measured_from && c->measured < c->capacity)
                c->latency_ns[c->measured++] = now - sent;
            pthread_mutex_unlock(&c->mutex);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* Producer side: how long until the hub acknowledged (delivery report), same scheduled start. */
struct ack_state {
    int64_t *latency_ns;
    long capacity;
    long measured_from;
    long count;
    long failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    struct ack_state *a = opaque;
    if (m->err) {
        a->failed++;
        return;
    }
    if (m->len < 16) return;
    const unsigned char *p = m->payload;
    long seq = (long)get_u64(p);
    if (seq >= a->measured_from && a->count < a->capacity)
        a->latency_ns[a->count++] = mono_ns() - (int64_t)get_u64(p + 8);
}

static int set_conf(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "config %s=%s: %s\n", name, value, err);
        return -1;
    }
    return 0;
}

static rd_kafka_conf_t *make_conf(const char *bootstrap, int argc, char **argv, int consumer) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad = set_conf(conf, "bootstrap.servers", bootstrap) ||
              set_conf(conf, "socket.nagle.disable", "true") ||
              (consumer ? set_conf(conf, "group.id", "rdkafka-latency") ||
                              set_conf(conf, "enable.auto.commit", "false") ||
                              set_conf(conf, "fetch.wait.max.ms", "100")
                        : set_conf(conf, "linger.ms", "0"));
    for (int i = 0; i < argc && !bad; ++i) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "not name=value: %s\n", argv[i]);
            bad = 1;
            break;
        }
        *eq = '\0';
        /* A setting meant for the other client is not an error. */
        char err[512];
        rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, argv[i], eq + 1, err, sizeof err);
        *eq = '=';
        if (r == RD_KAFKA_CONF_INVALID) {
            fprintf(stderr, "config %s: %s\n", argv[i], err);
            bad = 1;
        }
    }
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct_ms(const int64_t *v, long n, double p) {
    if (n == 0) return -1;
    long i = (long)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr,
                "usage: %s <bootstrap> <topic> <rate_per_s> <seconds> <warmup_s> <size> "
                "[name=value ...]\n",
                argv[0]);
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2];
    long rate = atol(argv[3]);
    double seconds = atof(argv[4]), warmup = atof(argv[5]);
    size_t size = (size_t)atol(argv[6]);
    if (rate <= 0 || seconds <= 0 || warmup < 0 || size < 16 || size > 1000000) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *cconf = make_conf(bootstrap, argc - 7, argv + 7, 1);
    rd_kafka_conf_t *pconf = make_conf(bootstrap, argc - 7, argv + 7, 0);
    if (!cconf || !pconf) return 2;
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    if (!consumer) {
        fprintf(stderr, "consumer: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_END;
    if (rd_kafka_assign(consumer, parts)) {
        fprintf(stderr, "assign failed\n");
        return 1;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    long warm_records = (long)(warmup * (double)rate);
    long total = warm_records + (long)(seconds * (double)rate);
    struct ack_state acks = {.capacity = total - warm_records, .measured_from = warm_records};
    acks.latency_ns = calloc((size_t)acks.capacity + 1, sizeof(int64_t));
    if (!acks.latency_ns) return 1;
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_conf_set_opaque(pconf, &acks);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    if (!producer) {
        fprintf(stderr, "producer: %s\n", err);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(producer, topic, NULL);

    struct consumer_state c = {.rk = consumer, .expected = -1, .measured_from = warm_records};
    c.capacity = total - warm_records;
    c.latency_ns = calloc((size_t)c.capacity + 1, sizeof(int64_t));
    pthread_mutex_init(&c.mutex, NULL);
    pthread_t thread;
    if (!c.latency_ns || pthread_create(&thread, NULL, consume, &c) != 0) return 1;

    /* Give the consumer a moment to resolve its start offset before the first record. */
    sleep_until_ns(mono_ns() + 1000000000);
    unsigned char *buf = calloc(1, size);
    if (!buf) return 1;
    const int64_t start = mono_ns(), step_ns = 1000000000 / rate;
    int64_t send_lag_max = 0;
    long sent = 0, failed = 0;
    while (sent < total) {
        int64_t due = start + sent * step_ns;
        int64_t now = mono_ns();
        if (now < due) {
            rd_kafka_poll(producer, 0);
            sleep_until_ns(due);
            now = mono_ns();
        }
        if (now - due > send_lag_max) send_lag_max = now - due;
        /* Every record whose time has come, each with its own scheduled time. */
        while (sent < total && start + sent * step_ns <= now) {
            put_u64(buf, (uint64_t)sent);
            put_u64(buf + 8, (uint64_t)(start + sent * step_ns));
            if (rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, buf, size, NULL, 0, NULL) != 0) {
                if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    rd_kafka_poll(producer, 1);
                    continue;
                }
                failed++;
            }
            sent++;
        }
    }
    rd_kafka_flush(producer, 30000);
    pthread_mutex_lock(&c.mutex);
    c.expected = sent - warm_records - failed;
    c.deadline_ns = mono_ns() + 15 * 1000000000LL;
    pthread_mutex_unlock(&c.mutex);
    pthread_join(thread, NULL);

    qsort(c.latency_ns, (size_t)c.measured, sizeof(int64_t), cmp_i64);
    qsort(acks.latency_ns, (size_t)acks.count, sizeof(int64_t), cmp_i64);
    printf("RESULT sent=%ld received=%ld p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f "
           "send_lag_max_ms=%.3f ack_p50_ms=%.3f ack_p99_ms=%.3f librdkafka=%s\n",
           sent, c.received, pct_ms(c.latency_ns, c.measured, 0.50),
           pct_ms(c.latency_ns, c.measured, 0.99), pct_ms(c.latency_ns, c.measured, 0.999),
           c.measured ? (double)c.latency_ns[c.measured - 1] / 1e6 : -1.0,
           (double)send_lag_max / 1e6, pct_ms(acks.latency_ns, acks.count, 0.50),
           pct_ms(acks.latency_ns, acks.count, 0.99), rd_kafka_version_str());
    fflush(stdout);
    /* Warm-up records may precede the consumer's start offset; measured ones must all arrive. */
    int ok = failed == 0 && acks.failed == 0 && c.measured == sent - warm_records;
    if (!ok)
        fprintf(stderr, "lost records: measured %ld of %ld sent after warm-up, %ld+%ld failed\n",
                c.measured, sent - warm_records, failed, acks.failed);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(producer);
    free(buf);
    free(c.latency_ns);
    free(acks.latency_ns);
    return ok ? 0 : 1;
}
