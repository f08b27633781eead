/*
 * board.c - nRF9160 glue for the sensor_node example: 64 MHz core clock. The network on this
 * part is the LTE modem: a real port implements board_net_* with the modem library's sockets
 * (nrf_getaddrinfo/nrf_socket/nrf_connect/nrf_send/nrf_recv with NRF_MSG_DONTWAIT and a short
 * nrf_poll), and can let the modem do TLS (its credential store holds a PSK or certificates).
 * The reading is synthetic to keep the example free of the SDK.
 */
#include "board.h"

const uint32_t board_core_hz = 64000000u;
const char board_name[] = "nrf9160-node";

void board_init(void)
{
}

int32_t board_read_sensor_milli(void)
{
    uint32_t t = board_now_ms(0) / 1000u;
    return 3600 + (int32_t)(t % 200u); /* e.g. a battery voltage in millivolts */
}

void board_idle(void)
{
    __asm volatile("wfi");
}
