/**
 * @file tern_transport_posix.h
 * @brief BSD-socket transport and POSIX clock for the producer session (hosts, Linux sensors).
 *
 * connect() resolves the host with getaddrinfo (IPv4 and IPv6, every address in turn) and
 * connects without blocking longer than connect_timeout_ms; the socket gets TCP_NODELAY.
 * recv() waits up to recv_wait_ms for data so the session's receive loop does not spin.
 * close() is graceful: FIN first, then it waits (up to close_wait_ms) for the peer to close, so
 * requests already sent are read before the socket goes away (acks=0 has no other guarantee).
 * The same code runs on lwIP with LWIP_SOCKET and LWIP_POSIX_SOCKETS_IO_NAMES.
 */
#ifndef TERN_TRANSPORT_POSIX_H
#define TERN_TRANSPORT_POSIX_H

#include <stdint.h>

#include "tern_serializer.h"
#include "tern_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Transport context: one TCP connection. */
typedef struct tern_posix_transport {
    int fd;                      /**< Socket, -1 when closed. */
    uint32_t connect_timeout_ms; /**< Per address. Default 5000. */
    uint32_t recv_wait_ms;       /**< Longest wait inside one recv(). Default 20. */
    uint32_t close_wait_ms;      /**< Graceful close: wait for the peer's FIN. Default 200. */
} tern_posix_transport_t;

/**
 * @brief Initialises a (closed) transport and fills the interface for the session.
 *
 * @param[out] ctx The transport context.
 * @param[out] transport Interface whose ctx points at ctx.
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if a pointer is NULL.
 */
tern_status_t tern_posix_transport_init(tern_posix_transport_t *ctx, tern_transport_t *transport);

/**
 * @brief Fills a clock backed by CLOCK_MONOTONIC and nanosleep.
 *
 * @param[out] clock The clock (ctx is NULL).
 * @return ::TERN_OK; ::TERN_BAD_PARAMETER if clock is NULL.
 */
tern_status_t tern_posix_clock_init(tern_clock_t *clock);

/**
 * @brief Milliseconds since the Unix epoch (CLOCK_REALTIME), for record timestamps.
 *
 * @return The wall-clock time in milliseconds.
 */
int64_t tern_posix_wall_clock_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TRANSPORT_POSIX_H */
