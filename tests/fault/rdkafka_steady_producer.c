/*
 * rdkafka_steady_producer: librdkafka's idempotent producer (enable.idempotence=true, acks=all)
 * against a Tern cluster, driven by test_cluster_failover.py.
 *
 * steady <bootstrap> <topic> <partitions> <rate_per_s> <prefix> [name=value ...]
 *   Sends record i to partition i % partitions with value "<prefix>-<i>" (i = 0, 1, 2, ...) at
 *   <rate_per_s> records per second until SIGTERM/SIGINT, then waits up to 30 s for the
 *   outstanding delivery reports and exits 0 (1 on a fatal producer error).
 *
 * batch <bootstrap> <topic> <partition> <count> <prefix> [name=value ...]
 *   Sends <count> records "<prefix>-<i>" to <partition> at once, waits for every delivery report
 *   and exits 0 if all were acknowledged, 1 otherwise.
 *
 * Every delivery report is one line on stdout, flushed at once (a SIGKILL loses nothing that was
 * printed):
 *   D <partition> <offset> <value>      acknowledged at that offset
 *   F <partition> <error-name> <value>  failed (never acknowledged)
 * and on stderr: "E <error-name> <reason>" for client errors, "FATAL ..." for a fatal error,
 * "SUMMARY sent=N delivered=N failed=N" at exit.
 * Extra name=value arguments are librdkafka settings (they override the defaults below).
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t g_stop;
static long g_delivered;
static long g_failed;
static int g_fatal;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        g_delivered++;
        fprintf(stdout, "D %" PRId32 " %" PRId64 " %.*s\n", m->partition, m->offset, (int)m->len,
                (const char *)m->payload);
    } else {
        g_failed++;
        fprintf(stdout, "F %" PRId32 " %s %.*s\n", m->partition, rd_kafka_err2name(m->err),
                (int)m->len, (const char *)m->payload);
    }
    fflush(stdout);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof(why));
        fprintf(stderr, "FATAL %s %s\n", rd_kafka_err2name(orig), why);
        g_fatal = 1;
    } else {
        fprintf(stderr, "E %s %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
    }
    fflush(stderr);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "FAIL: config %s=%s: %s\n", name, value, errstr);
        exit(2);
    }
}

static int produce_one(rd_kafka_t *rk, const char *topic, int32_t partition, const char *prefix,
                       long i) {
    char value[128];
    int n = snprintf(value, sizeof(value), "%s-%ld", prefix, i);
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_VALUE(value, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            return 0;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "FAIL: produce %s: %s\n", value, rd_kafka_err2name(err));
            return -1;
        }
        rd_kafka_poll(rk, 50);
        if (g_stop)
            return -1;
    }
}

int main(int argc, char **argv) {
    if (argc < 7 || (strcmp(argv[1], "steady") != 0 && strcmp(argv[1], "batch") != 0)) {
        fprintf(stderr,
                "usage: %s steady <bootstrap> <topic> <partitions> <rate_per_s> <prefix> [k=v...]\n"
                "       %s batch <bootstrap> <topic> <partition> <count> <prefix> [k=v...]\n",
                argv[0], argv[0]);
        return 2;
    }
    int steady = strcmp(argv[1], "steady") == 0;
    const char *topic = argv[3];
    long a = atol(argv[4]);
    long b = atol(argv[5]);
    const char *prefix = argv[6];

    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", argv[2]);
    set(conf, "enable.idempotence", "true");
    set(conf, "acks", "all");
    set(conf, "linger.ms", "5");
    set(conf, "message.timeout.ms", "120000");
    set(conf, "topic.metadata.refresh.interval.ms", "1000");
    set(conf, "reconnect.backoff.ms", "50");
    set(conf, "reconnect.backoff.max.ms", "500");
    set(conf, "retry.backoff.ms", "100");
    /* A SIGSTOPped leader keeps its connections open: give up on its requests after 5 s (the
     * defaults, 30 s and 60 s, would stall the producer longer than the tests last). */
    set(conf, "request.timeout.ms", "5000");
    set(conf, "socket.timeout.ms", "5000");
    for (int i = 7; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "FAIL: expected name=value, got %s\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        set(conf, argv[i], eq + 1);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "FAIL: rd_kafka_new: %s\n", errstr);
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    long sent = 0;
    if (steady) {
        long partitions = a, rate = b;
        if (partitions < 1 || rate < 1) {
            fprintf(stderr, "FAIL: partitions and rate must be >= 1\n");
            return 2;
        }
        int64_t start = mono_us();
        while (!g_stop && !g_fatal) {
            int64_t due = start + (int64_t)((double)sent * 1e6 / (double)rate);
            int64_t now = mono_us();
            if (now < due) {
                int wait_ms = (int)((due - now) / 1000);
                rd_kafka_poll(rk, wait_ms > 0 ? wait_ms : 0);
                continue;
            }
            if (produce_one(rk, topic, (int32_t)(sent % partitions), prefix, sent) != 0)
                break;
            sent++;
            rd_kafka_poll(rk, 0);
        }
        rd_kafka_flush(rk, 30000);
    } else {
        int32_t partition = (int32_t)a;
        for (long i = 0; i < b && !g_fatal; i++) {
            if (produce_one(rk, topic, partition, prefix, i) != 0)
                break;
            sent++;
        }
        /* Wait until every report arrived (message.timeout.ms bounds it). */
        while (rd_kafka_outq_len(rk) > 0 && !g_fatal && !g_stop)
            rd_kafka_poll(rk, 100);
    }
    rd_kafka_poll(rk, 0);
    fprintf(stderr, "SUMMARY sent=%ld delivered=%ld failed=%ld%s\n", sent, g_delivered, g_failed,
            g_fatal ? " fatal=1" : "");
    fflush(stderr);
    rd_kafka_destroy(rk);
    if (g_fatal)
        return 1;
    if (!steady && (g_delivered != sent || g_failed != 0))
        return 1;
    return 0;
}
