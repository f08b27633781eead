/*
 * tern_posix_example - a simulated sensor node publishing readings with the firmware library.
 *
 * It produces `--count` readings, one every `--interval-ms`, through a tern_producer_t over the
 * POSIX socket transport (or, with --psk/--ca, through the Mbed TLS adapter), polls the session
 * between readings, then flushes. Reading i is deterministic so tests can check every byte:
 *   key     "sensor-NN"                       (NN = i % --sensors; --no-keys: null key)
 *   value   {"sensor":"sensor-NN","seq":i,"temp_c":T,"rh":H}
 *   headers seq=<i>, unit=C, and every 10th reading a header "flag" with a null value
 *   time    --timestamp-base + i (milliseconds)
 * At the end it prints one line:
 *   stats enqueued=E delivered=D failed=F dropped=X requests=R retries=Y connects=C
 *         idempotent=0|1 pending=P status=<flush status>
 * and exits 0 if every reading was delivered, 1 otherwise, 2 on bad arguments.
 *
 * --bootstrap takes one HOST:PORT or a comma-separated list (up to TERN_BOOTSTRAP_MAX): the
 * session falls back through them (and through the brokers it learns) when one is unreachable.
 * --print-deliveries prints one line per completed batch, as the session reports it:
 *   delivery partition=P base_offset=O count=N error=E     (base_offset -1: not known)
 * SIGTERM or SIGINT ends sampling early: the readings taken so far are flushed and the exit
 * status then compares delivered with enqueued (the readings actually taken).
 *
 * --ring-bytes sizes the offline buffer; --drop-oldest selects that full policy (default: the
 * example waits and polls until there is room, so no reading is lost).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern_producer.h"
#include "tern_transport_posix.h"

#ifdef TERN_EXAMPLE_WITH_MBEDTLS
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "tern_transport_mbedtls.h"
#endif

#define BOOTSTRAP_HOST_MAX 128

typedef struct options {
    char hosts[TERN_BOOTSTRAP_MAX][BOOTSTRAP_HOST_MAX];
    tern_bootstrap_address_t bootstrap[TERN_BOOTSTRAP_MAX];
    size_t bootstrap_count;
    const char *topic;
    long count;
    long interval_ms;
    long sensors;
    int acks;
    tern_idempotence_t idempotence;
    long ring_bytes;
    long buffer_bytes;
    long linger_ms;
    long flush_timeout_ms;
    long request_timeout_ms;
    long long timestamp_base;
    int drop_oldest;
    int no_keys;
    int print_deliveries;
    int partition; /* -1: by key */
    const char *psk_hex;
    const char *psk_identity;
    const char *ca_file;
    const char *cert_file;   /* client certificate for mutual TLS */
    const char *key_file;
    const char *server_name; /* name to verify in the broker's certificate (default: its host) */
} options_t;

