/*
 * stub_transport.c - placeholder network for the MCU examples: every connect fails, so the node
 * keeps its readings in the offline buffer (and drops the oldest once it is full). A real board
 * overrides these weak functions with its network stack, e.g. with lwIP sockets:
 *   connect: lwip_getaddrinfo + lwip_socket + lwip_connect (non-blocking with a timeout)
 *   send:    lwip_send(fd, data, len, MSG_DONTWAIT), EWOULDBLOCK -> 0
 *   recv:    lwip_poll for a few ms, then lwip_recv; EOF or error -> -1
 * firmware/transport/posix/tern_transport_posix.c is that code for BSD sockets, and
 * firmware/transport/mbedtls wraps any of them in TLS.
 */
#include "board.h"

__attribute__((weak)) int32_t board_net_connect(void *ctx, const char *host, uint16_t port)
{
    (void)ctx;
    (void)host;
    (void)port;
    return -1;
}

__attribute__((weak)) int32_t board_net_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -1;
}

__attribute__((weak)) int32_t board_net_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

__attribute__((weak)) void board_net_close(void *ctx)
{
    (void)ctx;
}
