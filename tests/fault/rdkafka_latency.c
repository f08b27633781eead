/*
 * rdkafka_latency: a well-behaved librdkafka producer that measures its own latency, for the
 * hostile-client and SASL-flood tests (test_hostile_clients.py, test_sasl_flood.py) and
 * tests/bench/hostile.py.
 *
 * rdkafka_latency <bootstrap> <topic> <rate_per_s> <seconds> [name=value ...]
 *   Sends record i (value "lat-<i>") to partition 0 at <rate_per_s> records per second for
 *   <seconds>, then waits up to 30 s for the outstanding delivery reports. One line per report
 *   on stdout, flushed at once:
 *     D <i> <sent_monotonic_us> <latency_us>   acknowledged
 *     F <i> <error-name>                      failed
 *   The send time is CLOCK_MONOTONIC (Python's time.monotonic() on Linux), so a caller can split
 *   the reports into phases. stderr: "E ..." client errors, then "SUMMARY sent=N delivered=N
 *   failed=N". Exit 0 when every record was acknowledged, 1 otherwise, 2 on bad arguments.
 * Extra name=value arguments are librdkafka settings (they override the defaults below).
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long g_delivered;
static long g_failed;
static int64_t *g_sent_us;
static long g_count;

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    long i = (long)(intptr_t)m->_private;
    if (i < 0 || i >= g_count)
        return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        g_delivered++;
        fprintf(stdout, "D %ld %" PRId64 " %" PRId64 "\n", i, g_sent_us[i], mono_us() - g_sent_us[i]);
    } else {
        g_failed++;
        fprintf(stdout, "F %ld %s\n", i, rd_kafka_err2name(m->err));
    }
    fflush(stdout);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    (void)opaque;
    fprintf(stderr, "E %s %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
    fflush(stderr);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "FAIL: config %s=%s: %s\n", name, value, errstr);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s <bootstrap> <topic> <rate_per_s> <seconds> [k=v...]\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    long rate = atol(argv[3]);
    double seconds = atof(argv[4]);
    if (rate <= 0 || rate > 1000000 || seconds <= 0 || seconds > 86400) {
        fprintf(stderr, "FAIL: rate 1..1000000 and seconds 0..86400\n");
        return 2;
    }
    g_count = (long)(rate * seconds) + 1;
    g_sent_us = calloc((size_t)g_count, sizeof(int64_t));
    if (!g_sent_us)
        return 2;

    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", argv[1]);
    set(conf, "acks", "1");
    set(conf, "linger.ms", "0");
    set(conf, "message.timeout.ms", "60000");
    for (int i = 5; i < argc; i++) {
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
        fprintf(stderr, "FAIL: %s\n", errstr);
        return 2;
    }

    long sent = 0;
    int64_t start = mono_us();
    while (sent < g_count - 1) {
        int64_t due = start + (int64_t)((double)sent * 1e6 / (double)rate);
        int64_t now = mono_us();
        if (now < due) {
            rd_kafka_poll(rk, (int)((due - now) / 1000));
            continue;
        }
        char value[64];
        int n = snprintf(value, sizeof(value), "lat-%ld", sent);
        g_sent_us[sent] = mono_us();
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(value, (size_t)n),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(intptr_t)sent),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 10);
            continue;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "FAIL: produce %s: %s\n", value, rd_kafka_err2name(err));
            break;
        }
        sent++;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 30000);
    fprintf(stderr, "SUMMARY sent=%ld delivered=%ld failed=%ld\n", sent, g_delivered, g_failed);
    rd_kafka_destroy(rk);
    free(g_sent_us);
    return g_delivered == sent && g_failed == 0 ? 0 : 1;
}