#ifdef TERN_EXAMPLE_WITH_MBEDTLS
/* Reads a PEM file into buf with a terminating NUL, which Mbed TLS counts in the length. */
static int read_pem(const char *path, unsigned char *buf, size_t size, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    size_t len = f != NULL ? fread(buf, 1, size - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    if (len == 0 || len == size - 1) {
        fprintf(stderr, "cannot read %s (missing, empty or over %u bytes)\n", path,
                (unsigned)(size - 2));
        return -1;
    }
    buf[len] = '\0';
    *len_out = len + 1;
    return 0;
}
#endif

static void usage(void)
{
    fprintf(stderr,
            "usage: tern_posix_example --bootstrap HOST:PORT[,HOST:PORT...] --topic NAME\n"
            "  [--count N] [--print-deliveries]\n"
            "  [--interval-ms MS] [--sensors N] [--acks -1|0|1] [--idempotence off|preferred|"
            "required]\n"
            "  [--ring-bytes N] [--buffer-bytes N] [--linger-ms MS] [--flush-timeout-ms MS]\n"
            "  [--request-timeout-ms MS] [--timestamp-base MS] [--drop-oldest] [--no-keys]\n"
            "  [--partition N] [--psk HEX --psk-identity ID | --ca FILE [--cert FILE --key FILE]\n"
            "  [--server-name NAME]]\n");
}

/* "h1:p1,h2:p2,...": at most TERN_BOOTSTRAP_MAX entries, each with a host and a port. */
static int parse_bootstrap(const char *v, options_t *o)
{
    while (*v != '\0') {
        const char *end = strchr(v, ',');
        const char *colon;
        size_t len = end != NULL ? (size_t)(end - v) : strlen(v);
        char *host;
        long port;
        if (o->bootstrap_count == TERN_BOOTSTRAP_MAX) {
            fprintf(stderr, "more than %d bootstrap addresses\n", TERN_BOOTSTRAP_MAX);
            return -1;
        }
        colon = v + len;
        while (colon > v && *colon != ':') {
            colon--;
        }
        port = atol(colon + 1);
        if (colon == v || (size_t)(colon - v) >= BOOTSTRAP_HOST_MAX || port <= 0 ||
            port > 65535) {
            return -1;
        }
        host = o->hosts[o->bootstrap_count];
        memcpy(host, v, (size_t)(colon - v));
        host[colon - v] = '\0';
        o->bootstrap[o->bootstrap_count].host = host;
        o->bootstrap[o->bootstrap_count].port = (uint16_t)port;
        o->bootstrap_count++;
        v += len;
        if (*v == ',') {
            v++;
        }
    }
    return 0;
}

static int parse_args(int argc, char **argv, options_t *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->count = 1000;
    o->interval_ms = 0;
    o->sensors = 24;
    o->acks = -1;
    o->ring_bytes = 1 << 20;
    o->buffer_bytes = 16384;
    o->flush_timeout_ms = 60000;
    o->request_timeout_ms = 5000;
    o->timestamp_base = (long long)tern_posix_wall_clock_ms();
    o->partition = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--drop-oldest") == 0) {
            o->drop_oldest = 1;
            continue;
        }
        if (strcmp(a, "--no-keys") == 0) {
            o->no_keys = 1;
            continue;
        }
        if (strcmp(a, "--print-deliveries") == 0) {
            o->print_deliveries = 1;
            continue;
        }
        if (v == NULL) {
            return -1;
        }
        i++;
        if (strcmp(a, "--bootstrap") == 0) {
            o->bootstrap_count = 0;
            if (parse_bootstrap(v, o) != 0) {
                return -1;
            }
        } else if (strcmp(a, "--topic") == 0) {
            o->topic = v;
        } else if (strcmp(a, "--count") == 0) {
            o->count = atol(v);
        } else if (strcmp(a, "--interval-ms") == 0) {
            o->interval_ms = atol(v);
        } else if (strcmp(a, "--sensors") == 0) {
            o->sensors = atol(v);
        } else if (strcmp(a, "--acks") == 0) {
            o->acks = atoi(v);
        } else if (strcmp(a, "--idempotence") == 0) {
            o->idempotence = strcmp(v, "required") == 0    ? TERN_IDEMPOTENCE_REQUIRED
                             : strcmp(v, "preferred") == 0 ? TERN_IDEMPOTENCE_PREFERRED
                                                           : TERN_IDEMPOTENCE_OFF;
        } else if (strcmp(a, "--ring-bytes") == 0) {
            o->ring_bytes = atol(v);
        } else if (strcmp(a, "--buffer-bytes") == 0) {
            o->buffer_bytes = atol(v);
        } else if (strcmp(a, "--linger-ms") == 0) {
            o->linger_ms = atol(v);
        } else if (strcmp(a, "--flush-timeout-ms") == 0) {
            o->flush_timeout_ms = atol(v);
        } else if (strcmp(a, "--request-timeout-ms") == 0) {
            o->request_timeout_ms = atol(v);
        } else if (strcmp(a, "--timestamp-base") == 0) {
            o->timestamp_base = atoll(v);
        } else if (strcmp(a, "--partition") == 0) {
            o->partition = atoi(v);
        } else if (strcmp(a, "--psk") == 0) {
            o->psk_hex = v;
        } else if (strcmp(a, "--psk-identity") == 0) {
            o->psk_identity = v;
        } else if (strcmp(a, "--ca") == 0) {
            o->ca_file = v;
        } else if (strcmp(a, "--cert") == 0) {
            o->cert_file = v;
        } else if (strcmp(a, "--key") == 0) {
            o->key_file = v;
        } else if (strcmp(a, "--server-name") == 0) {
            o->server_name = v;
        } else {
            return -1;
        }
    }
    if ((o->cert_file == NULL) != (o->key_file == NULL)) {
        return -1; /* a client certificate needs its key, and the other way round */
    }
    if (o->bootstrap_count == 0 || o->topic == NULL || o->count < 0 || o->sensors <= 0 ||
        o->ring_bytes < 64 || o->buffer_bytes < 256) {
        return -1;
    }
    return 0;
}

