/* libFuzzer target: a whole producer session whose broker answers with the fuzz input.
 *
 * The transport accepts every request and returns the input bytes as responses (in chunks whose
 * sizes come from the input too); once the input is used up the connection fails. Correlation
 * ids are deterministic (1, 2, 3...), so the fuzzer can reach ApiVersions, InitProducerId,
 * Metadata and Produce handling. The session must never crash, hang or trip an assertion,
 * whatever the "broker" says. */
#include <string.h>

#include "fuzz_util.h"
#include "tern_producer.h"

typedef struct fuzz_io {
    const uint8_t *data;
    size_t size;
    size_t pos;
    uint32_t now;
} fuzz_io_t;

static int32_t f_connect(void *ctx, const char *host, uint16_t port)
{
    fuzz_io_t *io = (fuzz_io_t *)ctx;
    touch(host, strlen(host));
    (void)port;
    return io->pos < io->size ? 0 : -1;
}

static int32_t f_send(void *ctx, const uint8_t *data, size_t len)
{
    touch(data, len);
    (void)ctx;
    return (int32_t)len;
}

static int32_t f_recv(void *ctx, uint8_t *buf, size_t len)
{
    fuzz_io_t *io = (fuzz_io_t *)ctx;
    size_t n;
    if (io->pos >= io->size) {
        return -1;
    }
    n = io->size - io->pos;
    if (n > len) {
        n = len;
    }
    if (n > 64) {
        n = 64; /* responses arrive in pieces, like TCP */
    }
    memcpy(buf, io->data + io->pos, n);
    io->pos += n;
    io->now += 1;
    return (int32_t)n;
}

static uint32_t f_now(void *ctx)
{
    return ((fuzz_io_t *)ctx)->now;
}

static void f_sleep(void *ctx, uint32_t ms)
{
    ((fuzz_io_t *)ctx)->now += ms;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const topics[] = {"readings", "events"};
    uint8_t ring_mem[1024];
    uint8_t net_mem[512];
    fuzz_io_t io;
    tern_transport_t t;
    tern_clock_t c;
    tern_buffer_t net;
    tern_ring_t ring;
    tern_producer_t p;
    tern_producer_config_t cfg;
    int i;

    if (size < 1) {
        return 0;
    }
    io.data = data + 1;
    io.size = size - 1;
    io.pos = 0;
    io.now = 0;
    t.connect = f_connect;
    t.send = f_send;
    t.recv = f_recv;
    t.close = NULL;
    t.ctx = &io;
    c.now_ms = f_now;
    c.sleep_ms = f_sleep;
    c.ctx = &io;
    net.data = net_mem;
    net.size = sizeof(net_mem);
    (void)tern_ring_init(&ring, ring_mem, sizeof(ring_mem), TERN_RING_DROP_OLDEST, NULL, NULL);
    tern_producer_config_init(&cfg);
    cfg.bootstrap_host = "127.0.0.1";
    cfg.bootstrap_port = 9092;
    cfg.topics = topics;
    cfg.topic_count = 2;
    cfg.acks = (int16_t)((data[0] & 3) == 3 ? -1 : (data[0] & 3) - 1);
    cfg.idempotence =
        (data[0] & 4) != 0 && cfg.acks == -1 ? TERN_IDEMPOTENCE_REQUIRED : TERN_IDEMPOTENCE_OFF;
    cfg.request_timeout_ms = 100;
    cfg.reconnect_backoff_ms = 0;
    cfg.retry_backoff_ms = 0;
    if (tern_producer_init(&p, &cfg, &t, &c, &net, &ring) != TERN_OK) {
        __builtin_trap();
    }
    for (i = 0; i < 6; i++) {
        char key[8] = {'s', 'e', 'n', 's', 'o', 'r', (char)('0' + i), 0};
        tern_header_t h = {"seq", 3, (const uint8_t *)key, 7};
        tern_record_t r;
        memset(&r, 0, sizeof(r));
        r.timestamp_ms = 1700000000000 + i;
        r.key = (const uint8_t *)key;
        r.key_len = (data[0] & 8) != 0 && i % 2 ? 0 : 7;
        if (r.key_len == 0) {
            r.key = NULL;
        }
        r.value = (const uint8_t *)"{\"v\":1}";
        r.value_len = 7;
        r.headers = &h;
        r.header_count = 1;
        (void)tern_producer_send(&p, (size_t)(i % 2), TERN_PARTITION_ANY, &r);
    }
    /* Poll until the input is used up (each poll either consumes input or backs off). */
    for (i = 0; i < 64 && io.pos < io.size; i++) {
        (void)tern_producer_poll(&p);
        io.now += 50;
    }
    (void)tern_producer_pending(&p);
    (void)tern_producer_close(&p);
    return 0;
}
