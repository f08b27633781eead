/*
 * board.h - what the MCU example (sensor_node.c) needs from a board. Each boards/<mcu>/board.c
 * implements the hardware part; mcu-common supplies the rest (SysTick clock, stub transport).
 * This is board glue: it never goes into firmware/src.
 */
#ifndef TERN_BOARD_H
#define TERN_BOARD_H

#include <stdint.h>

#include "tern_transport.h"

/* Core clock after reset, in Hz (the examples do not reprogram clock trees). */
extern const uint32_t board_core_hz;
/* A short, stable device name used as the record key (e.g. from a unique-id register). */
extern const char board_name[];

/* Clocks, sensor and idle. */
void board_init(void);
int32_t board_read_sensor_milli(void); /* a reading, in thousandths of its unit */
void board_idle(void);                 /* sleep until the next interrupt */

/* Wall-clock time in ms since the Unix epoch for record timestamps, or -1 (Kafka's "no
 * timestamp") while unknown. The weak default (systick.c) has no time source: a board with an
 * RTC, SNTP or a GNSS fix overrides it. (Uptime would look like 1970 to the broker, whose time
 * retention would then delete the readings at once.) */
int64_t board_epoch_ms(void);

/* Millisecond clock from SysTick (mcu-common/systick.c). */
void board_systick_start(void);
uint32_t board_now_ms(void *ctx);
void board_sleep_ms(void *ctx, uint32_t ms);

/* The network: connect/send/recv/close for the producer session. mcu-common/stub_transport.c
 * provides weak placeholders that report "no network" (the node then runs on its offline
 * buffer); a real board overrides them with its lwIP, modem or Wi-Fi socket calls. */
int32_t board_net_connect(void *ctx, const char *host, uint16_t port);
int32_t board_net_send(void *ctx, const uint8_t *data, size_t len);
int32_t board_net_recv(void *ctx, uint8_t *buf, size_t len);
void board_net_close(void *ctx);

#endif /* TERN_BOARD_H */
