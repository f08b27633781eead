/*
 * rdkafka_groups: librdkafka's high-level consumer and idempotent producer against a hub, driven
 * by test_groups_rdkafka.py and test_idempotence_rdkafka.py.
 *
 * consume <bootstrap> <group> <topic> <logfile> [name=value ...]
 *   One member of a consumer group (subscribe + the classic eager protocol, range assignor).
 *   Offsets are committed by hand (synchronously) for what was consumed: every COMMIT_EVERY
 *   messages or COMMIT_INTERVAL_MS, on revocation and on SIGTERM. It runs until SIGTERM/SIGINT,
 *   then closes cleanly (revoke, commit, LeaveGroup) and exits 0. Every event is one line in
 *   <logfile>, flushed at once so a SIGKILL loses nothing that happened before it:
 *     START <us> <pid>
 *     ASSIGN <us> <member-id> <p,p,...|->      REVOKE <us> <p,p,...|->
 *     M <us> <partition> <offset> <value>      (a consumed record)
 *     A <us> <partition> <next-offset>         (a commit is about to be sent)
 *     C <us> <partition> <next-offset>         (that commit succeeded)
 *     CE <us> <error> <why>                    (a commit failed)
 *     E <us> <error>                           (a consumer error)
 *     STOP <us> signal <n> from pid <pid>      (why it is stopping)
 *     EXIT <us>
 *   <us> is CLOCK_REALTIME in microseconds, comparable with Python's time.time() on the host.
 *   Extra name=value arguments are librdkafka settings (e.g. session.timeout.ms=4000).
 *
 * produce-idem <bootstrap> <topic> <partitions> <count> [name=value ...]
 *   An idempotent producer (enable.idempotence=true, acks=all, 5 in flight) sends <count>
 *   records; record i goes to partition i % partitions with value "<p>:<seq>|<padding>" where
 *   seq = i / partitions. It waits for every delivery report and checks that each succeeded and
 *   that the offsets reported per partition are 0, 1, 2, ... in send order (so the topic must be
 *   new). Prints a summary line "delivered=N failed=0 ..." and exits 0, else 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTITIONS 64
#define COMMIT_EVERY 100
#define COMMIT_INTERVAL_MS 300

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_stop_signal;
static volatile sig_atomic_t g_stop_sender;
static FILE *g_log;

static void on_signal(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    g_stop_signal = sig;
    g_stop_sender = info ? (sig_atomic_t)info->si_pid : -1;
    g_stop = 1;
}

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "FAIL: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* One log line with the timestamp after the tag, flushed to the kernel at once. */
static void logf_(const char *tag, const char *fmt, ...) {
    va_list ap;
    fprintf(g_log, "%s %" PRId64, tag, now_us());
    if (fmt && *fmt) {
        fputc(' ', g_log);
        va_start(ap, fmt);
        vfprintf(g_log, fmt, ap);
        va_end(ap);
    }
    fputc('\n', g_log);
    fflush(g_log);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        die("config %s=%s: %s", name, value, errstr);
}

static void set_extra(rd_kafka_conf_t *conf, int argc, char **argv) {
    int i;
    for (i = 0; i < argc; i++) {
        char name[256];
        const char *eq = strchr(argv[i], '=');
        size_t n;
        if (!eq)
            die("argument %s is not name=value", argv[i]);
        n = (size_t)(eq - argv[i]);
        if (n >= sizeof(name))
            die("setting name too long: %s", argv[i]);
        memcpy(name, argv[i], n);
        name[n] = '\0';
        set(conf, name, eq + 1);
    }
}

/* ---- consumer ------------------------------------------------------------------------------ */

typedef struct {
    int assigned;
    int64_t next;      /* offset after the last consumed record, -1 if none yet */
    int64_t committed; /* last offset we committed successfully (or -1) */
} part_state_t;

static part_state_t g_parts[MAX_PARTITIONS];
static const char *g_topic;
static int g_since_commit;
static int64_t g_last_commit_ms;

static void format_parts(const rd_kafka_topic_partition_list_t *l, char *buf, size_t size) {
    size_t used = 0;
    int i;
    buf[0] = '\0';
    for (i = 0; l && i < l->cnt && used + 16 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRId32, i ? "," : "",
                                 l->elems[i].partition);
    if (!l || l->cnt == 0)
        snprintf(buf, size, "-");
}

