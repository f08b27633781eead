/*
 * sensor_node.c - the example firmware image every MCU board builds: a sensor node that samples
 * once a second and publishes each reading to the hub with the Tern producer session.
 *
 * - Memory is static and sized here: the session, a 1 KiB network buffer and a 4 KiB offline
 *   buffer. The library itself has no static data.
 * - The offline buffer lives in .noinit RAM and the ring's persistence hook records head/tail
 *   next to it, so queued readings survive a warm reset (watchdog, brown-out with RAM retention)
 *   and are sent first after it; a board with flash would mirror the changed ranges instead.
 * - Readings: key = the board name, value = 8 bytes (int32 milli-units, uint32 sequence,
 *   big-endian), header "fw" = the firmware version. No printf: nothing of stdio is linked.
 * - The transport is the board's (the stub reports "no network": the node then shows the
 *   offline path, dropping the oldest readings when the buffer is full).
 */
#include <string.h>

#include "board.h"
#include "tern_producer.h"

#define RING_BYTES 4096u
#define NET_BYTES 1024u
#define SAMPLE_PERIOD_MS 1000u
#define RING_MAGIC 0x7E52F1A5u

#ifndef TERN_EXAMPLE_HUB_HOST
#define TERN_EXAMPLE_HUB_HOST "hub.local"
#endif
#ifndef TERN_EXAMPLE_HUB_PORT
#define TERN_EXAMPLE_HUB_PORT 9092
#endif

/* Survives a warm reset (not zeroed by the reset handler). */
static uint8_t ring_storage[RING_BYTES] __attribute__((section(".noinit")));
static struct {
    uint32_t magic;
    uint32_t head;
    uint32_t tail;
    uint32_t check; /* magic ^ head ^ tail: a torn update is detected */
} ring_state __attribute__((section(".noinit")));

static uint8_t net_buffer[NET_BYTES];
static tern_ring_t ring;
static tern_producer_t producer;
static const char *const topics[] = {"readings"};

static void persist_ring(void *ctx, const tern_ring_t *r, size_t offset, size_t len)
{
    (void)ctx;
    (void)offset;
    (void)len; /* the bytes are already in retained RAM; only the positions need saving */
    ring_state.magic = 0;
    ring_state.head = (uint32_t)r->head;
    ring_state.tail = (uint32_t)r->tail;
    ring_state.check = RING_MAGIC ^ ring_state.head ^ ring_state.tail;
    ring_state.magic = RING_MAGIC;
}

static void open_ring(void)
{
    if (ring_state.magic == RING_MAGIC &&
        ring_state.check == (RING_MAGIC ^ ring_state.head ^ ring_state.tail) &&
        tern_ring_restore(&ring, ring_storage, RING_BYTES, ring_state.head, ring_state.tail,
                          TERN_ENTRY_INFLIGHT, TERN_RING_DROP_OLDEST, persist_ring,
                          NULL) == TERN_OK) {
        return; /* readings from before the reset are queued again */
    }
    (void)tern_ring_init(&ring, ring_storage, RING_BYTES, TERN_RING_DROP_OLDEST, persist_ring,
                         NULL);
    persist_ring(NULL, &ring, 0, 0);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int main(void)
{
    tern_producer_config_t cfg;
    tern_transport_t transport;
    tern_clock_t clock;
    tern_buffer_t net;
    uint32_t next_sample;
    uint32_t seq = 0;

    board_init();
    board_systick_start();
    open_ring();

    transport.connect = board_net_connect;
    transport.send = board_net_send;
    transport.recv = board_net_recv;
    transport.close = board_net_close;
    transport.ctx = NULL;
    clock.now_ms = board_now_ms;
    clock.sleep_ms = board_sleep_ms;
    clock.ctx = NULL;
    net.data = net_buffer;
    net.size = sizeof(net_buffer);

    tern_producer_config_init(&cfg);
    cfg.bootstrap_host = TERN_EXAMPLE_HUB_HOST;
    cfg.bootstrap_port = TERN_EXAMPLE_HUB_PORT;
    cfg.client_id = board_name;
    cfg.topics = topics;
    cfg.topic_count = 1;
    cfg.acks = -1;
    cfg.idempotence = TERN_IDEMPOTENCE_PREFERRED;
    cfg.linger_ms = 200;
    cfg.reconnect_backoff_max_ms = 30000;
    if (tern_producer_init(&producer, &cfg, &transport, &clock, &net, &ring) != TERN_OK) {
        for (;;) {
            board_idle(); /* a configuration error: nothing sensible to do */
        }
    }

    next_sample = board_now_ms(NULL);
    for (;;) {
        uint32_t now = board_now_ms(NULL);
        if ((int32_t)(now - next_sample) >= 0) {
            uint8_t value[8];
            tern_header_t header;
            tern_record_t record;
            next_sample += SAMPLE_PERIOD_MS;
            put_be32(value, (uint32_t)board_read_sensor_milli());
            put_be32(value + 4, seq++);
            header.key = "fw";
            header.key_len = 2;
            header.value = (const uint8_t *)"0.1.0";
            header.value_len = 5;
            memset(&record, 0, sizeof(record));
            record.timestamp_ms = board_epoch_ms();
            record.key = (const uint8_t *)board_name;
            record.key_len = strlen(board_name);
            record.value = value;
            record.value_len = sizeof(value);
            record.headers = &header;
            record.header_count = 1;
            (void)tern_producer_send(&producer, 0, TERN_PARTITION_ANY, &record);
        }
        (void)tern_producer_poll(&producer);
        board_idle();
    }
}