static void on_delivery(void *ctx, const tern_delivery_t *d)
{
    const options_t *o = (const options_t *)ctx;
    if (o->print_deliveries) {
        printf("delivery partition=%d base_offset=%lld count=%u error=%d\n", (int)d->partition,
               (long long)d->base_offset, (unsigned)d->record_count, (int)d->error_code);
        fflush(stdout);
    }
    if (d->error_code != 0) {
        fprintf(stderr, "delivery failed: partition %d, %u reading(s), Kafka error %d\n",
                (int)d->partition, (unsigned)d->record_count, (int)d->error_code);
    }
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    if (ms <= 0) {
        return;
    }
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One deterministic reading; the buffers live in the caller. */
typedef struct reading {
    char key[32];
    char value[160];
    char seq[24];
    tern_header_t headers[3];
    tern_record_t record;
} reading_t;

static void make_reading(const options_t *o, long i, reading_t *r)
{
    long sensor = i % o->sensors;
    int key_len = snprintf(r->key, sizeof(r->key), "sensor-%02ld", sensor);
    int value_len =
        snprintf(r->value, sizeof(r->value),
                 "{\"sensor\":\"%s\",\"seq\":%ld,\"temp_c\":%ld.%02ld,\"rh\":%ld.%ld}", r->key, i,
                 18 + (i * 7) % 9, (i * 13) % 100, 30 + (i * 3) % 40, i % 10);
    int seq_len = snprintf(r->seq, sizeof(r->seq), "%ld", i);
    memset(&r->record, 0, sizeof(r->record));
    r->headers[0].key = "seq";
    r->headers[0].key_len = 3;
    r->headers[0].value = (const uint8_t *)r->seq;
    r->headers[0].value_len = (size_t)seq_len;
    r->headers[1].key = "unit";
    r->headers[1].key_len = 4;
    r->headers[1].value = (const uint8_t *)"C";
    r->headers[1].value_len = 1;
    r->headers[2].key = "flag";
    r->headers[2].key_len = 4;
    r->headers[2].value = NULL; /* a null header value */
    r->headers[2].value_len = 0;
    r->record.timestamp_ms = (int64_t)(o->timestamp_base + i);
    if (!o->no_keys) {
        r->record.key = (const uint8_t *)r->key;
        r->record.key_len = (size_t)key_len;
    }
    r->record.value = (const uint8_t *)r->value;
    r->record.value_len = (size_t)value_len;
    r->record.headers = r->headers;
    r->record.header_count = i % 10 == 0 ? 3u : 2u;
}

#ifdef TERN_EXAMPLE_WITH_MBEDTLS
static int hex_to_bytes(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex);
    size_t i;
    if (n % 2 != 0 || n / 2 > cap) {
        return -1;
    }
    for (i = 0; i < n / 2; i++) {
        unsigned int b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
            return -1;
        }
        out[i] = (unsigned char)b;
    }
    return (int)(n / 2);
}
#endif