/* Commit, synchronously, every assigned partition whose position moved since its last commit. */
static void commit_now(rd_kafka_t *rk, const char *why) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(MAX_PARTITIONS);
    rd_kafka_resp_err_t err;
    int p, i;
    for (p = 0; p < MAX_PARTITIONS; p++) {
        if (g_parts[p].assigned && g_parts[p].next >= 0 && g_parts[p].next != g_parts[p].committed)
            rd_kafka_topic_partition_list_add(l, g_topic, p)->offset = g_parts[p].next;
    }
    g_since_commit = 0;
    g_last_commit_ms = mono_ms();
    if (l->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(l);
        return;
    }
    for (i = 0; i < l->cnt; i++)
        logf_("A", "%" PRId32 " %" PRId64, l->elems[i].partition, l->elems[i].offset);
    err = rd_kafka_commit(rk, l, 0 /* sync */);
    if (err) {
        logf_("CE", "%s %s", rd_kafka_err2name(err), why);
    } else {
        for (i = 0; i < l->cnt; i++) {
            if (l->elems[i].err) {
                logf_("CE", "%s %s-partition-%" PRId32, rd_kafka_err2name(l->elems[i].err), why,
                      l->elems[i].partition);
                continue;
            }
            g_parts[l->elems[i].partition].committed = l->elems[i].offset;
            logf_("C", "%" PRId32 " %" PRId64, l->elems[i].partition, l->elems[i].offset);
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    char buf[512];
    int i;
    (void)opaque;
    format_parts(parts, buf, sizeof(buf));
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        char *member = rd_kafka_memberid(rk);
        for (i = 0; i < parts->cnt; i++) {
            int32_t p = parts->elems[i].partition;
            if (p < 0 || p >= MAX_PARTITIONS)
                die("partition %" PRId32 " out of range", p);
            g_parts[p].assigned = 1;
            g_parts[p].next = -1;
            g_parts[p].committed = -1;
        }
        rd_kafka_assign(rk, parts);
        logf_("ASSIGN", "%s %s", member ? member : "?", buf);
        if (member)
            rd_kafka_mem_free(rk, member);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        commit_now(rk, "revoke");
        logf_("REVOKE", "%s", buf);
        memset(g_parts, 0, sizeof(g_parts));
        rd_kafka_assign(rk, NULL);
    } else {
        logf_("E", "rebalance-%s", rd_kafka_err2name(err));
        memset(g_parts, 0, sizeof(g_parts));
        rd_kafka_assign(rk, NULL);
    }
}

static int run_consumer(int argc, char **argv) {
    const char *bootstrap, *group, *logfile;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *sub;
    char errstr[512];
    char client_id[64];
    rd_kafka_resp_err_t err;

    if (argc < 4)
        die("usage: consume <bootstrap> <group> <topic> <logfile> [name=value ...]");
    bootstrap = argv[0];
    group = argv[1];
    g_topic = argv[2];
    logfile = argv[3];
    g_log = fopen(logfile, "a");
    if (!g_log)
        die("open %s: %s", logfile, strerror(errno));
    logf_("START", "%ld", (long)getpid());

    conf = rd_kafka_conf_new();
    snprintf(client_id, sizeof(client_id), "rdkafka-groups-%ld", (long)getpid());
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "group.id", group);
    set(conf, "client.id", client_id);
    set(conf, "enable.auto.commit", "false");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "partition.assignment.strategy", "range");
    set(conf, "fetch.wait.max.ms", "100");
    set(conf, "topic.metadata.refresh.interval.ms", "2000");
    set(conf, "reconnect.backoff.max.ms", "1000");
    set_extra(conf, argc - 4, argv + 4);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);

    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk)
        die("rd_kafka_new: %s", errstr);
    rd_kafka_poll_set_consumer(rk);
    sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, g_topic, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err)
        die("subscribe: %s", rd_kafka_err2str(err));
    g_last_commit_ms = mono_ms();

    while (!g_stop) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    logf_("E", "%s", rd_kafka_err2name(m->err));
            } else if (m->partition >= 0 && m->partition < MAX_PARTITIONS) {
                logf_("M", "%" PRId32 " %" PRId64 " %.*s", m->partition, m->offset,
                      (int)(m->len < 200 ? m->len : 200), m->payload ? (const char *)m->payload : "");
                g_parts[m->partition].next = m->offset + 1;
                g_since_commit++;
            }
            rd_kafka_message_destroy(m);
        }
        if (g_since_commit >= COMMIT_EVERY || mono_ms() - g_last_commit_ms >= COMMIT_INTERVAL_MS)
            commit_now(rk, "periodic");
    }
    logf_("STOP", "signal %d from pid %d", (int)g_stop_signal, (int)g_stop_sender);
    commit_now(rk, "stop");
    err = rd_kafka_consumer_close(rk);
    if (err)
        logf_("E", "close-%s", rd_kafka_err2name(err));
    rd_kafka_destroy(rk);
    logf_("EXIT", "");
    fclose(g_log);
    return 0;
}

/* ---- idempotent producer ------------------------------------------------------------------- */

typedef struct {
    int64_t delivered;
    int64_t failed;
    int64_t out_of_order;
    int64_t next_offset[MAX_PARTITIONS];
    int64_t next_seq[MAX_PARTITIONS];
} produce_state_t;

static produce_state_t g_prod;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    int64_t seq = (int64_t)(intptr_t)m->_private;
    int32_t p = m->partition;
    (void)rk;
    (void)opaque;
    if (m->err) {
        if (g_prod.failed++ < 10)
            fprintf(stderr, "delivery failed: partition %" PRId32 " seq %" PRId64 ": %s\n", p,
                    seq, rd_kafka_err2str(m->err));
        return;
    }
    g_prod.delivered++;
    if (p < 0 || p >= MAX_PARTITIONS)
        die("delivery report for partition %" PRId32, p);
    if (m->offset != g_prod.next_offset[p] || seq != g_prod.next_seq[p]) {
        if (g_prod.out_of_order++ < 10)
            fprintf(stderr,
                    "delivery report out of order: partition %" PRId32 " seq %" PRId64
                    " at offset %" PRId64 ", expected seq %" PRId64 " at offset %" PRId64 "\n",
                    p, seq, m->offset, g_prod.next_seq[p], g_prod.next_offset[p]);
    }
    g_prod.next_offset[p] = m->offset + 1;
    g_prod.next_seq[p] = seq + 1;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    (void)opaque;
    fprintf(stderr, "librdkafka error %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err),
            reason);
}

static int run_producer(int argc, char **argv) {
    const char *bootstrap, *topic;
    int partitions;
    long count, i;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    char errstr[512];
    char value[128];
    int64_t t0;
    rd_kafka_resp_err_t err;

    if (argc < 4)
        die("usage: produce-idem <bootstrap> <topic> <partitions> <count> [name=value ...]");
    bootstrap = argv[0];
    topic = argv[1];
    partitions = atoi(argv[2]);
    count = atol(argv[3]);
    if (partitions < 1 || partitions > MAX_PARTITIONS || count < 1)
        die("bad partitions/count");

    conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "client.id", "rdkafka-idempotent");
    set(conf, "enable.idempotence", "true");
    set(conf, "acks", "all");
    set(conf, "max.in.flight.requests.per.connection", "5");
    set(conf, "linger.ms", "5");
    set(conf, "batch.num.messages", "500");
    set(conf, "compression.codec", "none");
    set(conf, "message.timeout.ms", "120000");
    set(conf, "retry.backoff.ms", "50");
    set(conf, "reconnect.backoff.ms", "20");
    set(conf, "reconnect.backoff.max.ms", "500");
    set(conf, "socket.timeout.ms", "15000");
    set_extra(conf, argc - 4, argv + 4);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk)
        die("rd_kafka_new: %s", errstr);

    t0 = mono_ms();
    for (i = 0; i < count; i++) {
        int32_t p = (int32_t)(i % partitions);
        int n = snprintf(value, sizeof(value), "%" PRId32 ":%08ld|%.*s", p, i / partitions,
                         (int)(i % 29), "abcdefghijklmnopqrstuvwxyz0123456789");
        for (;;) {
            err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                                    RD_KAFKA_V_VALUE(value, (size_t)n),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)(i / partitions)),
                                    RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                break;
            rd_kafka_poll(rk, 50);
        }
        if (err)
            die("produce %ld: %s", i, rd_kafka_err2str(err));
        rd_kafka_poll(rk, 0);
        if (rd_kafka_fatal_error(rk, errstr, sizeof(errstr)))
            die("fatal error while producing: %s", errstr);
    }
    err = rd_kafka_flush(rk, 200000);
    if (rd_kafka_fatal_error(rk, errstr, sizeof(errstr)))
        die("fatal error: %s", errstr);
    printf("delivered=%" PRId64 " failed=%" PRId64 " out_of_order=%" PRId64
           " outq=%d flush=%s elapsed_ms=%" PRId64 "\n",
           g_prod.delivered, g_prod.failed, g_prod.out_of_order, rd_kafka_outq_len(rk),
           rd_kafka_err2name(err), mono_ms() - t0);
    fflush(stdout);
    rd_kafka_destroy(rk);
    if (err || g_prod.delivered != count || g_prod.failed || g_prod.out_of_order)
        die("not every record was delivered exactly once in order");
    return 0;
}

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (argc >= 2 && strcmp(argv[1], "consume") == 0)
        return run_consumer(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "produce-idem") == 0)
        return run_producer(argc - 2, argv + 2);
    fprintf(stderr, "usage: %s consume|produce-idem ...\n", argv[0]);
    return 2;
}