int main(int argc, char **argv)
{
    options_t o;
    tern_posix_transport_t tcp;
    tern_transport_t transport;
    tern_clock_t clock;
    tern_producer_config_t cfg;
    tern_producer_t producer;
    tern_ring_t ring;
    tern_buffer_t net;
    uint8_t *ring_storage;
    const char *topics[1];
    const tern_producer_stats_t *stats;
    tern_status_t st;
    long i;
    int rc;
#ifdef TERN_EXAMPLE_WITH_MBEDTLS
    tern_mbedtls_transport_t tls;
    tern_mbedtls_config_t tls_cfg;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    unsigned char psk[64];
    static unsigned char ca[65536], cert[16384], key[8192];
    int use_tls = 0;
#endif

    if (parse_args(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_stop_signal);
    signal(SIGINT, on_stop_signal);
    ring_storage = malloc((size_t)o.ring_bytes); /* the host's choice; an MCU uses a static array */
    net.data = malloc((size_t)o.buffer_bytes);
    net.size = (size_t)o.buffer_bytes;
    if (ring_storage == NULL || net.data == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    (void)tern_posix_transport_init(&tcp, &transport);
    (void)tern_posix_clock_init(&clock);
#ifdef TERN_EXAMPLE_WITH_MBEDTLS
    if (o.psk_hex != NULL || o.ca_file != NULL) {
        tern_transport_t lower = transport;
        int n;
        use_tls = 1;
        memset(&tls_cfg, 0, sizeof(tls_cfg));
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0) {
            fprintf(stderr, "DRBG seeding failed\n");
            return 1;
        }
        tls_cfg.f_rng = mbedtls_ctr_drbg_random;
        tls_cfg.p_rng = &drbg;
        if (o.psk_hex != NULL) {
            n = hex_to_bytes(o.psk_hex, psk, sizeof(psk));
            if (n <= 0 || o.psk_identity == NULL) {
                usage();
                return 2;
            }
            tls_cfg.psk = psk;
            tls_cfg.psk_len = (size_t)n;
            tls_cfg.psk_identity = o.psk_identity;
        }
        if (o.ca_file != NULL) {
            if (read_pem(o.ca_file, ca, sizeof(ca), &tls_cfg.ca_chain_len) != 0) {
                return 2;
            }
            tls_cfg.ca_chain = ca;
        }
        if (o.cert_file != NULL) {
            if (read_pem(o.cert_file, cert, sizeof(cert), &tls_cfg.client_cert_len) != 0 ||
                read_pem(o.key_file, key, sizeof(key), &tls_cfg.client_key_len) != 0) {
                return 2;
            }
            tls_cfg.client_cert = cert;
            tls_cfg.client_key = key;
        }
        tls_cfg.server_name = o.server_name;
        if (tern_mbedtls_transport_init(&tls, &tls_cfg, &lower, &clock, &transport) != TERN_OK) {
            fprintf(stderr, "TLS setup failed (Mbed TLS error -0x%04x)\n",
                    (unsigned)-tls.last_error);
            return 1;
        }
    }
#else
    if (o.psk_hex != NULL || o.ca_file != NULL) {
        fprintf(stderr, "built without Mbed TLS\n");
        return 2;
    }
#endif
    st = tern_ring_init(&ring, ring_storage, (size_t)o.ring_bytes,
                        o.drop_oldest ? TERN_RING_DROP_OLDEST : TERN_RING_REJECT_NEW, NULL, NULL);
    tern_producer_config_init(&cfg);
    topics[0] = o.topic;
    /* One address keeps the single-host fields (what most boards use); a list uses the list. */
    if (o.bootstrap_count == 1) {
        cfg.bootstrap_host = o.bootstrap[0].host;
        cfg.bootstrap_port = o.bootstrap[0].port;
    } else {
        cfg.bootstrap = o.bootstrap;
        cfg.bootstrap_count = o.bootstrap_count;
    }
    cfg.client_id = "tern-posix-example";
    cfg.topics = topics;
    cfg.topic_count = 1;
    cfg.acks = (int16_t)o.acks;
    cfg.idempotence = o.idempotence;
    cfg.linger_ms = (uint32_t)o.linger_ms;
    cfg.request_timeout_ms = (uint32_t)o.request_timeout_ms;
    cfg.reconnect_backoff_max_ms = 1000;
    cfg.on_delivery = on_delivery;
    cfg.on_delivery_ctx = &o;
    if (st == TERN_OK) {
        st = tern_producer_init(&producer, &cfg, &transport, &clock, &net, &ring);
    }
    if (st != TERN_OK) {
        fprintf(stderr, "init failed: %s\n", tern_status_str(st));
        return 2;
    }

    for (i = 0; i < o.count && !stop_requested; i++) {
        reading_t r;
        make_reading(&o, i, &r);
        for (;;) {
            st = tern_producer_send(&producer, 0, o.partition, &r.record);
            if (st != TERN_RING_FULL) {
                break;
            }
            /* Offline buffer full and the policy keeps old readings: let the session drain. */
            (void)tern_producer_poll(&producer);
            sleep_ms(5);
        }
        if (st != TERN_OK) {
            fprintf(stderr, "send %ld: %s\n", i, tern_status_str(st));
            return 1;
        }
        st = tern_producer_poll(&producer);
        if (st != TERN_OK && st != TERN_BACKOFF && tern_posix_log_level() >= 2) {
            fprintf(stderr, "poll: %s (Kafka error %d)\n", tern_status_str(st),
                    (int)tern_producer_last_error(&producer));
        }
        sleep_ms(o.interval_ms);
    }
    st = tern_producer_flush(&producer, (uint32_t)o.flush_timeout_ms);
    stats = tern_producer_get_stats(&producer);
    printf(
        "stats enqueued=%lu delivered=%lu failed=%lu dropped=%lu requests=%lu retries=%lu "
        "connects=%lu idempotent=%d pending=%lu status=%s\n",
        (unsigned long)stats->enqueued, (unsigned long)stats->delivered,
        (unsigned long)stats->failed, (unsigned long)ring.dropped, (unsigned long)stats->requests,
        (unsigned long)stats->retries, (unsigned long)stats->connects,
        tern_producer_is_idempotent(&producer) ? 1 : 0,
        (unsigned long)tern_producer_pending(&producer), tern_status_str(st));
    fflush(stdout);
    rc = (st == TERN_OK && stats->delivered == (uint32_t)i) ? 0 : 1;
    (void)tern_producer_close(&producer);
#ifdef TERN_EXAMPLE_WITH_MBEDTLS
    if (use_tls) {
        tern_mbedtls_transport_free(&tls);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
    }
#endif
    free(ring_storage);
    free(net.data);
    return rc;
}
